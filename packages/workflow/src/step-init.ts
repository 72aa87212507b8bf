import type { CacheSetting, OperationInit, ResourceHint, RetryPolicy } from '@portflow/core';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { PathOutsideRootsError } from './errors';

/**
 * The per-step settings of a workflow step, injected into a component's
 * constructor by type. Pass it on with `super(init)`: it carries the step's
 * id (its name), retry policy, timeout, resource hint and cache setting, so they reach the
 * engine through the operation.
 *
 * @example
 * ```ts
 * constructor(params: MyParams, init: StepInit) { super(init); }
 * ```
 */
export class StepInit implements OperationInit {
  /** The step's name, used as the operation id. */
  readonly id: string;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  readonly resource?: ResourceHint;
  readonly description?: string;
  readonly executor?: string;
  /** The step's `cache` setting: reuse a matching result of an earlier recorded run. */
  readonly cache?: boolean | CacheSetting;
  /** The step's params as written (plain data), which become the operation's `params`. */
  readonly params?: object;

  constructor(init: OperationInit & { id: string }) {
    this.id = init.id;
    if (init.params !== undefined) this.params = init.params;
    if (init.executor !== undefined) this.executor = init.executor;
    if (init.retry !== undefined) this.retry = init.retry;
    if (init.timeoutMs !== undefined) this.timeoutMs = init.timeoutMs;
    if (init.resource !== undefined) this.resource = init.resource;
    if (init.description !== undefined) this.description = init.description;
    if (init.cache !== undefined) this.cache = init.cache;
  }
}

/**
 * How the workflow wires a step, injected by type into components that need
 * it: components with dynamic ports declare one input port per name in
 * `inputs`.
 *
 * @example
 * ```ts
 * constructor(init: StepInit, wiring: StepWiring) {
 *   super(init);
 *   for (const name of wiring.inputs) this.addInputPort(name, { type: Array });
 * }
 * ```
 */
export class StepWiring {
  constructor(
    /** Input port names the workflow connects, in the order written. */
    readonly inputs: readonly string[] = [],
    /**
     * The step's `depends_on` names, in the order written. In the pipeline
     * form a collecting primary input receives their outputs in this order,
     * so a component can name what it receives (e.g. tables in SQL).
     */
    readonly dependsOn: readonly string[] = [],
  ) {}
}

/**
 * Where the workflow being compiled lives, injected by type. Components that
 * read or write files resolve relative paths against its directory, so a
 * workflow runs the same from any working directory.
 *
 * @example
 * ```ts
 * constructor(params: ReadCsvParams, init: StepInit, file: WorkflowFile) {
 *   super(init);
 *   this.path = file.resolve(params.path);
 * }
 * ```
 */
export class WorkflowFile {
  /** Directory relative paths are resolved against. */
  readonly directory: string;
  /** Folders every resolved path must stay inside (symbolic links followed); empty: anywhere. */
  readonly roots: readonly string[];

  constructor(
    /** The workflow's path, or undefined when it came from a string. */
    readonly path: string | undefined,
    directory?: string,
    roots: readonly string[] = [],
  ) {
    this.directory = directory ?? (path === undefined ? process.cwd() : dirname(resolve(path)));
    this.roots = roots.map((root) => realPath(resolve(root)));
  }

  /**
   * `relative` resolved against {@link WorkflowFile.directory}; absolute
   * paths are kept. With `roots`, a path that is (or, through a symbolic
   * link, leads) outside all of them throws a {@link PathOutsideRootsError}.
   */
  resolve(relative: string): string {
    const full = resolve(this.directory, relative);
    if (this.roots.length > 0) {
      const real = realPath(full);
      if (!this.roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep))) throw new PathOutsideRootsError(relative);
    }
    return full;
  }
}

/** The path with symbolic links of its longest existing prefix resolved (the rest does not exist yet). */
function realPath(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) return path;
    rest.unshift(basename(existing));
    existing = parent;
  }
  return join(realpathSync(existing), ...rest);
}

/** A 1-based line and column in a workflow file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Where a step is written, injected by type: components that check their
 * params only when they run (SQL expressions, for instance) name the step and
 * point at the param in their errors, as load-time problems do.
 *
 * @example
 * ```ts
 * constructor(params: QueryParams, init: StepInit, source: StepSource) {
 *   super(init);
 *   this.where = source.describe('expr'); // "step 'transform' (flows/etl.yaml:14:13)"
 * }
 * ```
 */
export class StepSource {
  constructor(
    /** The step's name. */
    readonly step: string,
    /** The workflow's file name, or undefined when the step was not made from a workflow. */
    readonly file: string | undefined = undefined,
    private readonly locate: (paramPath: readonly (string | number)[]) => SourcePosition | undefined = () => undefined,
  ) {}

  /** `file:line:column` of the param at `paramPath` (the step's params when empty), if known. */
  position(...paramPath: (string | number)[]): string | undefined {
    const at = this.locate(paramPath);
    return at === undefined || this.file === undefined ? undefined : `${this.file}:${at.line}:${at.column}`;
  }

  /** `step 'name' (file:line:column)`, or `step 'name'` when the position is unknown. */
  describe(...paramPath: (string | number)[]): string {
    const at = this.position(...paramPath);
    return at === undefined ? `step '${this.step}'` : `step '${this.step}' (${at})`;
  }
}

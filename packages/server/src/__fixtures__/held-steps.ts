import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Operation, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { Gates } from '@portflow/core/testing';
import { builtinRegistry, Component, StepInit, type ComponentRegistry } from '@portflow/workflow';
import { IsOptional, IsString } from 'class-validator';

/**
 * Steps the test holds: a `held` step logs a line, enters its gate (keyed
 * `<tag>/<step>`, `tag` being its execution's parameter) and waits until
 * the test opens it, or stops when its execution is cancelled. Tests wait
 * on `until`, never on the clock.
 */
export const HeldSteps: { current: Gates | undefined } = { current: undefined };

export class HeldParams {
  @IsOptional() @IsString() say: string = 'working';
}

@Component('held', { params: HeldParams, description: 'Waits until the test lets it go (tests only)' })
export class Held extends Operation {
  @Output(String) out!: OutputPort<string>;

  constructor(
    private readonly options: HeldParams,
    init: StepInit,
  ) {
    super(init);
  }

  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<Held>> {
    const holds = HeldSteps.current!;
    const key = `${String(context.variables.tag)}/${context.operationId}`;
    context.logger.info(`${this.options.say} on ${key}`);
    holds.enter(key);
    await new Promise<void>((resolve, reject) => {
      void holds.gate(key).promise.then(resolve);
      const abort = (): void => reject(new Error(`${key} aborted`));
      if (context.signal.aborted) abort();
      else context.signal.addEventListener('abort', abort, { once: true });
    });
    holds.leave(key);
    return { out: `${key}:${String(context.variables.n ?? '')}` };
  }
}

/** The built-in components and `held`. */
export function heldRegistry(): ComponentRegistry {
  return builtinRegistry().register(Held);
}

/** A temporary folder of workflow files (name -> YAML text), removed by `remove`. */
export function workflowFolder(files: Readonly<Record<string, string>>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'portflow-serve-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A chain of held steps `s1 -> s2 -> ...`, with params `tag` and `n`. */
export function chainYaml(name: string, steps: number, extra = ''): string {
  const lines = [`name: ${name}`, extra, 'variables:', '  tag: t', '  n: 0', 'pipeline:'];
  for (let i = 1; i <= steps; i++) {
    lines.push(`  - name: s${i}`, '    operation: held');
    if (i > 1) lines.push(`    depends_on: [s${i - 1}]`);
  }
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OperationRefError } from '../errors/errors';
import type { Operation } from './operation';
import type { OperationRef, OperationResolver } from './operation-ref';
import { readOperationIdentity } from './metadata/read';

/** Options of a {@link ModuleResolver}. */
export interface ModuleResolverOptions {
  /**
   * Directory relative specifiers (`./dist/ops.js`) are resolved against, and
   * which they may not leave; package specifiers are looked up from it as
   * `require` would (default: the current directory).
   */
  root?: string;
  /**
   * Which specifiers may be loaded (default: all that resolve inside `root`
   * or to an installed package). Refs that arrive over a network are
   * untrusted: pass the list of your operation modules.
   */
  allow?: readonly string[] | ((specifier: string) => boolean);
}

type OperationClass = (new (init: Record<string, unknown>) => Operation) & { prototype: object; name: string };

// A real dynamic import, which TypeScript's CommonJS output would turn into require().
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

/**
 * Resolves {@link OperationRef}s that name a module: imports
 * `ref.module.specifier` (a package, or a path relative to `root`), takes
 * the export `ref.module.export`, checks that its declared type and version
 * are the ref's, and constructs it with `new Class({ id, params, ...settings })`,
 * so its constructor runs. Classes resolved this way take their init as the
 * first constructor argument (or declare no constructor).
 *
 * @example
 * ```ts
 * const resolver = new ModuleResolver({ root: process.cwd(), allow: ['@acme/ops'] });
 * const op = await resolver.resolve({ type: 'scale', version: 1, params: { factor: 2 }, module: { specifier: '@acme/ops', export: 'Scale' } });
 * ```
 */
export class ModuleResolver implements OperationResolver {
  readonly root: string;
  readonly #allow: ModuleResolverOptions['allow'];
  readonly #classes = new Map<string, Promise<OperationClass>>();

  constructor(options: ModuleResolverOptions = {}) {
    this.root = resolve(options.root ?? process.cwd());
    this.#allow = options.allow;
  }

  async resolve(ref: OperationRef): Promise<Operation> {
    const location = ref?.module;
    const name = `${String(ref?.type)}@${String(ref?.version)}`;
    if (location === undefined || typeof location.specifier !== 'string' || typeof location.export !== 'string') {
      throw new OperationRefError(`Operation ref ${name} names no module ({ specifier, export }); give the class @OperationOptions({ module }) or pass the location to toRef()`);
    }
    const ctor = await this.load(location.specifier, location.export);
    const identity = readOperationIdentity(ctor);
    if (identity.type !== ref.type || identity.version !== ref.version) {
      throw new OperationRefError(
        `Module '${location.specifier}' exports ${location.export} as operation type '${identity.type}' version ${identity.version}, ` +
          `but the ref asks for type '${ref.type}' version ${ref.version}: this process has another build of the module; deploy the same build everywhere`,
      );
    }
    try {
      return new ctor({ ...ref.settings, ...(ref.id === undefined ? {} : { id: ref.id }), params: ref.params });
    } catch (error) {
      throw new OperationRefError(`Constructing ${location.export} from its ref failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  /** The operation class a specifier's export holds; cached per specifier and export. */
  private load(specifier: string, exportName: string): Promise<OperationClass> {
    const key = `${specifier}#${exportName}`;
    let loaded = this.#classes.get(key);
    if (loaded === undefined) {
      loaded = this.loadUncached(specifier, exportName);
      this.#classes.set(key, loaded);
      loaded.catch(() => this.#classes.delete(key));
    }
    return loaded;
  }

  private async loadUncached(specifier: string, exportName: string): Promise<OperationClass> {
    const path = this.locate(specifier);
    let mod: Record<string, unknown>;
    try {
      mod = require(path) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') {
        throw new OperationRefError(`Loading module '${specifier}' failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      mod = await importModule(pathToFileURL(path).href);
    }
    const ctor = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
    if (typeof ctor !== 'function' || typeof (ctor as { prototype?: { execute?: unknown } }).prototype?.execute !== 'function') {
      throw new OperationRefError(`Module '${specifier}' has no export '${exportName}' holding an operation class (exports: ${Object.keys(mod).join(', ') || 'none'})`);
    }
    return ctor as OperationClass;
  }

  /** The file a specifier names, refusing absolute paths, paths outside the root and specifiers not allowed. */
  private locate(specifier: string): string {
    if (specifier.length === 0 || isAbsolute(specifier) || /^[A-Za-z]+:/.test(specifier)) {
      throw new OperationRefError(`Module specifier '${specifier}' is not allowed: use a package name or a path relative to the resolver's root, never an absolute path or URL`);
    }
    const allow = this.#allow;
    if (allow !== undefined && !(typeof allow === 'function' ? allow(specifier) : allow.includes(specifier))) {
      throw new OperationRefError(`Module specifier '${specifier}' is not in this resolver's allow list`);
    }
    const relativePath = specifier.startsWith('./') || specifier.startsWith('../');
    if (relativePath) {
      const target = resolve(this.root, specifier);
      const inside = relative(this.root, target);
      if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
        throw new OperationRefError(`Module specifier '${specifier}' points outside the resolver's root; keep operation modules under it`);
      }
    }
    try {
      return require.resolve(relativePath ? resolve(this.root, specifier) : specifier, { paths: [this.root] });
    } catch (error) {
      throw new OperationRefError(`Module '${specifier}' cannot be found from the resolver's root: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
    }
  }
}

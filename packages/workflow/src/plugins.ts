import { resolve } from 'node:path';
import type { ComponentClass } from './component-descriptor';
import type { ComponentRegistry } from './component-registry';
import { readComponentMetadata } from './decorators/component';
import { PluginLoadError } from './errors';

/**
 * Loads a plugin module into `registry` and returns the names it added. The
 * module either exports a `register(registry)` function (or a default export
 * that is one), or exports `@Component` classes, which are all registered.
 * It is loaded with `require`, so CommonJS and (on Node 20.19+) ES modules
 * without top-level await both work.
 *
 * @example
 * ```ts
 * // my-components.js: module.exports = { Geocode };   (Geocode is a @Component class)
 * loadPlugin(registry, './my-components.js'); // ['geocode']
 * ```
 */
export function loadPlugin(registry: ComponentRegistry, modulePath: string, baseDir: string = process.cwd()): string[] {
  const resolved = resolve(baseDir, modulePath);
  let exports: Record<string, unknown>;
  try {
    exports = require(resolved) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports
  } catch (error) {
    throw new PluginLoadError(modulePath, `Plugin '${modulePath}' could not be loaded: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const before = new Set(registry.names());
  const register = typeof exports.register === 'function' ? exports.register : isRegisterFunction(exports.default) ? exports.default : undefined;
  try {
    if (register !== undefined) (register as (r: ComponentRegistry) => void)(registry);
    else {
      const classes = Object.values(exports).filter((v): v is ComponentClass => typeof v === 'function' && readComponentMetadata(v) !== undefined);
      registry.register(...classes);
    }
  } catch (error) {
    throw new PluginLoadError(modulePath, `Plugin '${modulePath}' failed to register its components: ${(error as Error).message}`, { cause: error });
  }
  const added = registry.names().filter((name) => !before.has(name));
  if (added.length === 0 && register === undefined) {
    throw new PluginLoadError(modulePath, `Plugin '${modulePath}' registered no components: export @Component classes or a register(registry) function`);
  }
  return added;
}

function isRegisterFunction(value: unknown): boolean {
  return typeof value === 'function' && readComponentMetadata(value) === undefined && !/^class[\s{]/.test(Function.prototype.toString.call(value));
}

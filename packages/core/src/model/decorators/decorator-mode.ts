/**
 * Throws a clear error when a Portflow decorator is applied as a standard
 * (TC39) decorator, which TypeScript 5 does when `experimentalDecorators` is
 * off: the decorator then receives a context object where it expects a
 * property name. For authors of decorators built on Portflow's.
 *
 * @param decorator - the decorator's name for the message, e.g. `@Input`.
 * @param keyOrContext - the decorator's second argument.
 * @example
 * ```ts
 * return (prototype: object, key: string) => { requireExperimentalDecorators('@Step', key); ... };
 * ```
 */
export function requireExperimentalDecorators(decorator: string, keyOrContext: unknown): void {
  if (keyOrContext !== null && typeof keyOrContext === 'object' && 'kind' in keyOrContext) {
    throw new TypeError(
      `${decorator} was applied as a standard (TC39) decorator, but Portflow's decorators are TypeScript experimental decorators. ` +
        `Set "experimentalDecorators": true in tsconfig.json (and "emitDecoratorMetadata": true for workflow components), ` +
        `or, with tsx/esbuild/swc, enable their legacy decorator option. See docs/use-in-your-project.md.`,
    );
  }
}

import { ComponentRegistrationError } from './errors';

/**
 * The constructor parameter types decorator metadata recorded for a
 * component class, refusing the two compiler setups that would make
 * injection fail with a misleading error: no metadata at all
 * (`emitDecoratorMetadata` off, or a compiler that does not emit it), and a
 * parameter whose type was erased (a type-only import, or an interface
 * without an `@inject` token).
 */
export function constructorParamTypes(name: string, cls: Function): unknown[] { // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  const types = Reflect.getOwnMetadata('design:paramtypes', cls) as unknown[] | undefined;
  if (types === undefined) {
    if (cls.length > 0) {
      throw new ComponentRegistrationError(
        `Component '${name}' (${cls.name}) has constructor parameters but no decorator metadata, so they cannot be injected: ` +
          `compile it with "emitDecoratorMetadata": true (and "experimentalDecorators": true). tsx and esbuild do not emit metadata: ` +
          `build with tsc, or run with ts-node or swc (decoratorMetadata: true). See docs/use-in-your-project.md.`,
      );
    }
    return [];
  }
  const tokens = (Reflect.getOwnMetadata('injectionTokens', cls) ?? {}) as Record<number, unknown>;
  const erased = types.findIndex((type, index) => (type === Object || type === undefined) && tokens[index] === undefined);
  if (erased >= 0) {
    throw new ComponentRegistrationError(
      `Component '${name}' (${cls.name}): constructor parameter ${erased + 1} has no runtime type in the decorator metadata ` +
        `(it is typed with a type-only import such as \`import type { StepInit }\`, or with an interface). ` +
        `Import StepInit, params classes and services as values (\`import { StepInit }\`), or give the parameter an @inject(token).`,
    );
  }
  return types;
}

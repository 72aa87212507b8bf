import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { closestNames } from './closest-names';
import type { ParamsClass } from './decorators/component';
import type { ParamsIssue } from './errors';

/** The outcome of {@link validateParams}: the params instance, or every issue found. */
export type ParamsResult<P extends object = object> =
  | { readonly ok: true; readonly value: P }
  | { readonly ok: false; readonly issues: readonly ParamsIssue[] };

/** Names of the properties a params class declares with class-validator decorators. */
export function paramNames(paramsClass: ParamsClass | undefined): string[] {
  if (paramsClass === undefined) return [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(paramsClass, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/**
 * Turns raw params (from YAML) into an instance of `paramsClass` and
 * validates it with class-validator, reporting every issue: unknown names
 * (with the closest known ones), missing required params and invalid values.
 * Values are not converted: a string where a number is expected is an issue.
 *
 * @example
 * ```ts
 * const result = validateParams(ReadCsvParams, { path: 'a.csv', delimeter: ';' });
 * if (!result.ok) console.log(result.issues.map((i) => i.message)); // ["unknown param 'delimeter'"]
 * ```
 */
export function validateParams<P extends object>(paramsClass: ParamsClass<P> | undefined, raw: unknown): ParamsResult<P> {
  const given = raw ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    return { ok: false, issues: [{ kind: 'invalid', path: [], message: `params must be a mapping of name: value (got ${Array.isArray(given) ? 'a list' : typeof given})` }] };
  }
  const known = paramNames(paramsClass);
  if (paramsClass === undefined || known.length === 0) {
    const issues = Object.keys(given).map((key): ParamsIssue => ({ kind: 'unknown', path: [key], message: `unknown param '${key}': this component takes no params`, suggestions: [] }));
    return issues.length > 0 ? { ok: false, issues } : { ok: true, value: (paramsClass ? new paramsClass() : {}) as P };
  }
  const instance = plainToInstance(paramsClass, given) as P;
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: true } });
  if (errors.length === 0) return { ok: true, value: instance };
  const issues: ParamsIssue[] = [];
  for (const error of errors) collectIssues(error, [], known, issues);
  return { ok: false, issues };
}

function collectIssues(error: ValidationError, parent: readonly (string | number)[], known: readonly string[], out: ParamsIssue[]): void {
  const segment = /^\d+$/.test(error.property) ? Number(error.property) : error.property;
  const path = [...parent, segment];
  const constraints = error.constraints ?? {};
  if ('whitelistValidation' in constraints) {
    const suggestions = parent.length === 0 ? closestNames(error.property, known) : [];
    out.push({ kind: 'unknown', path, message: `unknown param '${error.property}'`, suggestions });
  } else if (Object.keys(constraints).length > 0) {
    // A value of the wrong kind fails every constraint about its contents too; say only what it should be.
    const kind = constraints.isArray ?? constraints.isString ?? constraints.isNumber ?? constraints.isInt ?? constraints.isBoolean ?? constraints.isObject;
    const detail = kind ?? Object.values(constraints).join('; ');
    if (error.value === undefined) out.push({ kind: 'missing', path, message: `missing param '${path.join('.')}' (${detail})` });
    else out.push({ kind: 'invalid', path, message: detail });
  }
  for (const child of error.children ?? []) collectIssues(child, path, known, out);
}

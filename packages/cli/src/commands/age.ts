import { InputError } from '../workflow-input';

/** An age given as `--older-than` (`30d`, `12h`, `90m`), in milliseconds. */
export function parseAge(text: string | undefined): number {
  const match = text === undefined ? null : /^(\d+)(d|h|m)$/.exec(text.trim());
  if (match === null) throw new InputError(`portflow: --older-than needs an age such as 30d, 12h or 90m${text === undefined ? '' : `, not '${text}'`}`);
  return Number(match[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
}

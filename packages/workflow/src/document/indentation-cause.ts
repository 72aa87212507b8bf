/** What an indentation mistake near a YAML syntax error is, told in the user's terms. @internal */
export interface IndentationCause {
  /** 1-based line of the offending line (not the line the parser complained about). */
  readonly line: number;
  /** 1-based column where its content starts. */
  readonly column: number;
  readonly message: string;
  readonly hint: string;
}

const spaces = (n: number): string => (n === 1 ? '1 space' : `${n} spaces`);
const indentOf = (line: string): number => /^ */.exec(line)![0].length;
const blank = (line: string): boolean => line.trim() === '' || line.trim().startsWith('#');
/** `key: value` (optionally after `- `) with a value on the same line: it cannot have children. */
const KEY_WITH_VALUE = /^\s*(?:-\s+)?([^\s#:][^:#]*):\s+(?![|>]\s*$)(?!#)\S/;
const KEY_ONLY = /^\s*(?:-\s+)?([^\s#:][^:#]*):\s*(?:#.*)?$/;
const LIST_ITEM = /^(\s*)-(\s|$)/;

/**
 * Looks at the lines around a YAML syntax error (0-based `errorLine`) for the
 * two indentation mistakes people make most, which the parser reports as
 * something else, on another line:
 * - a line indented deeper than a `key: value` line above it, as if nested
 *   under a key that already has a value;
 * - a list item indented less than the items before it.
 */
export function indentationCause(lines: readonly string[], errorLine: number): IndentationCause | undefined {
  for (let i = Math.max(1, errorLine); i <= Math.min(lines.length - 1, errorLine + 2); i++) {
    const text = lines[i]!;
    if (blank(text)) continue;
    let p = i - 1;
    while (p >= 0 && blank(lines[p]!)) p--;
    if (p < 0) continue;
    const parent = lines[p]!;
    const deeper = indentOf(text) > indentOf(parent) + (LIST_ITEM.test(parent) ? 2 : 0);
    const parentKey = KEY_WITH_VALUE.exec(parent);
    if (deeper && parentKey && !LIST_ITEM.test(text)) {
      const key = KEY_ONLY.exec(text)?.[1] ?? KEY_WITH_VALUE.exec(text)?.[1] ?? text.trim();
      const siblingIndent = indentOf(parent) + (LIST_ITEM.test(parent) ? parent.slice(indentOf(parent)).indexOf(parentKey[1]!) : 0);
      return {
        line: i + 1,
        column: indentOf(text) + 1,
        message: `Line ${i + 1} is indented deeper than \`${parentKey[1]!.trim()}:\` on line ${p + 1}, which already has a value, so it cannot hold \`${key.trim()}\`.`,
        hint: `indent \`${key.trim()}\` by ${siblingIndent} spaces, like \`${parentKey[1]!.trim()}:\` above`,
      };
    }
    const item = LIST_ITEM.exec(text);
    if (item) {
      // The list this item should continue: the nearest earlier item deeper than it, within a few spaces.
      for (let k = p; k >= 0; k--) {
        const other = LIST_ITEM.exec(lines[k]!);
        if (blank(lines[k]!)) continue;
        if (indentOf(lines[k]!) < indentOf(text)) break;
        if (other && indentOf(lines[k]!) > indentOf(text) && indentOf(lines[k]!) - indentOf(text) <= 3) {
          return {
            line: i + 1,
            column: indentOf(text) + 1,
            message: `The list item on line ${i + 1} is indented ${spaces(indentOf(text))}, but the items before it (line ${k + 1}) are indented ${indentOf(lines[k]!)}.`,
            hint: `indent it by ${indentOf(lines[k]!)} spaces to continue the list`,
          };
        }
      }
    }
  }
  return undefined;
}

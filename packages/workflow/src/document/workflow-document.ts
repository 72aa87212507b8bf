import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Range } from 'yaml';
import { pathToString, type PendingProblem, type WorkflowProblem } from '../workflow-problem';
import { indentationCause } from './indentation-cause';

/** Where a node is: 1-based lines and columns. */
export interface SourceRange {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

type Path = readonly (string | number)[];

/** Most alias expansions `toJS` allows before giving up (guards against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'remove or rename one of the two keys',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MULTIPLE_DOCS: 'keep one workflow per file: remove the extra `---` document',
  TAG_RESOLVE_FAILED: 'remove the tag: workflows are plain data and custom tags (`!foo`, `!!binary`, `!!js/...`) are not loaded',
  BAD_INDENT: 'indent the nested lines further than their parent key',
  BLOCK_AS_IMPLICIT_KEY: 'a mapping or list cannot be a key: check the indentation of this line and the one above',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check the indentation of the line above',
  MISSING_CHAR: 'a bracket, quote or key is not closed or not followed by its value: check this line and the indentation of the one above',
  ALIAS_LIMIT: 'use fewer or smaller YAML aliases (*name)',
};

/**
 * A parsed workflow text: the plain value, the YAML syntax problems, and a
 * map from paths in the value back to `line:column` in the text. Loading is
 * safe: only the YAML 1.2 core schema's tags are resolved (no custom tags,
 * nothing executable), duplicate keys are errors and alias expansion is
 * bounded. JSON is read the same way.
 * @internal
 */
export class WorkflowDocument {
  /** The document as plain data (undefined when it could not be read). */
  readonly value: unknown;
  /** YAML syntax problems; when there are any, `value` may be partial. */
  readonly syntaxProblems: readonly WorkflowProblem[];
  /**
   * Whether the syntax problems leave the structure in doubt (anything but
   * duplicate keys and refused tags), so that reading further would only
   * report their echoes.
   */
  readonly structureBroken: boolean;
  private readonly lineStarts: readonly number[];

  private constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {
    this.lineStarts = lineCounter.lineStarts;
    const problems: WorkflowProblem[] = [];
    const issues = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
    // After the first structural error the parser's view of the rest is a
    // guess: its further errors are echoes of the first. Report that one, and
    // when it comes from a mis-indented line, report that line instead.
    let structural = false;
    for (const issue of issues) {
      const independent = issue.code === 'DUPLICATE_KEY' || issue.code === 'TAG_RESOLVE_FAILED' || issue.code === 'TAB_AS_INDENT' || issue.code === 'MULTIPLE_DOCS';
      if (!independent) {
        if (structural) continue;
        structural = true;
        const cause = indentationCause(text.split(/\r?\n/), lineCounter.linePos(issue.pos[0]).line - 1);
        if (cause !== undefined) {
          const start = (this.lineStarts[cause.line - 1] ?? 0) + cause.column - 1;
          problems.push(this.at([start, start], 'yaml-syntax', `YAML indentation: ${cause.message}`, cause.hint, ''));
          continue;
        }
      }
      const message = issue.code === 'TAG_RESOLVE_FAILED' ? `${issue.message}: custom YAML tags are not allowed` : issue.message;
      problems.push(this.at(issue.pos, 'yaml-syntax', `YAML syntax: ${message}.`, SYNTAX_HINTS[issue.code] ?? 'check indentation, colons and quotes near this point', ''));
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      problems.push(this.at([0, 0], 'yaml-syntax', `YAML aliases expand too much: ${(error as Error).message}`, SYNTAX_HINTS.ALIAS_LIMIT!, ''));
    }
    this.value = value;
    this.syntaxProblems = problems;
    this.structureBroken = value === undefined || doc.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  }

  /** Parses `text` (YAML or JSON); never throws. */
  static parse(text: string, file = '<input>'): WorkflowDocument {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
      resolveKnownTags: false,
      strict: true,
      keepSourceTokens: false,
      logLevel: 'error', // no process warnings from a broken document; its problems are reported
    });
    return new WorkflowDocument(file, text, doc, lineCounter);
  }

  /** Gives a pending problem its position. */
  resolve(problem: PendingProblem): WorkflowProblem {
    const range = this.rangeOf(problem.path, problem.at ?? 'value');
    return this.withRange(range, problem.code, problem.message, problem.hint, pathToString(problem.path));
  }

  /**
   * Where the node at `path` is. With `at: 'key'`, where the key of the last
   * segment is. A path that goes further than the document points at the
   * deepest node that exists.
   */
  rangeOf(path: Path, at: 'key' | 'value' = 'value'): SourceRange {
    let node: unknown = this.doc.contents;
    let best: Range | undefined = (node as Node | null)?.range ?? undefined;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined) break;
        const key = pair.key as Node;
        if (last && at === 'key') {
          best = key.range ?? best;
          break;
        }
        // A key with no value (`params:`) points at the key.
        best = key.range ?? best;
        node = pair.value;
        if ((node as Node | null)?.range) best = (node as Node).range!;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        if (node === undefined) break;
        if ((node as Node).range) best = (node as Node).range!;
      } else break;
    }
    return this.toRange(best ?? [0, 0, 0]);
  }

  private at(pos: readonly [number, number], code: WorkflowProblem['code'], message: string, hint: string, path: string): WorkflowProblem {
    return this.withRange(this.toRange([pos[0], pos[1], pos[1]]), code, message, hint, path);
  }

  private withRange(range: SourceRange, code: WorkflowProblem['code'], message: string, hint: string, path: string): WorkflowProblem {
    const lineText = this.lineText(range.line);
    return { code, message, hint, file: this.file, ...range, path, ...(lineText !== undefined ? { lineText } : {}) };
  }

  private toRange(range: readonly [number, number, number] | Range): SourceRange {
    const start = this.lineCounter.linePos(range[0]);
    // Scalars' value end excludes trailing comments and line breaks.
    const end = this.lineCounter.linePos(Math.max(range[0], trimEnd(this.text, range[0], range[1])));
    return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
  }

  private lineText(line: number): string | undefined {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return undefined;
    const next = this.lineStarts[line];
    return this.text.slice(start, next === undefined ? undefined : next).replace(/\r?\n$/, '');
  }
}

function trimEnd(text: string, start: number, end: number): number {
  let e = Math.min(end, text.length);
  while (e > start && /\s/.test(text[e - 1]!)) e--;
  return e;
}

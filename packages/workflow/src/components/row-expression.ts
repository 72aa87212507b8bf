import type { Row } from './row';

/** A row expression that could not be parsed, with the 0-based offset of the problem. */
export class RowExpressionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RowExpressionError';
  }
}

type Token = { kind: 'number' | 'string' | 'name' | 'op' | 'paren' | 'end'; text: string; value?: unknown; offset: number };
type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'column'; name: string }
  | { kind: 'not'; operand: Expr }
  | { kind: 'logic'; op: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: string; left: Expr; right: Expr };

const COMPARISONS = ['==', '!=', '>=', '<=', '>', '<'];
const KEYWORDS: Readonly<Record<string, unknown>> = { true: true, false: false, null: null };

/**
 * Compiles a row filter such as `amount > 100 and region == 'EU'` into a
 * predicate. Columns are bare names (or quoted with backticks); literals are
 * numbers, 'strings' or "strings", true, false, null; operators are
 * `== != > >= < <=`, `and`, `or`, `not` (also `&& || !`) and parentheses.
 * Nothing else is evaluated: there is no way to call code.
 *
 * @example
 * ```ts
 * const keep = compileRowExpression("amount > 100 and region == 'EU'");
 * rows.filter(keep);
 * ```
 */
export function compileRowExpression(source: string): (row: Row) => boolean {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const isWord = (t: Token, ...words: string[]): boolean => (t.kind === 'name' || t.kind === 'op') && words.includes(t.text);
  const parseOr = (): Expr => {
    let left = parseAnd();
    while (isWord(peek(), 'or', '||')) {
      next();
      left = { kind: 'logic', op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expr => {
    let left = parseNot();
    while (isWord(peek(), 'and', '&&')) {
      next();
      left = { kind: 'logic', op: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): Expr => {
    if (isWord(peek(), 'not', '!')) {
      next();
      return { kind: 'not', operand: parseNot() };
    }
    const left = parsePrimary();
    if (peek().kind === 'op' && COMPARISONS.includes(peek().text)) {
      const op = next().text;
      return { kind: 'compare', op, left, right: parsePrimary() };
    }
    return left;
  };
  const parsePrimary = (): Expr => {
    const token = next();
    if (token.kind === 'number' || token.kind === 'string') return { kind: 'literal', value: token.value };
    if (token.kind === 'paren' && token.text === '(') {
      const inner = parseOr();
      const close = next();
      if (close.kind !== 'paren' || close.text !== ')') throw new RowExpressionError(`expected ')' at offset ${close.offset}`, close.offset);
      return inner;
    }
    if (token.kind === 'name' && !['and', 'or', 'not'].includes(token.text)) {
      return token.text in KEYWORDS ? { kind: 'literal', value: KEYWORDS[token.text] } : { kind: 'column', name: String(token.value ?? token.text) };
    }
    throw new RowExpressionError(token.kind === 'end' ? 'the expression ends too early' : `unexpected '${token.text}' at offset ${token.offset}`, token.offset);
  };
  const tree = parseOr();
  if (peek().kind !== 'end') throw new RowExpressionError(`unexpected '${peek().text}' at offset ${peek().offset}`, peek().offset);
  return (row) => truthy(evaluate(tree, row));
}

function evaluate(expr: Expr, row: Row): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'column':
      return row[expr.name] ?? null;
    case 'not':
      return !truthy(evaluate(expr.operand, row));
    case 'logic':
      return expr.op === 'and' ? truthy(evaluate(expr.left, row)) && truthy(evaluate(expr.right, row)) : truthy(evaluate(expr.left, row)) || truthy(evaluate(expr.right, row));
    case 'compare':
      return compare(expr.op, evaluate(expr.left, row), evaluate(expr.right, row));
  }
}

function compare(op: string, a: unknown, b: unknown): boolean {
  // A number compared with a numeric string compares as numbers.
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && !Number.isNaN(Number(b))) b = Number(b);
  if (typeof b === 'number' && typeof a === 'string' && a.trim() !== '' && !Number.isNaN(Number(a))) a = Number(a);
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
  if (a === null || a === undefined || b === null || b === undefined || typeof a !== typeof b) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === '>' ? x > y : op === '>=' ? x >= y : op === '<' ? x < y : x <= y;
}

function truthy(value: unknown): boolean {
  return value !== false && value !== null && value !== undefined && value !== 0 && value !== '';
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    const two = source.slice(i, i + 2);
    if (['==', '!=', '>=', '<=', '&&', '||'].includes(two)) {
      tokens.push({ kind: 'op', text: two, offset: start });
      i += 2;
    } else if ('<>!'.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, offset: start });
      i++;
    } else if (ch === '=') {
      throw new RowExpressionError(`'=' at offset ${start}: compare with '=='`, start);
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: 'paren', text: ch, offset: start });
      i++;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const end = source.indexOf(ch, i + 1);
      if (end < 0) throw new RowExpressionError(`unterminated ${ch === '`' ? 'column name' : 'string'} at offset ${start}`, start);
      const text = source.slice(i + 1, end);
      tokens.push(ch === '`' ? { kind: 'name', text: source.slice(i, end + 1), value: text, offset: start } : { kind: 'string', text: source.slice(i, end + 1), value: text, offset: start });
      i = end + 1;
    } else if (/[0-9.]/.test(ch) || (ch === '-' && /[0-9.]/.test(source[i + 1] ?? ''))) {
      const match = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(source.slice(i))!;
      tokens.push({ kind: 'number', text: match[0], value: Number(match[0]), offset: start });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      tokens.push({ kind: 'name', text: match[0], offset: start });
      i += match[0].length;
    } else {
      throw new RowExpressionError(`unexpected '${ch}' at offset ${start}`, start);
    }
  }
  tokens.push({ kind: 'end', text: '', offset: source.length });
  return tokens;
}

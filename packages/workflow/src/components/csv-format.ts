import type { Row } from './row';

/** How to read CSV text. @internal */
export interface CsvReadOptions {
  readonly delimiter: string;
  /** First line names the columns (else they are `column_1`, `column_2`...). */
  readonly header: boolean;
  /** Turn numeric cells into numbers and `true`/`false` into booleans. */
  readonly inferTypes: boolean;
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Parses RFC 4180 CSV: quoted fields with `""` escapes, delimiters and line
 * breaks inside quotes, CRLF or LF line ends. Empty lines are skipped.
 * @internal
 */
export function parseCsv(text: string, options: CsvReadOptions): Row[] {
  const records = splitRecords(text.replace(/^\uFEFF/, ''), options.delimiter);
  if (records.length === 0) return [];
  const columns = options.header ? records.shift()!.map((c, i) => c.trim() || `column_${i + 1}`) : records[0]!.map((_, i) => `column_${i + 1}`);
  return records.map((record) => {
    const row: Row = {};
    columns.forEach((column, i) => {
      const cell = record[i] ?? '';
      row[column] = options.inferTypes ? inferCell(cell) : cell;
    });
    return row;
  });
}

function inferCell(cell: string): unknown {
  const trimmed = cell.trim();
  if (NUMBER.test(trimmed)) return Number(trimmed);
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  return cell;
}

function splitRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = (): void => {
    record.push(field);
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
    field = '';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (text.startsWith(delimiter, i)) {
      record.push(field);
      field = '';
      i += delimiter.length;
      continue;
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

/** Writes rows as CSV with a header line; columns are the union of the rows' keys in first-seen order. @internal */
export function formatCsv(rows: readonly Row[], delimiter: string): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) {
    if (seen.has(key)) continue;
    seen.add(key);
    columns.push(key);
  }
  const cell = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.map(cell).join(delimiter), ...rows.map((row) => columns.map((c) => cell(row[c])).join(delimiter))];
  return lines.join('\n') + '\n';
}

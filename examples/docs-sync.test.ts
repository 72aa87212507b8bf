import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Docs cannot rot: every code block in README.md and docs/*.md that is
 * preceded by `<!-- snippet: path#region -->` must equal that region of a
 * source file, and those files are compiled and run by the test suite.
 */
const root = join(__dirname, '..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Snippet {
  document: string;
  line: number;
  file: string;
  region: string;
  code: string;
}

function snippets(document: string): Snippet[] {
  const lines = readFileSync(join(root, document), 'utf8').split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- snippet: (\S+)#(\S+) -->$/.exec(lines[i]!.trim());
    if (!marker) continue;
    const open = i + 1;
    if (!lines[open]?.startsWith('```')) throw new Error(`${document}:${i + 1}: a snippet marker must be followed by a code block`);
    const close = lines.findIndex((l, k) => k > open && l.startsWith('```'));
    found.push({ document, line: i + 1, file: marker[1]!, region: marker[2]!, code: lines.slice(open + 1, close).join('\n') });
  }
  return found;
}

function region(file: string, name: string): string {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  const end = lines.findIndex((l) => l.trim() === `// #endregion ${name}`);
  if (start < 0 || end < start) throw new Error(`${file} has no region '${name}'`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return body.map((l) => l.slice(indent)).join('\n');
}

const all = documents.flatMap(snippets);

describe('documentation snippets', () => {
  it('exist', () => {
    expect(all.length).toBeGreaterThan(0);
  });

  it.each(all.map((s) => [`${s.document}:${s.line} (${s.file}#${s.region})`, s] as const))('%s matches its source', (_name, s) => {
    expect(existsSync(join(root, s.file))).toBe(true);
    expect(s.code).toBe(region(s.file, s.region));
  });
});

/**
 * Edit distance between two strings (insertions, deletions, substitutions
 * and swaps of adjacent characters each cost 1), case-insensitive.
 *
 * @example
 * ```ts
 * editDistance('read_cvs', 'read_csv'); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const m = s.length;
  const n = t.length;
  if (m === 0) return n;
  if (n === 0) return m;
  // Three rolling rows: two back (for swaps), previous and current.
  let twoBack = new Array<number>(n + 1).fill(0);
  let previous = Array.from({ length: n + 1 }, (_, j) => j);
  let current = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    current[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, twoBack[j - 2]! + 1);
      current[j] = d;
    }
    [twoBack, previous, current] = [previous, current, twoBack];
  }
  return previous[n]!;
}

/**
 * The candidates closest to `name`, best first: those within an edit
 * distance of about a third of the name's length (at least 2), and those
 * that contain it or that it contains. At most `limit`.
 *
 * @example
 * ```ts
 * closestNames('group', ['group_by', 'read_csv']); // ['group_by']
 * ```
 */
export function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = name.toLowerCase();
  const threshold = Math.max(2, Math.floor(name.length / 3));
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === name) continue;
    const other = candidate.toLowerCase();
    let score = editDistance(lower, other);
    if (score > threshold && lower.length >= 3 && (other.includes(lower) || lower.includes(other))) score = threshold;
    if (score <= threshold) scored.push({ candidate, score });
  }
  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/**
 * A hint naming the closest candidates, or listing what exists when none is
 * close: `did you mean 'read_csv'?` / `known: a, b, c`.
 * @internal
 */
export function suggestion(name: string, candidates: readonly string[], what: string): string {
  const close = closestNames(name, candidates);
  if (close.length === 1) return `did you mean '${close[0]}'?`;
  if (close.length > 1) return `did you mean ${close.map((c) => `'${c}'`).join(' or ')}?`;
  if (candidates.length === 0) return `there are no ${what}`;
  const shown = candidates.slice(0, 8).join(', ');
  return `known ${what}: ${shown}${candidates.length > 8 ? `, … (${candidates.length} in all)` : ''}`;
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Value, type GraphDefinition } from '@portflow/core';
import type * as Fixtures from '../__fixtures__/operations';
import { runOnMainThread } from '../declaration';

/** The built fixture module: worker threads load JavaScript, so tests use the operations from dist/. */
export const FIXTURE_MODULE = join(__dirname, '..', '..', 'dist', '__fixtures__', 'operations.js');

/** Loads the fixture operations from the build (run the package's build first; `npm test` does). */
export function loadFixtures(): typeof Fixtures {
  if (!existsSync(FIXTURE_MODULE)) throw new Error(`${FIXTURE_MODULE} is missing: build @portflow/workers first (npm run build)`);
  return require(FIXTURE_MODULE) as typeof Fixtures; // eslint-disable-line @typescript-eslint/no-require-imports
}

/**
 * Connects one main-thread source of the meeting point `sync` to the `sync`
 * input of each Meet. Structured clone shares a SharedArrayBuffer instead of
 * copying it, so all of them, on whichever threads, see the same memory. The
 * source is `cpu_bound` (run on the main thread all the same) so that it never
 * waits for an I/O slot behind the I/O operations of a test.
 */
export function shareMeetingPoint(graph: GraphDefinition, sync: Int32Array, meets: readonly InstanceType<typeof Fixtures.Meet>[]): void {
  const source = runOnMainThread(new Value(sync, { id: 'meeting-point' }).with({ resource: 'cpu_bound' }));
  for (const meet of meets) graph.connect(source, 'value', meet, 'sync');
}

/** Most intervals of [start, end) that overlap at one instant. */
export function maxOverlap(intervals: readonly { start: number; end: number }[]): number {
  const points = intervals.flatMap((i) => [{ t: i.start, d: 1 }, { t: i.end, d: -1 }]);
  points.sort((a, b) => a.t - b.t || a.d - b.d);
  let current = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (current += p.d));
  return max;
}

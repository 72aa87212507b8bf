import { InvalidOptionsError } from '@portflow/core';

/** Where a page of runs ended: the last run's start time and id. @internal */
export interface RunCursor {
  readonly startedAt: number;
  readonly runId: string;
}

/** An opaque cursor string for `listRuns`' `before`. @internal */
export function encodeCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.runId])).toString('base64url');
}

/** The cursor `text` stands for; an `InvalidOptionsError` when it is not one {@link encodeCursor} made. @internal */
export function decodeCursor(text: string): RunCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { startedAt: value[0] as number, runId: value[1] };
    }
  } catch {
    // reported below
  }
  throw new InvalidOptionsError('listRuns query', [`before ${JSON.stringify(text)} is not a cursor; pass the 'next' of a previous page`]);
}

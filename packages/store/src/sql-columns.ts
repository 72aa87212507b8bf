/**
 * The column lists both backends select, aliased to the row fields of
 * `store-rows.ts`. `json` reads a JSON column as text (PostgreSQL keeps
 * JSON as `jsonb`). @internal
 */
export function runColumns(json: (column: string) => string): string {
  return (
    `run_id AS "runId", workflow, definition_hash AS "definitionHash", ${json('variables')} AS variables, status, ` +
    `started_at AS "startedAt", finished_at AS "finishedAt", ${json('error')} AS error, reason, ` +
    `resumed_from AS "resumedFrom", codec_format AS "codecFormat"`
  );
}

/** Runs older than the prune cut-off: finished before it, or (unfinished) started before it. @internal */
export const PRUNE_CONDITION = 'coalesce(finished_at, started_at) < ';

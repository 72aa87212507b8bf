import { resolve } from 'node:path';
import { pruneAbandonedRuns } from '@portflow/distributed';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { formatDuration, type Terminal } from '../terminal';
import { parseAge } from './age';
import { redisUrl } from './worker-command';

/** Options of `portflow jobs prune`, as commander parses them. */
export interface PruneJobsOptions {
  redis?: string;
  prefix?: string;
  olderThan?: string;
  blobs?: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `portflow jobs prune --older-than 7d`: removes the Redis jobs of
 * distributed run chains no coordinator drives any more (see
 * `pruneAbandonedRuns`), or with `--dry-run` lists them.
 */
export async function pruneJobsCommand(options: PruneJobsOptions, terminal: Terminal): Promise<ExitCode> {
  const age = parseAge(options.olderThan);
  const redis = redisUrl(options.redis, terminal);
  const prefix = options.prefix ?? terminal.env.PORTFLOW_PREFIX ?? 'portflow';
  const runs = await pruneAbandonedRuns({
    connection: redis,
    prefix,
    olderThanMs: age,
    ...(options.blobs === undefined ? {} : { blobs: { directory: resolve(options.blobs) } }),
    ...(options.dryRun === true ? { dryRun: true } : {}),
  });
  if (options.json) {
    terminal.stdout.write(`${JSON.stringify({ prefix, dryRun: options.dryRun === true, runs })}\n`);
    return EXIT_CODES.success;
  }
  const now = Date.now();
  for (const run of runs) {
    const idle = run.lastActivityAt === undefined ? 'no job left' : `idle ${formatDuration(Math.max(0, now - run.lastActivityAt))}`;
    const what = options.dryRun === true ? `${run.jobs} job${run.jobs === 1 ? '' : 's'} would go` : `${run.removed} of ${run.jobs} job${run.jobs === 1 ? '' : 's'} removed${run.left.length > 0 ? `, ${run.left.length} still running left` : ''}`;
    terminal.stdout.write(`${run.rootRunId}  ${run.queueName}  ${idle}  ${what}\n`);
  }
  const total = runs.reduce((sum, run) => sum + (options.dryRun === true ? run.jobs : run.removed), 0);
  terminal.stdout.write(
    runs.length === 0
      ? `No abandoned run chains under prefix '${prefix}' idle for ${options.olderThan} or more.\n`
      : `${runs.length} abandoned run chain${runs.length === 1 ? '' : 's'} under prefix '${prefix}': ${total} job${total === 1 ? '' : 's'} ${options.dryRun === true ? 'would be removed (dry run)' : 'removed'}.\n`,
  );
  return EXIT_CODES.success;
}

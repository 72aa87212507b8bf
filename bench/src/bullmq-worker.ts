#!/usr/bin/env node
/**
 * The raw BullMQ side of the distributed benchmark: one worker process with
 * a plain BullMQ `Worker` whose processor does nothing but return
 * `job.data.x + 1`, with the options `portflow worker` gives its BullMQ
 * workers (lockDuration 5000, stalledInterval 2000, maxStalledCount 2).
 * `node dist/bullmq-worker.js REDIS_URL PREFIX QUEUE CONCURRENCY`; prints
 * `ready <pid>` when it takes jobs; SIGTERM closes it and exits 0.
 */
import { Worker } from 'bullmq';

async function main(): Promise<void> {
  const [url, prefix, queue, concurrency] = process.argv.slice(2);
  if (url === undefined || prefix === undefined || queue === undefined) throw new Error('usage: bullmq-worker.js REDIS_URL PREFIX QUEUE [CONCURRENCY]');
  const { hostname, port } = new URL(url);
  const worker = new Worker<{ x: number }, number>(queue, async (job) => job.data.x + 1, {
    connection: { host: hostname || '127.0.0.1', port: port ? Number(port) : 6379, maxRetriesPerRequest: null },
    prefix,
    concurrency: Number(concurrency ?? '1'),
    lockDuration: 5000,
    stalledInterval: 2000,
    maxStalledCount: 2,
  });
  worker.on('error', (error) => process.stderr.write(`bullmq worker error: ${error.message}\n`));
  await worker.waitUntilReady();
  process.stdout.write(`ready ${process.pid}\n`);
  const stop = (): void => void worker.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

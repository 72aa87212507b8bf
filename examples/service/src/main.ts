/**
 * The run service and its client, in one process for the example (in
 * production the service runs on its own: `portflow serve --workflows
 * examples/service/workflows`). Twelve executions of `greetings`, each with
 * its own parameters, go through a service that runs 2 at once and queues 3:
 * the rest are answered 429 and the client retries them (safely: each
 * submission keeps one idempotency key). One execution is followed live.
 */
import { join } from 'node:path';
import { PortflowClient, type ServiceEvent } from '@portflow/client';
import { startService } from '@portflow/server';
import { lastValueFrom, toArray } from 'rxjs';

/** What a run of the example did. */
export interface ExampleReport {
  readonly url: string;
  readonly accepted: number;
  readonly retried: number;
  readonly statuses: Record<string, number>;
  readonly followed: string[];
  readonly logs: string[];
}

/** Runs the example against a store at `store`; `print` receives its lines. */
export async function main(store: string, print: (line: string) => void = console.log): Promise<ExampleReport> {
  const service = await startService({ workflows: join(__dirname, '..', 'workflows'), store, port: 0, maxConcurrentRuns: 2, maxQueuedRuns: 3, retryAfterMs: 100 });
  try {
    print(`service listening on ${service.url} (web view at ${service.url}/)`);
    // #region client
    let retried = 0;
    const client = new PortflowClient({ url: service.url, retry: { maxAttempts: 50, onRetry: () => retried++ } });
    const people = ['Ada', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Tony', 'Margaret', 'Alan', 'Radia', 'John', 'Leslie'];
    // Each submit retries 429s and refused connections with backoff and jitter, honouring Retry-After,
    // under one idempotency key: a retry never creates a second execution.
    const submitted = await Promise.all(people.map((who) => client.submit('greetings', { who, pause_ms: 150 })));
    // Follow one execution: its events replayed so far, then live, until it ends.
    const events: ServiceEvent[] = await lastValueFrom(client.events(submitted[0]!.executionId).pipe(toArray()));
    const execution = await client.get(submitted[0]!.executionId); // status, params, timings, steps
    // #endregion client
    const followed = events.flatMap((e) => (e.type === 'engine' ? [`${e.event.type}${e.event.operationId === undefined ? '' : ` ${e.event.operationId}`}`] : []));
    print(`${submitted.length} executions accepted after ${retried} retries (429: queue full, nothing created)`);
    print(`followed ${execution.executionId}: ${followed.join(', ')} -> ${execution.status}`);
    const finished = await Promise.all(submitted.map(({ executionId }) => lastValueFrom(client.events(executionId)))); // each stream's last message: its end
    const statuses: Record<string, number> = {};
    for (const end of finished) if (end.type === 'end') statuses[end.execution.status] = (statuses[end.execution.status] ?? 0) + 1;
    const logs = (await client.logs(submitted[0]!.executionId)).map((line) => `${line.operationId}: ${line.message}`);
    print(`finished: ${JSON.stringify(statuses)}; logs of the first: ${logs.join('; ')}`);
    return { url: service.url, accepted: submitted.length, retried, statuses, followed, logs };
  } finally {
    await service.close();
  }
}

if (require.main === module) {
  void main(join(__dirname, '..', '.portflow', 'store.db')).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

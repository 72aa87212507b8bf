/**
 * A process serving workflow `batch` (effect -> hold -> report), for the
 * kill-and-restart test. `effect` and `report` are `mark` steps, which
 * append `<step> <tag>` to the effects file: the side effects that must
 * happen once per execution. Job `{ mode: 'kill' }`: serves with two executions running at once, says
 * `listening <url>`, and once two executions are in `hold` (their `effect`
 * committed to the store) says `held`, then waits to be killed. Job
 * `{ mode: 'recover' }`: serves on the same store, says `recovered <json>`
 * and `listening <url>`, and on the message `close` drains, closes and
 * says `closed <json>`.
 */
import { appendFileSync } from 'node:fs';
import { Operation, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { openRunStore, type RunStore } from '@portflow/store';
import { builtinRegistry, Component, StepInit } from '@portflow/workflow';
import { IsString } from 'class-validator';
import { startService } from '../index';

interface Job {
  readonly workflows: string;
  readonly location: string;
  readonly effects: string;
  readonly mode: 'kill' | 'recover';
}

const send = (message: string): void => void process.send?.(message);
let job: Job;
let store: RunStore;
let held = 0;

class NoParams {}

class MarkParams {
  @IsString() step!: string;
}

@Component('mark', { params: MarkParams, description: 'Appends "<step> <tag>" to the effects file' })
class Mark extends Operation {
  @Output(String) tag!: OutputPort<string>;
  constructor(
    private readonly options: MarkParams,
    init: StepInit,
  ) {
    super(init);
  }
  execute(_inputs: unknown, context: ExecutionContext): Outputs<Mark> {
    appendFileSync(job.effects, `${this.options.step} ${String(context.variables.tag)}\n`);
    return { tag: String(context.variables.tag) };
  }
}

@Component('hold', { params: NoParams, description: 'In kill mode, waits to be killed once its predecessor is stored' })
class Hold extends Operation {
  @Output(String) tag!: OutputPort<string>;
  constructor(_params: NoParams, init: StepInit) {
    super(init);
  }
  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<Hold>> {
    if (job.mode === 'kill') {
      await new Promise((resolve) => setImmediate(resolve));
      await store.flush(); // effect's record is in the store: the kill lands after it
      if (++held === 2) send('held');
      await new Promise(() => undefined); // until killed
    }
    return { tag: String(context.variables.tag) };
  }
}

process.once('message', (message: Job) => {
  job = message;
  void (async () => {
    store = await openRunStore(job.location);
    const registry = builtinRegistry().register(Mark, Hold);
    const service = await startService({ workflows: job.workflows, store, registry, port: 0, maxConcurrentRuns: 2, maxQueuedRuns: 20 });
    if (job.mode === 'recover') send(`recovered ${JSON.stringify(service.recovery)}`);
    send(`listening ${service.url}`);
    if (job.mode === 'kill') return; // until killed
    process.once('message', () => {
      void (async () => {
        const report = await service.close();
        await store.close();
        send(`closed ${JSON.stringify(report)}`);
        process.disconnect();
      })();
    });
  })().catch((error: unknown) => {
    send(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.disconnect();
  });
});

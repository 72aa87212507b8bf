import type { JsonValue, Logger } from '@portflow/core';
import { Cron } from 'croner';
import { ServiceConfigError } from './errors';
import type { ServedWorkflow } from './served-workflows';

/** What a schedule did at one of its times: the execution it submitted, or why it could not. */
export interface ScheduleTick {
  /** The workflow the schedule submits. */
  readonly workflow: string;
  /** Its cron pattern. */
  readonly cron: string;
  /** The execution it submitted, or undefined when the submission was refused. */
  readonly executionId?: string;
  /** Why it was refused. */
  readonly error?: string;
}

/**
 * The `triggers: - cron:` schedules of the served workflows, on croner.
 * Each time a pattern fires, the workflow is submitted with the trigger's
 * params and an idempotency key made of the trigger and its scheduled time,
 * so one time never yields two executions (two service processes on one
 * store, a restart in the same minute). A refused submission (a full queue,
 * a busy workflow) is logged and counted, not retried: the next time comes.
 * @internal
 */
export class Schedules {
  readonly #jobs: Cron[] = [];

  /** Parses every pattern (a `ServiceConfigError` naming the workflow's file for a bad one) without starting them. */
  constructor(workflows: Iterable<ServedWorkflow>, submit: (workflow: string, params: Readonly<Record<string, JsonValue>>, key: string) => Promise<string>, logger: Logger, onTick: (tick: ScheduleTick) => void = () => undefined) {
    const problems: string[] = [];
    for (const served of workflows) {
      served.outline.triggers.forEach((trigger, index) => {
        if (trigger.kind !== 'cron') return;
        try {
          const job = new Cron(trigger.cron, { paused: true, protect: true, ...(trigger.timezone === undefined ? {} : { timezone: trigger.timezone }) }, async (self: Cron) => {
            const at = (self.currentRun() ?? new Date()).toISOString();
            const tick = { workflow: served.name, cron: trigger.cron };
            try {
              const executionId = await submit(served.name, trigger.params as Readonly<Record<string, JsonValue>>, `cron:${index}:${at}`);
              onTick({ ...tick, executionId });
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              logger.warn(`schedule '${trigger.cron}' of '${served.name}' could not submit its execution of ${at}: ${message}`);
              onTick({ ...tick, error: message });
            }
          });
          job.nextRun(); // a bad time zone shows here
          this.#jobs.push(job);
        } catch (error) {
          problems.push(`${served.file}: triggers[${index}] cron '${trigger.cron}'${trigger.timezone === undefined ? '' : ` (timezone ${trigger.timezone})`}: ${(error as Error).message}`);
        }
      });
    }
    if (problems.length > 0) {
      this.stop();
      throw new ServiceConfigError(`${problems.length} schedule${problems.length === 1 ? '' : 's'} cannot be read:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 'write 5 fields (minute hour day month weekday) or 6 (seconds first), and an IANA time zone such as Europe/Paris');
    }
  }

  /** How many schedules there are. */
  get size(): number {
    return this.#jobs.length;
  }

  /** Starts every schedule. */
  start(): void {
    for (const job of this.#jobs) job.resume();
  }

  /** Stops every schedule for good. */
  stop(): void {
    for (const job of this.#jobs) job.stop();
  }
}

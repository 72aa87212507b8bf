import type { ExecutionEvent, RunManager } from '@portflow/runs';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';

/**
 * The service's Prometheus metrics, in a registry of its own (not
 * prom-client's global one): queue depth and running executions read from
 * the manager at each scrape, accepted and rejected submissions, finished
 * executions by status, and execution durations. @internal
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #accepted: Counter;
  readonly #rejected: Counter<'reason'>;
  readonly #finished: Counter<'status'>;
  readonly #duration: Histogram<'status'>;
  readonly #started = new Map<string, number>();
  readonly #subscription: Subscription;

  constructor(manager: RunManager, events$: Observable<ExecutionEvent>) {
    const registers = [this.registry];
    new Gauge({ name: 'portflow_executions_queued', help: 'Executions waiting to start', registers, collect() { this.set(manager.queued); } });
    new Gauge({ name: 'portflow_executions_running', help: 'Executions running', registers, collect() { this.set(manager.running); } });
    this.#accepted = new Counter({ name: 'portflow_executions_accepted_total', help: 'Submissions accepted (stored as queued)', registers });
    this.#rejected = new Counter({ name: 'portflow_executions_rejected_total', help: 'Submissions refused, by reason (queue_full, workflow_busy, invalid_params, unknown_workflow, closing)', labelNames: ['reason'], registers });
    this.#finished = new Counter({ name: 'portflow_executions_finished_total', help: 'Executions that ended, by status', labelNames: ['status'], registers });
    this.#duration = new Histogram({
      name: 'portflow_execution_duration_seconds',
      help: 'From start to end of executions that ended, by status',
      labelNames: ['status'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    });
    this.#subscription = events$.subscribe((event) => {
      if (event.type !== 'ExecutionStateChanged') return;
      if (event.status === 'running') {
        if (!this.#started.has(event.executionId)) this.#started.set(event.executionId, event.timestamp);
      } else if (event.status !== 'queued') {
        this.#finished.inc({ status: event.status });
        const started = this.#started.get(event.executionId);
        this.#started.delete(event.executionId);
        if (started !== undefined) this.#duration.observe({ status: event.status }, (event.timestamp - started) / 1000);
      }
    });
  }

  /** Counts an accepted submission. */
  accepted(): void {
    this.#accepted.inc();
  }

  /** Counts a refused submission. */
  rejected(reason: string): void {
    this.#rejected.inc({ reason });
  }

  /** The metrics in Prometheus' text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops following the manager. */
  close(): void {
    this.#subscription.unsubscribe();
  }
}

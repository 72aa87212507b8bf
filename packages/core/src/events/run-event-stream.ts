import { Subject, type Observable } from 'rxjs';
import type { EngineEvent } from './events';

/**
 * The events of one run, fanned out to the run's subscribers and the
 * engine's. Stamps `seq` and `timestamp`, and keeps order when a subscriber
 * reacts to an event by causing another (say, cancels the run from an
 * `OperationStarted` handler): the new event waits until every subscriber
 * has seen the current one, so each subscriber sees `seq` 1, 2, 3... and
 * `RunCompleted` last. An event built with a `timestamp` keeps it (the
 * engine passes the clock read it made for the operation's own record);
 * one built with 0 is stamped now.
 * @internal
 */
export class RunEventStream {
  private readonly subject = new Subject<EngineEvent>();
  private seq = 0;
  private delivering = false;
  private readonly backlog: EngineEvent[] = [];
  private completing = false;

  /**
   * @param afterDelivery - called after subscribers have seen an event
   * (their code ran: time may have passed).
   */
  constructor(
    private readonly engineEvents: Subject<EngineEvent>,
    private readonly afterDelivery?: () => void,
  ) {}

  /** The run's events; completes after `RunCompleted`. */
  get events$(): Observable<EngineEvent> {
    return this.subject.asObservable();
  }

  /** Whether anyone listens; events are only built when someone does. */
  get observed(): boolean {
    return this.subject.observed || this.engineEvents.observed;
  }

  /** Stamps the event and delivers it (after any event being delivered now). */
  emit(event: EngineEvent): void {
    const stamped = event as { seq: number; timestamp: number };
    stamped.seq = ++this.seq;
    if (stamped.timestamp === 0) stamped.timestamp = Date.now();
    if (this.delivering) {
      this.backlog.push(event);
      return;
    }
    this.delivering = true;
    try {
      this.deliver(event);
      // The backlog grows while we drain it when subscribers keep reacting.
      for (let k = 0; k < this.backlog.length; k++) this.deliver(this.backlog[k]!);
    } finally {
      if (this.backlog.length > 0) this.backlog.length = 0;
      this.delivering = false;
      this.afterDelivery?.();
    }
    if (this.completing) this.subject.complete();
  }

  /** Completes the run's observable once pending events are delivered. */
  complete(): void {
    if (this.delivering) this.completing = true;
    else this.subject.complete();
  }

  private deliver(event: EngineEvent): void {
    // RxJS catches subscriber errors and reports them to config.onUnhandledError.
    if (this.subject.observed) this.subject.next(event);
    if (this.engineEvents.observed) this.engineEvents.next(event);
  }
}

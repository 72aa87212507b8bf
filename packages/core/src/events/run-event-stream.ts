import { Subject, type Observable } from 'rxjs';
import type { EngineEvent } from './events';

/** The clock a {@link RunEventStream} stamps events with. @internal */
export interface EventClock {
  now(): number;
  /** Time may have passed since the last reading. */
  stale(): void;
}

const DATE_CLOCK: EventClock = { now: () => Date.now(), stale: () => undefined };

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
   * @param clock - stamps events built without a timestamp, and is told
   * after each delivery that time may have passed (subscribers' code ran).
   * One clock for every stamp keeps timestamps from going back.
   */
  constructor(
    private readonly engineEvents: Subject<EngineEvent>,
    private readonly clock: EventClock = DATE_CLOCK,
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
    if (stamped.timestamp === 0) stamped.timestamp = this.clock.now();
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
      this.clock.stale();
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

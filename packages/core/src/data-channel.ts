import { Observable, Subject } from 'rxjs';
import type { Operation } from './operation';

/** Channels with at least one subscriber, across all graphs: lets the engine skip per-edge checks when none has. */
let observedChannels = 0;

/** @internal whether any channel anywhere has a subscriber. */
export function anyChannelObserved(): boolean {
  return observedChannels > 0;
}

/**
 * A connection from one operation's output port to another's input port,
 * made by `GraphDefinition.connect`. During a run the engine delivers the
 * source's value through it; `values$` lets you watch those values.
 *
 * Subscribe only when you need to: with no subscriber, delivery costs
 * nothing extra.
 *
 * @example
 * ```ts
 * const channel = graph.connect(load, 'text', count, 'text');
 * const sub = channel.values$.subscribe((text) => console.log('text passed:', text.length));
 * await engine.run(graph);
 * sub.unsubscribe();
 * ```
 */
export class DataChannel<T = unknown> {
  private subject: Subject<T> | undefined;
  private subscribers = 0;

  /** @internal created by GraphDefinition.connect */
  constructor(
    /** The operation producing the values. */
    readonly source: Operation,
    /** The output port on `source`. */
    readonly sourcePort: string,
    /** The operation receiving the values. */
    readonly target: Operation,
    /** The input port on `target`. */
    readonly targetPort: string,
  ) {}

  /**
   * Every value delivered through this channel, by every run of the graph
   * (runs of one graph interleave; use the run's events to tell them apart).
   */
  get values$(): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.subscribers++ === 0) observedChannels++;
      const subscription = (this.subject ??= new Subject<T>()).subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (--this.subscribers === 0) observedChannels--;
      };
    });
  }

  /** `source.port -> target.port`, with operation ids. */
  toString(): string {
    return `${this.source.hasId ? this.source.id : '?'}.${this.sourcePort} -> ${this.target.hasId ? this.target.id : '?'}.${this.targetPort}`;
  }

  /** @internal whether anyone listens; checked before delivering. */
  get observed(): boolean {
    return this.subscribers > 0;
  }

  /** @internal called by the engine for each delivered value. */
  deliver(value: T): void {
    this.subject?.next(value);
  }
}

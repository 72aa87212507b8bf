import { Observable, type Subscriber } from 'rxjs';
import type { Operation } from '../model/operation';

/** Channels with at least one subscriber, across all graphs: lets the engine skip per-edge checks when none has. */
let observedChannels = 0;

/** @internal whether any channel anywhere has a subscriber. */
export function anyChannelObserved(): boolean {
  return observedChannels > 0;
}

/** One subscriber of `values$`, following one run. */
interface ChannelSink<T> {
  readonly subscriber: Subscriber<T>;
  /** The run it follows; undefined until the next run begins. */
  runId: string | undefined;
}

/**
 * A channel is the edge from one operation's output port to another's input
 * port, made by `GraphDefinition.connect`, plus a live view of the values
 * that cross it (`values$`). It does not carry values itself: the engine
 * keeps each output once and hands it to every consumer; the channel lets
 * you watch.
 *
 * `values$` follows the next run of the graph that begins after you
 * subscribe (or the one about to begin, when you subscribe right after
 * `engine.start`): it emits the value as soon as the producer succeeds (even
 * if the consumer is then skipped or rejects the value) and completes when
 * that run ends. To watch several runs at once, use `run.outputs$`, which
 * carries the run id. With no subscriber, channels cost nothing at run time.
 *
 * @example
 * ```ts
 * const channel = graph.connect(load, 'text', count, 'text');
 * const seen = lastValueFrom(channel.values$.pipe(toArray()));
 * await engine.run(graph);
 * console.log(await seen); // ['...the text...']
 * ```
 */
export class DataChannel<T = unknown> {
  /** Made on first subscription: a graph has many channels and few are watched. */
  private sinks: Set<ChannelSink<T>> | undefined;

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
    /** @internal index of `source` in its graph's operations */
    readonly sourceIndex: number = -1,
    /** @internal index of `target` in its graph's operations */
    readonly targetIndex: number = -1,
  ) {}

  /** The values produced on this edge by the next run to begin; completes when that run ends. */
  get values$(): Observable<T> {
    return new Observable<T>((subscriber) => {
      const sink: ChannelSink<T> = { subscriber, runId: undefined };
      const sinks = (this.sinks ??= new Set());
      if (sinks.size === 0) observedChannels++;
      sinks.add(sink);
      return () => {
        if (sinks.delete(sink) && sinks.size === 0) observedChannels--;
      };
    });
  }

  /** `source.port -> target.port`, with operation ids. */
  toString(): string {
    return `${this.source.hasId ? this.source.id : '?'}.${this.sourcePort} -> ${this.target.hasId ? this.target.id : '?'}.${this.targetPort}`;
  }

  /** @internal whether anyone listens; checked before emitting. */
  get observed(): boolean {
    return this.sinks !== undefined && this.sinks.size > 0;
  }

  /** @internal a run begins: subscribers that follow no run yet follow it. Returns whether any does. */
  bind(runId: string): boolean {
    let bound = false;
    if (this.sinks === undefined) return false;
    for (const sink of this.sinks) {
      if (sink.runId === undefined) {
        sink.runId = runId;
        bound = true;
      }
    }
    return bound;
  }

  /** @internal the producer succeeded in run `runId` with `value` on this edge's port. */
  emit(runId: string, value: T): void {
    if (this.sinks !== undefined) for (const sink of this.sinks) if (sink.runId === runId) sink.subscriber.next(value);
  }

  /** @internal run `runId` ended: its subscribers complete. */
  end(runId: string): void {
    if (this.sinks !== undefined) for (const sink of [...this.sinks]) if (sink.runId === runId) sink.subscriber.complete();
  }
}

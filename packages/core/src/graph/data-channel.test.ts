import { lastValueFrom, toArray } from 'rxjs';
import { ExecutionEngine, GraphDefinition, ofType } from '..';
import { anyChannelObserved } from './data-channel';
import { Constant, Format } from '../__fixtures__/operations';
import { Fail } from '../__fixtures__/engine-operations';

describe('DataChannel.values$', () => {
  function build() {
    const graph = new GraphDefinition();
    const channel = graph.connect(new Constant(3, { id: 'c' }), 'value', new Format({ id: 'f' }), 'value');
    return { graph, channel };
  }

  it('follows the next run: emits its value and completes when it ends', async () => {
    const { graph, channel } = build();
    const seen = lastValueFrom(channel.values$.pipe(toArray()));
    await new ExecutionEngine().run(graph);
    await expect(seen).resolves.toEqual([3]);
  });

  it('follows a run subscribed to right after start', async () => {
    const { graph, channel } = build();
    const run = new ExecutionEngine().start(graph);
    const seen = lastValueFrom(channel.values$.pipe(toArray()));
    await run.result;
    await expect(seen).resolves.toEqual([3]);
  });

  it('emits when the producer succeeds, before the consumer starts', async () => {
    const { graph, channel } = build();
    const order: string[] = [];
    channel.values$.subscribe((v) => order.push(`value ${v}`));
    const run = new ExecutionEngine().start(graph);
    run.events$.pipe(ofType('OperationCompleted', 'OperationStarted')).subscribe((e) => order.push(`${e.type} ${e.operationId}`));
    await run.result;
    expect(order).toEqual(['OperationStarted c', 'value 3', 'OperationCompleted c', 'OperationStarted f', 'OperationCompleted f']);
  });

  it('shows the value even when the consumer then rejects it, and completes with the failed run', async () => {
    const graph = new GraphDefinition();
    const channel = graph.connect(new Constant(3, { id: 'c' }), 'value', new Fail(new Error('no'), { id: 'f' }), 'after');
    const seen = lastValueFrom(channel.values$.pipe(toArray()));
    const result = await new ExecutionEngine().run(graph);
    expect(result.status).toBe('failed');
    await expect(seen).resolves.toEqual([3]);
  });

  it('completes with no value when the producer never succeeds', async () => {
    const graph = new GraphDefinition();
    const channel = graph.connect(new Fail(new Error('no'), { id: 'p' }), 'out', new Fail(new Error('never runs'), { id: 'f' }), 'after');
    const seen = lastValueFrom(channel.values$.pipe(toArray()));
    await new ExecutionEngine().run(graph);
    await expect(seen).resolves.toEqual([]);
  });

  it('counts as observed only while someone is subscribed', () => {
    const { channel } = build();
    expect(channel.observed).toBe(false);
    const before = anyChannelObserved();
    const sub = channel.values$.subscribe(() => undefined);
    expect(channel.observed).toBe(true);
    expect(anyChannelObserved()).toBe(true);
    sub.unsubscribe();
    sub.unsubscribe(); // twice is harmless
    expect(channel.observed).toBe(false);
    expect(anyChannelObserved()).toBe(before);
  });
});

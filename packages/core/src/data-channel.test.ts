import { ExecutionEngine, GraphDefinition } from './index';
import { anyChannelObserved } from './data-channel';
import { Constant, Format } from './__fixtures__/operations';

describe('DataChannel.values$', () => {
  function build() {
    const graph = new GraphDefinition();
    const channel = graph.connect(new Constant(3, { id: 'c' }), 'value', new Format({ id: 'f' }), 'value');
    return { graph, channel };
  }

  it('shows each run’s value to every subscriber while subscribed', async () => {
    const { graph, channel } = build();
    const first: number[] = [];
    const second: number[] = [];
    const a = channel.values$.subscribe((v) => first.push(v));
    const b = channel.values$.subscribe((v) => second.push(v));
    const engine = new ExecutionEngine();
    await engine.run(graph);
    a.unsubscribe();
    await engine.run(graph);
    b.unsubscribe();
    await engine.run(graph);
    expect(first).toEqual([3]);
    expect(second).toEqual([3, 3]);
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

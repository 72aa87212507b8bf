import { FairQueue } from './fair-queue';

describe('FairQueue', () => {
  const drain = (queue: FairQueue<string>, ready: (workflow: string) => boolean = () => true): string[] => {
    const out: string[] = [];
    for (let item = queue.next(ready); item !== undefined; item = queue.next(ready)) out.push(item);
    return out;
  };

  it('serves the workflows in turn, each in its own order', () => {
    const queue = new FairQueue<string>();
    for (const item of ['a1', 'a2', 'a3', 'a4']) queue.push('a', item);
    queue.push('b', 'b1');
    queue.push('c', 'c1');
    queue.push('b', 'b2');
    expect(queue.size).toBe(7);
    expect(drain(queue)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
    expect(queue.size).toBe(0);
  });

  it('skips workflows that cannot be served now, and serves them later', () => {
    const queue = new FairQueue<string>();
    queue.push('solo', 's1');
    queue.push('solo', 's2');
    queue.push('b', 'b1');
    expect(queue.next((w) => w !== 'solo')).toBe('b1');
    expect(queue.next((w) => w !== 'solo')).toBeUndefined();
    expect(drain(queue)).toEqual(['s1', 's2']);
  });

  it('removes a waiting item and keeps the turn order of the rest', () => {
    const queue = new FairQueue<string>();
    queue.push('a', 'a1');
    queue.push('b', 'b1');
    queue.push('c', 'c1');
    queue.push('a', 'a2');
    expect(queue.next(() => true)).toBe('a1');
    expect(queue.remove('b', 'b1')).toBe(true);
    expect(queue.remove('b', 'b1')).toBe(false);
    expect(queue.sizeOf('a')).toBe(1);
    expect(drain(queue)).toEqual(['c1', 'a2']);
  });
});

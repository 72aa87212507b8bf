import fc from 'fast-check';
import { ReadyQueue } from './ready-queue';

describe('ReadyQueue', () => {
  it('pops the smallest index first, growing past its initial capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(10_000), { maxLength: 200 }), fc.nat(8), (values, capacity) => {
        const queue = new ReadyQueue(capacity);
        for (const v of values) queue.push(v);
        expect(queue.size).toBe(values.length);
        const popped: number[] = [];
        while (queue.size > 0) {
          expect(queue.peek()).toBe(queue.peek());
          popped.push(queue.pop());
        }
        expect(popped).toEqual([...values].sort((a, b) => a - b));
        expect(queue.pop()).toBe(-1);
        expect(queue.peek()).toBe(-1);
      }),
    );
  });

  it('keeps order when pushes and pops interleave', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(100), fc.constant(-1)), { maxLength: 300 }), (script) => {
        const queue = new ReadyQueue(1);
        const model: number[] = [];
        for (const step of script) {
          if (step >= 0) {
            queue.push(step);
            model.push(step);
            model.sort((a, b) => a - b);
          } else {
            expect(queue.pop()).toBe(model.length > 0 ? model.shift() : -1);
          }
        }
      }),
    );
  });

  it('empties on clear', () => {
    const queue = new ReadyQueue(4);
    queue.push(3);
    queue.push(1);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBe(-1);
  });
});

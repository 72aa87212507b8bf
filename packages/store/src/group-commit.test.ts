import { StoreWriteError, type WriteFailure } from './errors';
import { GroupCommit } from './group-commit';

/** A commit function that records each group and can be held open or made to fail. */
function recorder() {
  const groups: number[][] = [];
  let hold: Promise<void> | undefined;
  const failOn = new Set<number>();
  const commit = async (writes: readonly number[]): Promise<void> => {
    if (hold !== undefined) await hold;
    const bad = writes.find((w) => failOn.has(w));
    if (bad !== undefined) throw new Error(`write ${bad} is bad`);
    groups.push([...writes]);
  };
  const failure = (write: number, error: unknown): WriteFailure => ({ write: `write ${write}`, message: (error as Error).message, error });
  return {
    groups,
    failOn,
    commit,
    failure,
    /** Holds commits until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      hold = new Promise((resolve) => (release = resolve));
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe('GroupCommit', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('commits nothing before its delay, then everything queued in one group', async () => {
    jest.useFakeTimers();
    const r = recorder();
    const queue = new GroupCommit('test', r.commit, r.failure, { maxItems: 100, maxDelayMs: 5 });
    for (let i = 0; i < 10; i++) queue.push(i);
    await jest.advanceTimersByTimeAsync(4);
    expect(r.groups).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(r.groups).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(queue.queued).toBe(0);
  });

  it('starts a group as soon as maxItems writes are queued, without waiting for the delay', async () => {
    jest.useFakeTimers();
    const r = recorder();
    const queue = new GroupCommit('test', r.commit, r.failure, { maxItems: 3, maxDelayMs: 60_000 });
    queue.push(1);
    queue.push(2);
    queue.push(3);
    await jest.advanceTimersByTimeAsync(0);
    expect(r.groups).toEqual([[1, 2, 3]]);
  });

  it('groups what arrives during a commit into the next one, in order', async () => {
    const r = recorder();
    const queue = new GroupCommit('test', r.commit, r.failure, { maxItems: 2, maxDelayMs: 60_000 });
    const release = r.hold();
    queue.push(1);
    queue.push(2); // a group starts and is held
    for (let i = 3; i <= 7; i++) queue.push(i);
    const flushed = queue.flush();
    release();
    await flushed;
    expect(r.groups).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
  });

  it('flush commits at once and waits for every queued write', async () => {
    const r = recorder();
    const queue = new GroupCommit('test', r.commit, r.failure, { maxItems: 100, maxDelayMs: 60_000 });
    queue.push(1);
    queue.push(2);
    await queue.flush();
    expect(r.groups).toEqual([[1, 2]]);
    await queue.flush(); // nothing queued: resolves
  });

  it('retries a failed group one write at a time, so only the bad write is lost, and reports it once on flush', async () => {
    const r = recorder();
    r.failOn.add(2);
    const queue = new GroupCommit('the test store', r.commit, r.failure, { maxItems: 100, maxDelayMs: 60_000 });
    for (const w of [1, 2, 3]) queue.push(w);
    const flushed = queue.flush();
    await expect(flushed).rejects.toThrow(StoreWriteError);
    await expect(flushed).rejects.toThrow('1 queued write was not stored in the run store at the test store:\n  - write 2: write 2 is bad');
    expect(r.groups).toEqual([[1], [3]]);
    await expect(queue.flush()).resolves.toBeUndefined();
  });

  it('never rejects where nobody listens: failures wait for the next flush', async () => {
    jest.useFakeTimers();
    const r = recorder();
    r.failOn.add(1);
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const queue = new GroupCommit('test', r.commit, r.failure, { maxItems: 100, maxDelayMs: 1 });
      queue.push(1);
      await jest.advanceTimersByTimeAsync(1);
      jest.useRealTimers();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      const error = (await queue.flush().catch((e: unknown) => e)) as StoreWriteError;
      expect(error.failures.map((f) => f.write)).toEqual(['write 1']);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('lists at most five failures and counts the rest', async () => {
    const r = recorder();
    for (let i = 0; i < 8; i++) r.failOn.add(i);
    const queue = new GroupCommit('test', r.commit, r.failure, { maxItems: 100, maxDelayMs: 60_000 });
    for (let i = 0; i < 8; i++) queue.push(i);
    const error = (await queue.flush().catch((e: unknown) => e)) as StoreWriteError;
    expect(error.failures).toHaveLength(8);
    expect(error.message).toMatch(/^8 queued writes were not stored[\s\S]*write 4: [^\n]*\n {2}- \.\.\. and 3 more$/);
  });
});

import { backoffDelay, backoffPolicy, sleep } from './backoff';
import { networkErrorCode, RetriesExhaustedError, retryability, ServiceError } from './errors';

describe('backoffDelay', () => {
  const policy = backoffPolicy({ baseDelayMs: 100, maxDelayMs: 1_000 });

  it('draws a full-jitter wait below a cap that doubles per retry up to maxDelayMs', () => {
    expect([1, 2, 3, 4, 5, 9].map((retry) => backoffDelay(policy, retry, 0, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(policy, 3, 0, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, 0, () => 0.5)).toBe(200);
  });

  it('never waits less than the server asked for, even beyond the cap', () => {
    expect(backoffDelay(policy, 1, 5_000, () => 0.5)).toBe(5_000);
    expect(backoffDelay(policy, 4, 300, () => 0.9)).toBe(720);
  });

  it('refuses nonsense', () => {
    expect(() => backoffPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => backoffPolicy({ baseDelayMs: -1 })).toThrow(/baseDelayMs/);
    expect(() => backoffPolicy({ multiplier: 0.5 })).toThrow(/multiplier/);
  });
});

describe('sleep', () => {
  it('rejects with the reason at once when its signal aborts, leaving no timer', async () => {
    jest.useFakeTimers();
    try {
      const controller = new AbortController();
      const waiting = sleep(60_000, controller.signal);
      expect(jest.getTimerCount()).toBe(1);
      controller.abort(new Error('stop'));
      await expect(waiting).rejects.toThrow('stop');
      expect(jest.getTimerCount()).toBe(0);
      const done = sleep(500);
      jest.advanceTimersByTime(500);
      await expect(done).resolves.toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('retryability', () => {
  const fetchFailed = (code: string): Error => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

  it('always retries what created nothing, retries a reset only for idempotent calls, never a client error', () => {
    expect(retryability(new ServiceError({ status: 429, code: 'queue_full', message: '' }))).toBe('not-sent');
    expect(retryability(new ServiceError({ status: 503, code: 'closing', message: '' }))).toBe('not-sent');
    expect(retryability(fetchFailed('ECONNREFUSED'))).toBe('not-sent');
    expect(retryability(fetchFailed('ECONNRESET'))).toBe('maybe-sent');
    expect(retryability(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }))).toBe('maybe-sent');
    for (const status of [400, 401, 404, 409, 500]) expect(retryability(new ServiceError({ status, code: 'x', message: '' }))).toBe('final');
    expect(retryability(new Error('boom'))).toBe('final');
  });

  it('finds the code of a refused connection inside an AggregateError (several addresses tried)', () => {
    const aggregate = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })]);
    expect(networkErrorCode(new TypeError('fetch failed', { cause: aggregate }))).toBe('ECONNREFUSED');
  });

  it('says how many attempts were made and what the last error was', () => {
    const error = new RetriesExhaustedError("submit to workflow 'w'", 3, fetchFailed('ECONNREFUSED'));
    expect(error.message).toBe("submit to workflow 'w' failed after 3 attempts; last error: ECONNREFUSED: fetch failed (ECONNREFUSED)");
    expect(error.attempts).toBe(3);
  });
});

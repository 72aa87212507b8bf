import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { EXIT_CODES, main } from '../index';
import { memoryTerminal } from '../__fixtures__/terminal';
import type { SignalSource } from './run-command';

// These tests talk to the machine's Redis (as @portflow/distributed's do), under a key prefix of their own.
const REDIS_URL = process.env.PORTFLOW_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const prefix = `pftest-cli-${process.pid}-${randomUUID().slice(0, 8)}`;
jest.setTimeout(60_000); // upper bound only: nothing here waits on the clock

const noSignals = { on: () => undefined, off: () => undefined };

async function cli(...args: string[]) {
  const { terminal, out } = memoryTerminal();
  const code = await main(args, { terminal, signals: noSignals, forceExit: () => undefined });
  return { code, ...out };
}

/** Signals a test sends by hand. */
class FakeSignals implements SignalSource {
  readonly listeners = new Set<() => void>();
  on(_signal: 'SIGINT' | 'SIGTERM', listener: () => void): void {
    this.listeners.add(listener);
  }
  off(_signal: 'SIGINT' | 'SIGTERM', listener: () => void): void {
    this.listeners.delete(listener);
  }
  send(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  await redis.quit();
});

describe('portflow worker', () => {
  it.each([
    [['worker', '--redis', REDIS_URL], /--queue <name> is required/],
    [['worker', '--queue', 'cpu'], /--redis <url> is required \(or set PORTFLOW_REDIS\)/],
    [['worker', '--redis', 'http://localhost:6379', '--queue', 'cpu'], /--redis must be a redis:\/\/ or rediss:\/\/ URL, not 'http:\/\/localhost:6379'/],
    [['worker', '--redis', REDIS_URL, '--queue', 'cpu', '--threads', '-1'], /--threads must be a whole number >= 0, not '-1'/],
    [['worker', '--redis', REDIS_URL, '--queue', 'cpu', '--concurrency', '0'], /--concurrency must be a whole number >= 1, not '0'/],
  ])('refuses %j with exit code 2 and says what to give', async (args, message) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(EXIT_CODES.invalidInput);
    expect(stderr).toMatch(message);
  });

  it('refuses a --require module it cannot load, naming it, before it takes any job', async () => {
    const { code, stderr } = await cli('worker', '--redis', REDIS_URL, '--prefix', prefix, '--queue', 'cpu', '--require', './no/such/operations.js');
    expect(code).toBe(EXIT_CODES.invalidInput);
    expect(stderr).toMatch(/cannot load an operation module given with --require .*no\/such\/operations\.js/);
  });

  it('prints one ready line, shows up in `portflow workers`, drains on SIGTERM and exits 0', async () => {
    const signals = new FakeSignals();
    const { terminal, out } = memoryTerminal();
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const write = terminal.stdout.write;
    const watched = { ...terminal, stdout: { ...terminal.stdout, write: (s: string) => (write(s), out.stdout.includes('ready') && ready()) } };
    const exit = main(['worker', '--redis', REDIS_URL, '--prefix', prefix, '--queue', 'cli-a', '--queue', 'cli-b', '--concurrency', '2', '--threads', '0', '--build-id', 'b1'], {
      terminal: watched,
      signals,
      forceExit: () => undefined,
    });
    await isReady;
    expect(out.stdout).toMatch(new RegExp(`^portflow worker ready: pid ${process.pid}, queues cli-a, cli-b \\(build b1\\), concurrency 2, threads 0, prefix ${prefix}, id \\S+\\n$`));

    const table = await cli('workers', '--redis', REDIS_URL, '--prefix', prefix);
    expect(table.code).toBe(EXIT_CODES.success);
    expect(table.stdout).toMatch(/^host +pid +queues +build +concurrency +threads +running +up +heartbeat +version +node\n/);
    expect(table.stdout).toMatch(new RegExp(` ${process.pid} +cli-a,cli-b +b1 +2 +0 +0 `));
    expect(table.stdout).toMatch(/1 worker under prefix/);
    const json = await cli('workers', '--redis', REDIS_URL, '--prefix', prefix, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ prefix, workers: [{ pid: process.pid, queues: ['cli-a', 'cli-b'], buildId: 'b1', concurrency: 2, threads: 0 }] });

    signals.send();
    expect(await exit).toBe(EXIT_CODES.success);
    expect(signals.listeners.size).toBe(0);
    expect(out.stderr).toMatch(/draining \(0 jobs running; a second signal exits at once\)[\s\S]*drained, stopped/);
    const after = await cli('workers', '--redis', REDIS_URL, '--prefix', prefix);
    expect(after.stdout).toMatch(new RegExp(`^No live workers under prefix '${prefix}'. Start one with: portflow worker --redis ${REDIS_URL} --prefix ${prefix} --queue cpu`));
  });
});

describe('portflow jobs prune', () => {
  it('lists with --dry-run, then removes, the jobs of run chains no coordinator drives', async () => {
    // A chain whose coordinator died long ago: its set names a job that is already gone.
    const setKey = `${prefix}:portflow:jobs:q-test-node20:ghost%2Erun`;
    await redis.sadd(setKey, 'ghost%2Erun.a.1');
    const dry = await cli('jobs', 'prune', '--redis', REDIS_URL, '--prefix', prefix, '--older-than', '1d', '--dry-run');
    expect(dry.code).toBe(EXIT_CODES.success);
    expect(dry.stdout).toBe(`ghost.run  q-test-node20  no job left  1 job would go\n1 abandoned run chain under prefix '${prefix}': 1 job would be removed (dry run).\n`);
    expect(await redis.exists(setKey)).toBe(1);
    const json = await cli('jobs', 'prune', '--redis', REDIS_URL, '--prefix', prefix, '--older-than', '1d', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ prefix, dryRun: false, runs: [{ rootRunId: 'ghost.run', queueName: 'q-test-node20', jobs: 1, removed: 1, left: [] }] });
    expect(await redis.exists(setKey)).toBe(0);
    const again = await cli('jobs', 'prune', '--redis', REDIS_URL, '--prefix', prefix, '--older-than', '1d');
    expect(again.stdout).toBe(`No abandoned run chains under prefix '${prefix}' idle for 1d or more.\n`);
  });

  it('refuses an age it cannot read', async () => {
    const { code, stderr } = await cli('jobs', 'prune', '--redis', REDIS_URL, '--older-than', 'soon');
    expect(code).toBe(EXIT_CODES.invalidInput);
    expect(stderr).toMatch(/--older-than needs an age such as 30d, 12h or 90m, not 'soon'/);
  });
});

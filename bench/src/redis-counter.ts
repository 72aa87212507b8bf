/**
 * Counts the Redis commands this process's ioredis clients send, by command
 * (BullMQ's Lua scripts by name: `evalsha:moveToFinished`), and the round
 * trips they take (a pipeline or MULTI counts as one). The distributed
 * benchmark installs it in its own process with `--profile`, and preloads it
 * in worker processes (`NODE_OPTIONS=--require .../redis-counter.js` with
 * `PF_REDIS_COUNTER=1`), which then write their counts to stderr on SIGUSR2
 * (`pf-redis-counts {...}`) and start again from zero.
 */
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { Redis } from 'ioredis';

const counts = new Map<string, number>();
const scripts = new Map<string, string>();
const pipelines = new WeakSet<object>();
const ignored = new WeakSet<object>();
let installed = false;

function bump(name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

/** Wraps `Redis.prototype.sendCommand` and `defineCommand` (idempotent). */
export function installRedisCounter(): void {
  if (installed) return;
  installed = true;
  type Command = { name: string; args?: unknown[] };
  const proto = Redis.prototype as unknown as {
    sendCommand(command: Command, stream?: { isPipeline?: boolean }, ...rest: unknown[]): unknown;
    defineCommand(name: string, definition: { lua: string }): unknown;
  };
  const send = proto.sendCommand;
  const define = proto.defineCommand;
  proto.defineCommand = function (this: unknown, name, definition) {
    scripts.set(createHash('sha1').update(definition.lua).digest('hex'), name);
    return define.call(this, name, definition);
  };
  proto.sendCommand = function (this: object, command, stream, ...rest) {
    if (ignored.has(this)) return send.call(this, command, stream, ...rest);
    const script = command.name === 'evalsha' ? scripts.get(String(command.args?.[0])) : undefined;
    bump(script === undefined ? command.name : `evalsha:${script}`);
    if (stream?.isPipeline === true) {
      if (!pipelines.has(stream)) {
        pipelines.add(stream);
        bump('roundTrips');
      }
    } else if (command.name !== 'multi' && command.name !== 'exec') {
      bump('roundTrips');
    }
    return send.call(this, command, stream, ...rest);
  };
}

/** Leaves `client`'s commands out of the counts (the benchmark's own measuring client). */
export function ignoreRedisClient(client: object): void {
  ignored.add(client);
}

/** The counts since the last call, by command, and `roundTrips`. */
export function takeRedisCounts(): Record<string, number> {
  const out = Object.fromEntries(counts);
  counts.clear();
  return out;
}

if (process.env.PF_REDIS_COUNTER === '1' && isMainThread) {
  installRedisCounter();
  process.on('SIGUSR2', () => writeSync(2, `pf-redis-counts ${JSON.stringify(takeRedisCounts())}\n`));
}

/**
 * What the client's tests run against: the real run service
 * (`startService`) on a temporary folder of YAML workflows with a SQLite
 * store, a component whose steps wait until the test opens a gate, a TCP
 * proxy that can cut connections, and a fetch that records each request.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Operation, Output, type ExecutionContext, type OutputPort, type Outputs } from '@portflow/core';
import { builtinRegistry, Component, StepInit, type ComponentRegistry } from '@portflow/workflow';
import type { FetchLike } from '../transport';

/** Holds `hold` steps until the test opens it; tests await `entered`, never the clock. */
export class Gate {
  #open = false;
  #entered = 0;
  readonly #waiting = new Set<() => void>();
  readonly #watchers: (() => void)[] = [];

  /** Steps that reached the gate so far. */
  get entered(): number {
    return this.#entered;
  }

  /** Called by a step: resolves when the gate is open, rejects when the step is cancelled. */
  pass(signal: AbortSignal): Promise<void> {
    this.#entered++;
    for (const watcher of this.#watchers.splice(0)) watcher();
    if (this.#open) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.#waiting.delete(done);
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = (): void => {
        this.#waiting.delete(done);
        reject(new Error('hold step cancelled'));
      };
      this.#waiting.add(done);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  /** Lets every waiting step and every later one through. */
  open(): void {
    this.#open = true;
    for (const done of [...this.#waiting]) done();
  }

  /** Makes later steps wait again. */
  close(): void {
    this.#open = false;
  }

  /** Resolves once `count` steps have reached the gate. */
  untilEntered(count: number): Promise<void> {
    if (this.#entered >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => (this.#entered >= count ? resolve() : void this.#watchers.push(check));
      this.#watchers.push(check);
    });
  }
}

/** A step that waits at the registry's {@link Gate}. */
@Component('hold', { description: 'Waits until the test opens its gate' })
class Hold extends Operation {
  @Output() released!: OutputPort<string>;

  constructor(
    init: StepInit,
    private readonly gate: Gate,
  ) {
    super(init);
  }

  async execute(_inputs: unknown, context: ExecutionContext): Promise<Outputs<Hold>> {
    await this.gate.pass(context.signal);
    return { released: 'released' };
  }
}

/** The test workflows: `quick` (two steps, param `who`) and `held` (a `hold` step, then a log). */
export const WORKFLOWS: Readonly<Record<string, string>> = {
  'quick.yaml': `name: quick
description: Says hello
variables:
  who: world
pipeline:
  - name: first
    operation: constant
    params: { value: "\${{ vars.who }}" }
  - name: second
    operation: log
    depends_on: [first]
    params: { message: "hello {value}" }
`,
  'held.yaml': `name: held
description: Waits for the test
variables:
  tag: none
pipeline:
  - name: wait
    operation: hold
  - name: after
    operation: log
    depends_on: [wait]
    params: { message: "released {value}" }
`,
};

/** What a workspace needs of a started service (`RunningService` of `@portflow/server`). */
export interface Closable {
  close(options: { readonly drain: boolean }): Promise<unknown>;
}

/**
 * `startService` of `@portflow/server`. The tests pass it in: only test
 * files import the server (see the dependency rules), not this fixture.
 */
export type StartService<O, S extends Closable> = (options: O) => Promise<S>;

/** A temporary folder of the test workflows and a registry whose `hold` steps wait at `gate`. */
export interface Workspace<O, S extends Closable> {
  readonly dir: string;
  readonly gate: Gate;
  readonly registry: ComponentRegistry;
  /** Starts the service on this folder (SQLite store inside it, loopback, a free port unless given); it is closed by `dispose`. */
  start(options?: Partial<O>): Promise<S>;
  /** Closes every service started and removes the folder. */
  dispose(): Promise<void>;
}

/** Makes a {@link Workspace} whose `start` calls `startService`. */
export async function workspace<O, S extends Closable>(startService: StartService<O, S>): Promise<Workspace<O, S>> {
  const dir = await mkdtemp(join(tmpdir(), 'portflow-client-'));
  for (const [file, text] of Object.entries(WORKFLOWS)) await writeFile(join(dir, file), text);
  const gate = new Gate();
  const registry = builtinRegistry().register(Hold);
  registry.container.register(Gate, { useValue: gate });
  const services: S[] = [];
  return {
    dir,
    gate,
    registry,
    async start(options = {}) {
      const service = await startService({ workflows: dir, store: join(dir, 'store.db'), registry, host: '127.0.0.1', port: 0, ...options } as O);
      services.push(service);
      return service;
    },
    async dispose() {
      gate.open();
      for (const service of services.splice(0)) await service.close({ drain: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
  return port;
}

/** A TCP proxy in front of the service that can cut its connections like a failing network. */
export interface Proxy {
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Resets (RST) every open connection, both sides. */
  dropAll(): void;
  /** The next answer the service sends, on any connection, is not forwarded: the client's connection is reset instead. */
  resetNextResponse(): void;
  close(): Promise<void>;
}

/** Starts a {@link Proxy} to `127.0.0.1:port`. */
export async function startProxy(port: number): Promise<Proxy> {
  const pairs = new Set<readonly [Socket, Socket]>();
  let connections = 0;
  let resetPending = false;
  const reset = (pair: readonly [Socket, Socket]): void => {
    pairs.delete(pair);
    if (!pair[0].destroyed) pair[0].resetAndDestroy();
    pair[1].destroy();
  };
  const server = createServer((client) => {
    connections++;
    const upstream = connect(port, '127.0.0.1');
    const pair = [client, upstream] as const;
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (resetPending) {
        resetPending = false;
        reset(pair);
      } else client.write(chunk);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    get connections() {
      return connections;
    },
    dropAll() {
      for (const pair of [...pairs]) reset(pair);
    },
    resetNextResponse() {
      resetPending = true;
    },
    async close() {
      for (const pair of [...pairs]) reset(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One request a {@link recordingFetch} made. */
export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly signal: AbortSignal | undefined;
}

/** The global fetch, recording each request (it changes nothing). */
export function recordingFetch(): { fetch: FetchLike; requests: Recorded[] } {
  const requests: Recorded[] = [];
  const recording: FetchLike = (input, init = {}) => {
    requests.push({
      method: init.method ?? 'GET',
      url: String(input),
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      signal: init.signal ?? undefined,
    });
    return fetch(input, init);
  };
  return { fetch: recording, requests };
}

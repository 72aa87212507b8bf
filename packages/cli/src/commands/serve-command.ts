import { resolve } from 'node:path';
import { createLogger } from '@portflow/core';
import { ServiceConfigError, startService } from '@portflow/server';
import { EXIT_CODES } from '../exit-codes';
import type { Terminal } from '../terminal';
import { InputError, registryWithPlugins } from '../workflow-input';
import type { SignalSource } from './run-command';
import { storeLocation } from './store-location';

/** Options of `portflow serve`. */
export interface ServeOptions {
  workflows?: string;
  store?: string;
  host?: string;
  port?: string;
  token?: string;
  maxConcurrentRuns?: string;
  maxQueuedRuns?: string;
  plugin?: string[];
  root?: string[];
  verbose?: boolean;
}

/**
 * `portflow serve`: serves a folder of workflows over HTTP until SIGINT or
 * SIGTERM. The first signal stops accepting executions and waits for those
 * running and queued (a killed process resumes them on its next start
 * anyway); a second one cancels them. Resolves with the exit code.
 */
export async function serveCommand(options: ServeOptions, terminal: Terminal, signals: SignalSource): Promise<number> {
  if (options.workflows === undefined) throw new InputError('portflow serve: --workflows <folder> is required: the folder of workflow files to serve');
  const number = (value: string | undefined, flag: string, min: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InputError(`portflow serve: ${flag} must be a whole number from ${min}, not '${value}'`);
    return n;
  };
  const port = number(options.port, '--port', 0);
  if (port !== undefined && port > 65535) throw new InputError(`portflow serve: --port must be at most 65535, not ${port}`);
  const maxConcurrentRuns = number(options.maxConcurrentRuns, '--max-concurrent-runs', 1);
  const maxQueuedRuns = number(options.maxQueuedRuns, '--max-queued-runs', 0);
  const token = options.token ?? (terminal.env.PORTFLOW_TOKEN === '' ? undefined : terminal.env.PORTFLOW_TOKEN);
  const folder = resolve(terminal.cwd, options.workflows);
  const store = storeLocation(options.store, terminal.env, resolve(folder, 'workflows'));
  const say = (line: string): void => void terminal.stderr.write(`${line}\n`);
  const logger = createLogger((entry) => say(`${entry.level === 'info' ? '' : `${entry.level}: `}${entry.message}`), options.verbose === true ? 'debug' : 'info');
  let service;
  try {
    service = await startService({
      workflows: folder,
      store,
      registry: registryWithPlugins(options.plugin, terminal),
      ...(options.root === undefined ? {} : { roots: options.root.map((root) => resolve(terminal.cwd, root)) }),
      host: options.host ?? '127.0.0.1',
      port: port ?? 8080,
      logger,
      ...(token === undefined ? {} : { token }),
      ...(maxConcurrentRuns === undefined ? {} : { maxConcurrentRuns }),
      ...(maxQueuedRuns === undefined ? {} : { maxQueuedRuns }),
    });
  } catch (error) {
    if (error instanceof ServiceConfigError) throw new InputError(`portflow serve: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new InputError(`portflow serve: cannot listen on ${options.host ?? '127.0.0.1'}:${port ?? 8080} (${code}); pick another --port`);
    throw error;
  }
  const { recovery } = service;
  if (recovery.resumed.length + recovery.requeued.length > 0) say(`taken up from the store: ${recovery.resumed.length} resumed, ${recovery.requeued.length} queued again`);
  say(`portflow serve: ${service.workflows.size} workflow${service.workflows.size === 1 ? '' : 's'} (${[...service.workflows.keys()].join(', ')}), store ${store}`);
  terminal.stdout.write(`listening on ${service.url}${token === undefined ? '' : ' (token required)'}; web view at ${service.url}/\n`);
  const running = service;
  const report = await new Promise<{ waitedFor: readonly string[] }>((done) => {
    let signalled = 0;
    const onSignal = (): void => {
      signalled += 1;
      if (signalled === 1) {
        say('stopping: no new executions; waiting for those running and queued (send the signal again to cancel them)');
        void running.close({ drain: true }).then((closed) => {
          signals.off('SIGINT', onSignal);
          signals.off('SIGTERM', onSignal);
          done(closed);
        });
      } else if (signalled === 2) {
        say('cancelling the executions that run');
        void running.manager.close({ drain: false });
      }
    };
    signals.on('SIGINT', onSignal);
    signals.on('SIGTERM', onSignal);
  });
  say(`stopped after ${report.waitedFor.length} execution${report.waitedFor.length === 1 ? '' : 's'} ended`);
  return EXIT_CODES.success;
}

/** Structured fields attached to a log entry. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Severity of a log entry. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A structured logger. Operations get a child bound to their run, operation
 * and attempt as `context.logger`. Compatible in shape with pino's and
 * similar loggers' `child()`.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every entry. */
  child(bindings: LogFields): Logger;
}

/** A log entry as {@link createLogger} hands it to its sink. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly time: number;
  readonly fields: LogFields;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

class SinkLogger implements Logger {
  constructor(
    private readonly sink: (entry: LogEntry) => void,
    private readonly minLevel: number,
    private readonly bindings: LogFields,
  ) {}

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (LEVELS[level] < this.minLevel) return;
    this.sink({ level, message, time: Date.now(), fields: fields ? { ...this.bindings, ...fields } : this.bindings });
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }
  child(bindings: LogFields): Logger {
    return new SinkLogger(this.sink, this.minLevel, { ...this.bindings, ...bindings });
  }
}

/**
 * A logger that hands entries at or above `level` to `sink`.
 *
 * @example
 * ```ts
 * const entries: LogEntry[] = [];
 * const engine = new ExecutionEngine({ logger: createLogger((e) => entries.push(e), 'info') });
 * // JSON lines on stderr:
 * createLogger((e) => process.stderr.write(JSON.stringify(e) + '\n'));
 * ```
 */
export function createLogger(sink: (entry: LogEntry) => void, level: LogLevel = 'debug'): Logger {
  if (!(level in LEVELS)) throw new TypeError(`Unknown log level '${String(level)}'; use one of ${Object.keys(LEVELS).join(', ')}`);
  return new SinkLogger(sink, LEVELS[level], {});
}

const noop = (): void => undefined;

/** A logger that discards everything; the engine's default. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
});

import { PortflowError } from '@portflow/core';

/**
 * The service cannot start as configured: a workflows folder that holds no
 * workflow or one that does not load, a cron pattern that does not parse,
 * or a non-loopback address without a token. The message says which and
 * how to fix it.
 */
export class ServiceConfigError extends PortflowError {
  override readonly name = 'ServiceConfigError';

  constructor(
    message: string,
    /** What to do about it. */
    readonly hint: string,
  ) {
    super('PORTFLOW_SERVICE_CONFIG', `${message}\n  hint: ${hint}`);
  }
}

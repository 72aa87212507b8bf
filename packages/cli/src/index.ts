/**
 * @portflow/cli: the `portflow` command, also callable in-process.
 * @packageDocumentation
 */
export { main, type MainOptions } from './program';
export { EXIT_CODES, type ExitCode } from './exit-codes';
export type { Terminal, OutputStream } from './terminal';

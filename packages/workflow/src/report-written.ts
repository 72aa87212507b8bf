import type { ExecutionContext } from '@portflow/core';

/**
 * Tells whoever watches the run that this step wrote a file: a progress
 * report whose data is `{ wrote: [path] }`. The CLI lists the files a run
 * wrote in its summary; `--json` output carries them in the events. Call it
 * after the file is complete.
 *
 * @example
 * ```ts
 * await writeFile(this.path, text, { signal: context.signal });
 * reportWritten(context, this.path);
 * ```
 */
export function reportWritten(context: ExecutionContext, ...paths: string[]): void {
  context.reportProgress(1, { message: `wrote ${paths.join(', ')}`, data: { wrote: paths } });
}

import { dirname, join, resolve } from 'node:path';
import { DEFAULT_STORE_LOCATION, openRunStore, type RunStore } from '@portflow/store';
import { InputError } from '../workflow-input';

/**
 * The run store a command uses: `--store`, else `PORTFLOW_STORE`, else
 * `.portflow/store.db` next to the workflow file (for `run`) or in the
 * current directory (for `runs`, unless given a workflow file).
 */
export function storeLocation(given: string | undefined, env: NodeJS.ProcessEnv, workflowFile?: string): string {
  if (given !== undefined && given !== '') return given;
  const fromEnv = env.PORTFLOW_STORE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return workflowFile === undefined ? resolve(DEFAULT_STORE_LOCATION) : join(dirname(resolve(workflowFile)), DEFAULT_STORE_LOCATION);
}

/** Opens the store at `location`, turning a failure into an input error that names the location and the way out. */
export async function openStore(location: string): Promise<RunStore> {
  try {
    return await openRunStore(location);
  } catch (error) {
    throw new InputError(`portflow: cannot open the run store ${location}: ${error instanceof Error ? error.message : String(error)}\n(give another with --store, or run without one with --no-store)`);
  }
}

import type { Logger } from '@portflow/core';
import type { RunManager } from '@portflow/runs';
import type { RunStore } from '@portflow/store';
import type { ExecutionHub } from './execution-hub';
import type { ServedWorkflow } from './served-workflows';
import type { ServiceMetrics } from './service-metrics';

/** What the routes of a service share. @internal */
export interface ServiceContext {
  readonly manager: RunManager;
  readonly store: RunStore;
  readonly hub: ExecutionHub;
  readonly metrics: ServiceMetrics;
  readonly workflows: ReadonlyMap<string, ServedWorkflow>;
  readonly logger: Logger;
  /** Aborted when the service closes: open event streams end. */
  readonly closing: AbortSignal;
  /** How often an event stream sends a keep-alive comment, ms. */
  readonly keepAliveMs: number;
}

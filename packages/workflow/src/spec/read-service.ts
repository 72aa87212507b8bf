import type { FieldReader } from './fields';
import { describe } from './fields';
import type { NodePath } from './workflow-spec';

/** How a run service treats executions of a workflow: top-level `metadata`. */
export interface WorkflowMetadata {
  /** False: one execution at a time (absent: the service's default, true). */
  readonly allowConcurrentExecution?: boolean;
  /** With `allowConcurrentExecution: false`, what a submission does while one runs: wait in line or be refused. */
  readonly whenBusy?: 'queue' | 'reject';
}

/** What starts a workflow in a run service besides an explicit submission: an item of top-level `triggers`. */
export type WorkflowTrigger =
  | { readonly kind: 'webhook' }
  | {
      readonly kind: 'cron';
      /** A cron pattern of 5 or 6 fields, e.g. `0 * * * *`. */
      readonly cron: string;
      /** An IANA time zone the pattern is read in (default: the service's). */
      readonly timezone?: string;
      /** The parameters of each scheduled execution. */
      readonly params: Readonly<Record<string, unknown>>;
    };

/** Keys of `metadata`. @internal */
export const METADATA_KEYS = ['allowConcurrentExecution', 'whenBusy'] as const;

const TRIGGER_KEYS = ['webhook', 'cron', 'timezone', 'params'] as const;
const CRON_FIELDS = /^\S+(\s+\S+){4,5}$/;

/** Reads the top-level `metadata` mapping. @internal */
export function readMetadata(fields: FieldReader, value: unknown, path: NodePath): WorkflowMetadata {
  if (value === undefined || value === null) return {};
  const metadata = fields.mapping(value, path, 'metadata', 'metadata: { allowConcurrentExecution: false }');
  if (metadata === undefined) return {};
  fields.knownKeys(metadata, path, METADATA_KEYS, 'metadata', { allow_concurrent_execution: "use 'allowConcurrentExecution'", when_busy: "use 'whenBusy'" });
  const out: { allowConcurrentExecution?: boolean; whenBusy?: 'queue' | 'reject' } = {};
  if (metadata.allowConcurrentExecution !== undefined) {
    if (typeof metadata.allowConcurrentExecution === 'boolean') out.allowConcurrentExecution = metadata.allowConcurrentExecution;
    else fields.report({ code: 'invalid-field', message: `metadata allowConcurrentExecution must be true or false, not ${describe(metadata.allowConcurrentExecution)}.`, hint: 'write allowConcurrentExecution: false for one execution at a time', path: [...path, 'allowConcurrentExecution'] });
  }
  if (metadata.whenBusy !== undefined) {
    const whenBusy = fields.choice(metadata.whenBusy, [...path, 'whenBusy'], 'metadata whenBusy', ['queue', 'reject'] as const);
    if (whenBusy !== undefined) out.whenBusy = whenBusy;
  }
  return out;
}

/** Reads the top-level `triggers` list: `- webhook: true` and `- cron: "0 * * * *"` items. @internal */
export function readTriggers(fields: FieldReader, value: unknown, path: NodePath): WorkflowTrigger[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    fields.report({ code: 'invalid-field', message: `triggers must be a list, not ${describe(value)}.`, hint: 'write it as triggers: [{ webhook: true }, { cron: "0 * * * *" }]', path });
    return [];
  }
  const triggers: WorkflowTrigger[] = [];
  value.forEach((raw, i) => {
    const at = [...path, i];
    const item = fields.mapping(raw, at, 'each trigger', '{ webhook: true } or { cron: "0 * * * *" }');
    if (item === undefined) return;
    fields.knownKeys(item, at, TRIGGER_KEYS, 'a trigger');
    const hasWebhook = item.webhook !== undefined;
    const hasCron = item.cron !== undefined;
    if (hasWebhook === hasCron) {
      fields.report({ code: 'invalid-field', message: `A trigger needs exactly one of 'webhook' and 'cron'${hasWebhook ? ', not both' : ''}.`, hint: 'write - webhook: true, or - cron: "0 * * * *" (one per list item)', path: at });
      return;
    }
    if (hasWebhook) {
      if (item.webhook !== true) {
        fields.report({ code: 'invalid-field', message: `trigger webhook must be true, not ${describe(item.webhook)}.`, hint: 'remove the trigger to turn the webhook off', path: [...at, 'webhook'] });
        return;
      }
      for (const key of ['timezone', 'params'] as const) {
        if (item[key] !== undefined) fields.report({ code: 'invalid-field', message: `A webhook trigger takes no '${key}': the request body is the parameters.`, hint: `remove '${key}'`, path: [...at, key], at: 'key' });
      }
      triggers.push({ kind: 'webhook' });
      return;
    }
    const cron = fields.string(item.cron, [...at, 'cron'], 'trigger cron', { regex: CRON_FIELDS, rule: 'a cron pattern has 5 fields (minute hour day month weekday) or 6 (with seconds first), e.g. "0 * * * *"' });
    const timezone = item.timezone === undefined ? undefined : fields.string(item.timezone, [...at, 'timezone'], 'trigger timezone');
    const params = item.params === undefined ? {} : fields.mapping(item.params, [...at, 'params'], 'trigger params', 'params: { region: eu }');
    if (cron === undefined || params === undefined) return;
    triggers.push({ kind: 'cron', cron, ...(timezone === undefined ? {} : { timezone }), params });
  });
  return triggers;
}

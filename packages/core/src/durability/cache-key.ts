import type { Operation } from '../model/operation';
import { canonicalJson } from '../model/plain-data';
import { sha256Hex } from './content-hash';

/** Identities up to this long are used as they are; longer ones are hashed. */
const SHORT_IDENTITY = 200;

/**
 * What makes an operation compute what it computes: its type, its version
 * (bump it when behaviour changes) and its params, as canonical JSON
 * (`["type",1,{...}]`), or that text's sha256 when it is long. Settings
 * such as retries, timeouts and executors do not change outputs and are
 * left out. Short identities skip a hash per operation: the cache key and
 * the definition hash hash them anyway. Not cached here: a run keeps its
 * operations' identities by position (a per-operation weak map costs more
 * than recomputing).
 * @internal
 */
export function operationIdentity(op: Operation): string {
  const text = canonicalJson([op.type, op.version, op.params]);
  return text.length <= SHORT_IDENTITY ? text : sha256Hex(`pf-op/1\n${text}`);
}

/**
 * A content-based cache key: the operation's identity and, per input
 * port in declaration order, the content hashes of the values it receives
 * (several for a collecting port, in connection order; `-` for an
 * unconnected optional port, whose default belongs to the class version).
 * Equal keys mean the same computation on the same data. Built as the
 * inputs are found, without intermediate arrays (the engine computes one per
 * operation it records).
 * @internal
 */
export class CacheKeyText {
  private text: string;
  private values = 0;

  constructor(identity: string) {
    this.text = `pf-key/2\n${identity}`;
  }

  /** Starts the next input port. */
  port(name: string): void {
    if (this.text.endsWith('=')) this.text += '-';
    this.text += `\n${name}=`;
    this.values = 0;
  }

  /** Adds the content hash of one value the current port receives. */
  value(hash: string): void {
    this.text += this.values++ === 0 ? hash : `,${hash}`;
  }

  digest(): string {
    if (this.text.endsWith('=')) this.text += '-';
    return sha256Hex(this.text);
  }
}

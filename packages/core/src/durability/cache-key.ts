import type { Operation } from '../model/operation';
import { canonicalJson } from '../model/plain-data';
import { sha256Hex } from './content-hash';

const identities = new WeakMap<Operation, string>();

/**
 * What makes an operation compute what it computes, hashed: its type, its
 * version (bump it when behaviour changes) and its params. Settings such as
 * retries, timeouts and executors do not change outputs and are left out.
 * @internal
 */
export function operationIdentityHash(op: Operation): string {
  let hash = identities.get(op);
  if (hash === undefined) {
    hash = sha256Hex(`pf-op/1\n${op.type}\n${op.version}\n${canonicalJson(op.params)}`);
    identities.set(op, hash);
  }
  return hash;
}

/**
 * A content-based cache key: the operation's identity hash and, per input
 * port in declaration order, the content hashes of the values it receives
 * (several for a collecting port, in connection order; `-` for an
 * unconnected optional port, whose default belongs to the class version).
 * Equal keys mean the same computation on the same data.
 * @internal
 */
export function cacheKey(identity: string, inputs: readonly (readonly [port: string, hashes: readonly string[]])[]): string {
  let text = `pf-key/1\n${identity}`;
  for (const [port, hashes] of inputs) text += `\n${port}=${hashes.length === 0 ? '-' : hashes.join(',')}`;
  return sha256Hex(text);
}

import * as crypto from 'node:crypto';

/** One-shot hashing (Node.js 20.12+): about 2.5x faster than createHash for small values. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: 'hex') => string }).hash;

/** sha256 of `bytes`, as 64 hex digits. @internal */
export function sha256Hex(bytes: Uint8Array | string): string {
  return oneShot !== undefined ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}

import * as crypto from 'node:crypto';

/** One-shot hashing (Node.js 20.12+): about 2.5x faster than createHash for small values. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: 'hex') => string }).hash;

/** sha256 of `bytes`, as 64 lowercase hex digits. @internal */
export function sha256Hex(bytes: Uint8Array): string {
  return oneShot !== undefined ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether `value` is a sha256 in the form {@link sha256Hex} gives. @internal */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** A view of `bytes` as a plain `Uint8Array` (drivers give `Buffer`s or `ArrayBuffer`s), without copying. @internal */
export function plainBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Small values that JSON carries without loss, so that a job can hold them
 * as they are instead of as `v8Codec` bytes in base64: BullMQ writes job
 * data and return values as JSON anyway, and for a handful of numbers and
 * strings the v8 round trip (two walks, a copy, base64 both ways) costs
 * more than the operation.
 * @internal
 */

/** Most nodes (values, object fields, array items) a value may have to travel as JSON. */
const MAX_NODES = 1000;
/** Default most size (characters of strings and keys, plus 4 per node: an upper bound of the JSON for ASCII text) a value may have to travel as JSON; larger ones go through v8. */
const MAX_SIZE = 16 * 1024;

/**
 * Whether `value` survives `JSON.parse(JSON.stringify(value))` unchanged and
 * is small: `null`, booleans, finite numbers (not `-0`), strings, and dense
 * arrays and plain objects of them, with no object reached twice. Anything
 * else (`undefined`, `NaN`, `Map`, `Date`, typed arrays, class instances,
 * shared references, holes) answers false, and the value takes the v8 path;
 * so does a value whose size (characters of its strings and keys, plus 4 per
 * node) is over `maxSize` (default 16 KiB).
 */
export function isPlainJson(value: unknown, maxSize = MAX_SIZE): boolean {
  const walk = { nodes: 0, size: 0, max: Math.min(maxSize, MAX_SIZE), seen: new Set<object>() };
  return plain(value, walk);
}

interface Walk {
  nodes: number;
  size: number;
  readonly max: number;
  readonly seen: Set<object>;
}

function plain(value: unknown, walk: Walk): boolean {
  if (++walk.nodes > MAX_NODES || (walk.size += 4) > walk.max) return false;
  switch (typeof value) {
    case 'string':
      walk.size += value.length;
      return walk.size <= walk.max;
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (walk.seen.has(value)) return false;
  walk.seen.add(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value)) {
    if (proto !== Array.prototype || Object.keys(value).length !== value.length) return false; // extra fields or holes
    for (const item of value) if (!plain(item, walk)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const key of Object.keys(value)) {
    walk.size += key.length;
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if (descriptor.get !== undefined || !plain(descriptor.value, walk)) return false;
  }
  return walk.size <= walk.max;
}

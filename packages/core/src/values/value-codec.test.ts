import { serialize } from 'node:v8';
import { serializationProblem, v8Codec, ValueNotSerializableError } from '..';

describe('v8Codec', () => {
  it('round-trips what JSON loses: Map, Set, Date, bigint, typed arrays, Buffers, undefined, cycles', () => {
    const cyclic: { self?: unknown; n: number } = { n: 1 };
    cyclic.self = cyclic;
    const value = {
      map: new Map<string, bigint>([['a', 1n]]),
      set: new Set([1, 2]),
      when: new Date(0),
      floats: Float64Array.of(0.5, 1.5),
      buffer: Buffer.from('hi'),
      nothing: undefined,
      cyclic,
    };
    const decoded = v8Codec.decode(v8Codec.encode(value)) as typeof value;
    expect(decoded.map.get('a')).toBe(1n);
    expect([...decoded.set]).toEqual([1, 2]);
    expect(decoded.when.getTime()).toBe(0);
    expect(decoded.floats).toEqual(Float64Array.of(0.5, 1.5));
    expect(Buffer.isBuffer(decoded.buffer) && decoded.buffer.toString()).toBe('hi');
    expect('nothing' in decoded).toBe(true);
    expect((decoded.cyclic as { self: unknown }).self).toBe(decoded.cyclic);
  });

  it('starts every encoding with a versioned header and refuses bytes without it', () => {
    const bytes = v8Codec.encode(1);
    expect(Array.from(bytes.subarray(0, 3))).toEqual([0x50, 0x46, 0x01]);
    expect(v8Codec.format).toBe('v8/1');
    expect(() => v8Codec.decode(Uint8Array.of(1, 2, 3, 4))).toThrow(/not written by the v8 value codec/);
    const future = Uint8Array.from(bytes);
    future[2] = 9;
    expect(() => v8Codec.decode(future)).toThrow(/format version 9 is not supported by this build/);
    expect(() => v8Codec.decode(Uint8Array.of(0x50, 0x46, 0x01, 0xff, 0x00))).toThrow(/the encoded value is damaged/);
  });

  it('refuses values that cannot leave the process, naming the path, before writing anything', () => {
    expect(() => v8Codec.encode({ model: { predict: () => 1 } })).toThrow(ValueNotSerializableError);
    expect(() => v8Codec.encode({ model: { predict: () => 1 } })).toThrow(/value\.model\.predict is a function/);
  });
});

describe('serializationProblem', () => {
  class Point {
    constructor(readonly x: number) {}
  }

  it.each([
    ['a plain record', { a: [1, 'x', null], b: new Map([[1, new Set(['y'])]]) }, undefined],
    ['a symbol', { tag: Symbol('t') }, /out\.tag is a symbol/],
    ['a promise', [Promise.resolve(1)], /out\[0\] is a Promise/],
    ['a class instance', { at: new Point(1) }, /out\.at is a Point instance; it would arrive as a plain object/],
    ['a function in a Map', new Map([['f', () => 1]]), /out\.get\("f"\) is a function/],
  ])('%s', (_name, value, expected) => {
    const problem = serializationProblem(value, 'out');
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('v8Codec scalars', () => {
  it('encodes scalars byte for byte as v8.serialize does, and decodes them back', () => {
    // Separate arrays: in an array with fractions, V8 holds the integers as doubles too.
    const integers = [0, 7, -7, 63, 64, 8191, 8192, -8193, 2 ** 29, -(2 ** 29)];
    const doubles = [1.5, -2.25, 1e-300, -0, NaN, -Infinity];
    const others = [true, false, null, undefined, '', 'a', 'ascii text 123', '~'.repeat(64)];
    for (const samples of [integers, doubles, others] as readonly unknown[][]) {
      for (const value of samples) {
        const bytes = v8Codec.encode(value);
        expect(Buffer.from(bytes.subarray(3))).toEqual(serialize(value));
        expect(Object.is(v8Codec.decode(bytes), value)).toBe(true);
      }
    }
  });

  it('leaves longer and non-ASCII strings to v8.serialize, which round-trips them', () => {
    for (const value of ['é', 'x'.repeat(65), '日本']) expect(v8Codec.decode(v8Codec.encode(value))).toBe(value);
  });

  it('encodes equal numbers alike however they were computed', () => {
    expect(v8Codec.encode(2.5 * 2)).toEqual(v8Codec.encode(5));
  });
});

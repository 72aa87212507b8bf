import { isPlainJson } from './plain-json';

describe('isPlainJson', () => {
  it('takes small values that JSON returns unchanged', () => {
    for (const value of [null, true, 0, 1.5, -3, 'text', '', [], {}, [1, 'a', null, [true]], { a: { b: [1, 2, { c: 'd' }] } }, Object.assign(Object.create(null) as object, { x: 1 })]) {
      expect(isPlainJson(value)).toBe(true);
      expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    }
  });

  it('refuses what JSON would change or lose', () => {
    const shared = { n: 1 };
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const withField = Object.assign([1, 2], { extra: true });
    class Point {
      x = 1;
    }
    const withGetter = Object.defineProperty({}, 'g', { get: () => 1, enumerable: true });
    const cases: [string, unknown][] = [
      ['undefined', undefined],
      ['a field holding undefined', { a: undefined }],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-0', -0],
      ['a bigint', 1n],
      ['a Date', new Date(0)],
      ['a Map', new Map([[1, 2]])],
      ['a Set', new Set([1])],
      ['a typed array', new Uint8Array(2)],
      ['an object reached twice', [shared, shared]],
      ['a cycle', cycle],
      ['an array with holes', holes],
      ['an array with a field', withField],
      ['a class instance', new Point()],
      ['a getter', withGetter],
      ['a symbol-keyed field', { [Symbol('s')]: 1 }],
      ['a function', { f: () => 1 }],
    ];
    for (const [name, value] of cases) expect([name, isPlainJson(value)]).toEqual([name, false]);
  });

  it('refuses values over the size limit or with too many nodes', () => {
    expect(isPlainJson('x'.repeat(1000))).toBe(true);
    expect(isPlainJson('x'.repeat(1000), 500)).toBe(false);
    expect(isPlainJson('x'.repeat(20_000))).toBe(false); // over the 16 KiB cap whatever the limit
    expect(isPlainJson({ ['k'.repeat(600)]: 1 }, 500)).toBe(false);
    expect(isPlainJson(Array.from({ length: 999 }, () => 0))).toBe(true);
    expect(isPlainJson(Array.from({ length: 1000 }, () => 0))).toBe(false);
    expect(isPlainJson(1, 0)).toBe(false); // a threshold of 0 sends everything to the blob directory
  });
});

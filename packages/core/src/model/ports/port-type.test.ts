import { compilePortType, describeValue, typesCompatible } from './port-type';
import { guard } from '../..';

describe('compilePortType', () => {
  it.each([
    [Number, 1, 'x', 'number'],
    [String, 'x', 1, 'string'],
    [Boolean, false, 0, 'boolean'],
    [BigInt, 1n, 1, 'bigint'],
    [Array, [], {}, 'Array'],
    [Buffer, Buffer.from('a'), 'a', 'Buffer'],
    [Map, new Map(), {}, 'Map'],
  ] as const)('checks %p values', (type, good, bad, name) => {
    const check = compilePortType(type);
    expect(check.name).toBe(name);
    expect(check.test!(good)).toBe(true);
    expect(check.test!(bad)).toBe(false);
  });

  it('accepts anything for Object and for no type', () => {
    expect(compilePortType(Object).test).toBeNull();
    expect(compilePortType(undefined).test).toBeNull();
  });

  it('uses named guards and arrow-function guards', () => {
    const even = compilePortType(guard('Even', (v): v is number => typeof v === 'number' && v % 2 === 0));
    expect(even.name).toBe('Even');
    expect([even.test!(2), even.test!(3)]).toEqual([true, false]);
    const arrow = compilePortType((v: unknown): v is string => typeof v === 'string');
    expect([arrow.test!('s'), arrow.test!(1)]).toEqual([true, false]);
  });

  it('rejects a non-function type with a clear message', () => {
    expect(() => compilePortType(42 as never)).toThrow('A port type must be a constructor or a guard, got number');
  });
});

describe('typesCompatible', () => {
  class Animal {}
  class Dog extends Animal {}
  const c = compilePortType;
  it('matches identical and subclass types', () => {
    expect(typesCompatible(c(Number), c(Number))).toBe(true);
    expect(typesCompatible(c(Dog), c(Animal))).toBe(true);
  });
  it('rejects different primitives and superclass into subclass', () => {
    expect(typesCompatible(c(String), c(Number))).toBe(false);
    expect(typesCompatible(c(Animal), c(Dog))).toBe(false);
  });
  it('cannot decide for guards or untyped ports', () => {
    const g = guard('G', (v): v is number => typeof v === 'number');
    expect(typesCompatible(c(g), c(Number))).toBeUndefined();
    expect(typesCompatible(c(undefined), c(Number))).toBeUndefined();
  });
});

describe('describeValue', () => {
  it('names values for error messages', () => {
    expect([null, undefined, 1, 'a', [1, 2], new Map(), {}].map(describeValue)).toEqual([
      'null',
      'undefined',
      'number',
      'string',
      'Array(2)',
      'Map',
      'Object',
    ]);
  });
});

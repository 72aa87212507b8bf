import { Input, OperationOptions, Output, requireExperimentalDecorators } from '../../index';

describe('decorators applied as standard (TC39) decorators', () => {
  const fieldContext = { kind: 'field', name: 'value', static: false, private: false };

  it.each([
    ['@Input', () => (Input(Number) as unknown as (a: unknown, b: unknown) => void)(undefined, fieldContext)],
    ['@Output', () => (Output(Number) as unknown as (a: unknown, b: unknown) => void)(undefined, fieldContext)],
    ['@OperationOptions', () => (OperationOptions({}) as unknown as (a: unknown, b: unknown) => void)(class {}, { kind: 'class', name: 'X' })],
  ])('%s names the real cause and the fix', (name, apply) => {
    expect(apply).toThrow(new RegExp(`${name} was applied as a standard \\(TC39\\) decorator.*Set "experimentalDecorators": true in tsconfig.json`));
  });

  it('lets experimental decorator calls through', () => {
    expect(() => requireExperimentalDecorators('@X', 'value')).not.toThrow();
    expect(() => requireExperimentalDecorators('@X', undefined)).not.toThrow();
  });
});

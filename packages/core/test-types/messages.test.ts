import { join } from 'node:path';
import * as ts from 'typescript';

/** Compile errors of the probe file, one flattened message per error, by line. */
function diagnostics(file: string): Map<number, string> {
  const config = ts.getParsedCommandLineOfConfigFile(join(__dirname, '..', 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram([file], { ...config.options, noEmit: true });
  const out = new Map<number, string>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.file?.fileName !== file) continue;
    const line = d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
    out.set(line, ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  return out;
}

describe('compile-time errors read as English', () => {
  const file = join(__dirname, 'probes', 'mismatches.ts').replace(/\\/g, '/');
  let errors: Map<number, string>;
  beforeAll(() => {
    errors = diagnostics(file);
  }, 60_000);

  it('connect names the source port and type and the target port and type', () => {
    expect(errors.get(17)).toContain(`PortTypeMismatch<{ port: "count"; type: number; }, { port: "name"; type: string; }>`);
  });

  it('a decorator whose type does not fit names both types', () => {
    expect(errors.get(20)).toContain(`DecoratorTypeMismatch<{ property: "name"; decorator: number; declared: string; }>`);
  });

  it('a decorator on another kind of port names both kinds', () => {
    expect(errors.get(25)).toContain(`DecoratorKindMismatch<{ property: "name"; decorator: "output"; declared: "input"; }>`);
  });

  it('a decorator on a property that is no port says which port type to declare', () => {
    expect(errors.get(30)).toContain(`NotAPortProperty<{ property: "name"; expected: "InputPort<T>"; }>`);
  });

  it('reports nothing else in the probe', () => {
    expect([...errors.keys()].sort((a, b) => a - b)).toEqual([17, 20, 25, 30]);
  });
});

import { join } from 'node:path';
import { builtinRegistry, loadPlugin, PluginLoadError } from './index';
import { check, where, yaml } from './__fixtures__/check';

const fixtures = join(__dirname, '__fixtures__');

describe('plugins', () => {
  it('registers the @Component classes a module exports', () => {
    const registry = builtinRegistry();
    expect(loadPlugin(registry, './greet-plugin.ts', fixtures)).toEqual(['greet']);
    expect(registry.get('greet')!.description).toBe('Says hello');
  });

  it('calls a register(registry) function when the module has one', () => {
    const registry = builtinRegistry();
    expect(loadPlugin(registry, join(fixtures, 'register-plugin.ts'))).toEqual(['answer']);
  });

  it('fails clearly for a missing module or one that registers nothing', () => {
    expect(() => loadPlugin(builtinRegistry(), './missing.js', fixtures)).toThrow(PluginLoadError);
    expect(() => loadPlugin(builtinRegistry(), './empty-plugin.ts', fixtures)).toThrow(/registered no components/);
  });

  const WITH_PLUGIN = yaml('plugins: [./greet-plugin.ts]', 'pipeline:', '  - { name: hi, operation: greet, params: { who: you } }');

  it('does not load plugins a workflow file lists unless allowed', () => {
    const result = check(WITH_PLUGIN, { file: join(fixtures, 'flow.yaml') });
    expect(where(result.problems)).toEqual(['1:11 plugin-not-allowed', '3:28 unknown-component']);
    expect(result.problems[0]!.hint).toMatch(/--allow-plugins/);
  });

  it('loads them, relative to the file, into a fork of the registry when allowed', () => {
    const registry = builtinRegistry();
    const result = check(WITH_PLUGIN, { file: join(fixtures, 'flow.yaml'), allowPlugins: true, registry });
    expect(result.ok).toBe(true);
    expect(registry.has('greet')).toBe(false);
  });
});

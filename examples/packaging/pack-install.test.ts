import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a user gets from npm: every package packed as a tarball, installed
 * into a fresh project outside the repository, a program compiled with the
 * compiler settings docs/use-in-your-project.md gives (CommonJS and ES
 * modules) and run, and the portflow command's --help.
 */
const root = join(__dirname, '..', '..');
const packages = ['core', 'workflow', 'data', 'workers', 'store', 'runs', 'distributed', 'server', 'client', 'cli'];
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** The environment without npm's own variables from the `npm test` that runs us. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));

/** The JSON blocks of the guide, by the path their `<!-- config: ... -->` marker gives. */
function documentedConfigs(): Map<string, string> {
  const lines = readFileSync(join(root, 'docs', 'use-in-your-project.md'), 'utf8').split('\n');
  const configs = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- config: (\S+) -->$/.exec(lines[i]!.trim());
    if (!marker) continue;
    const end = lines.findIndex((l, k) => k > i + 1 && l.startsWith('```'));
    configs.set(marker[1]!, lines.slice(i + 2, end).join('\n'));
  }
  return configs;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${String(result.status)}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('the packages as npm delivers them', () => {
  let dir: string;
  let tarballs: Map<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portflow-pack-'));
    tarballs = new Map();
    for (const name of packages) {
      const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: join(root, 'packages', name), env, encoding: 'utf8' });
      tarballs.set(name, join(dir, out.trim().split('\n').pop()!));
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'packaging-check', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.values(), 'class-validator@0.14', 'reflect-metadata@0.2', '@types/node@20'], dir);
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships README, LICENSE, the build and the sources its source maps point at, and no tests', () => {
    for (const [name, tarball] of tarballs) {
      const files = run('tar', ['-tzf', tarball], dir).split('\n');
      expect(files).toEqual(expect.arrayContaining(['package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/src/index.ts']));
      expect(files.filter((f) => f.endsWith('.test.ts') || f.includes('__fixtures__'))).toEqual([]);
      if (name === 'server') expect(files).toEqual(expect.arrayContaining(['package/web/index.html', 'package/web/app.js', 'package/web/style.css'])); // the web view
    }
  });

  it.each(['cjs', 'esm'])('compiles and runs a program against the tarballs as %s', (kind) => {
    const configs = documentedConfigs();
    const project = join(dir, kind);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), configs.get(`${kind}/package.json`)!);
    writeFileSync(join(project, 'tsconfig.json'), configs.get(`${kind}/tsconfig.json`)!);
    cpSync(join(__dirname, 'app', 'src'), join(project, 'src'), { recursive: true });
    const location = kind === 'esm' ? 'import.meta.url' : '__filename';
    const ops = join(project, 'src', 'ops.ts');
    writeFileSync(ops, readFileSync(ops, 'utf8').replace('MODULE_LOCATION', location));
    run(process.execPath, [tsc, '-p', project], project);
    expect(readdirSync(join(project, 'dist'))).toEqual(expect.arrayContaining(['main.js', 'ops.js']));
    const out = run(process.execPath, [join(project, 'dist', 'main.js')], project);
    expect(out.trim().split('\n')).toEqual(['core 25', 'workers 21 true', 'workflow 14']);
  }, 120_000);

  it('runs portflow --help from the installed CLI, pointing at docs that are in the package', () => {
    const out = run(process.execPath, [join(dir, 'node_modules', '.bin', 'portflow'), '--help'], dir);
    expect(out).toMatch(/Usage: portflow/);
    const docs = /Docs: (\S+)\/cli\.md/.exec(out)?.[1];
    expect(docs).toBeDefined();
    expect(readFileSync(join(dir, docs!, 'cli.md'), 'utf8')).toMatch(/^# /);
  });
});

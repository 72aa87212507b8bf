#!/usr/bin/env node
/**
 * `npm run bench` (repo root) / `node bench/dist/cli.js [options]`: runs
 * every benchmark and prints a markdown report on stdout; progress goes to
 * stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FULL, QUICK, runBench, type BenchOptions } from './bench';
import { renderMarkdown } from './report';
import { RUNNER_IDS, type RunnerId } from './runners/runner';
import type { Shape } from './workloads';

const HELP = `usage: npm run bench -- [options]

  --quick             small sizes (N = 100, 500), 3 repetitions, one shared child: seconds, for smoke tests
  --json[=FILE]       also write machine-readable results (default bench/results/latest.json)
  --md=FILE           also write the markdown report to FILE
  --sizes=A,B,...     graph sizes (default 1000,10000,100000)
  --shapes=S,...      chain, wide, layered (default all)
  --runners=R,...     ${RUNNER_IDS.join(', ')} (default all)
  --reps=N            measured repetitions per cell (default 5)
  --timeout=S         seconds one run may take before a runner is skipped (default 60)
  --warmup-runs=N     warm-up runs before each measurement, at least (default 3)
  --warmup-ms=MS      keep warming up until this much time has passed, up to 50 runs (default 1000)
  --shared / --isolate  one shared child process, or one per measurement (default: isolate, except --quick)
  --no-cpu            skip the worker-pool benchmarks
  --cpu-only          run only the worker-pool benchmarks (no scheduling or I/O cells)
  --overhead-tasks=N  no-op tasks in the worker-pool overhead benchmark (default 2000, --quick 500)
  --quiet             no progress on stderr
`;

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseArgs(argv: readonly string[]): { options: BenchOptions; json?: string; md?: string; quiet: boolean } {
  let options: BenchOptions = argv.includes('--quick') ? { ...QUICK } : { ...FULL };
  let json: string | undefined;
  let md: string | undefined;
  let quiet = false;
  for (const arg of argv) {
    const [flag, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (flag) {
      case '--quick':
        break;
      case '--json':
        json = resolve(value ?? join(__dirname, '..', 'results', 'latest.json'));
        break;
      case '--md':
        if (!value) throw new Error('--md needs a file: --md=FILE');
        md = resolve(value);
        break;
      case '--sizes':
        options = { ...options, sizes: list(value ?? '').map(Number) };
        break;
      case '--shapes':
        options = { ...options, shapes: list(value ?? '') as Shape[] };
        break;
      case '--runners':
        options = { ...options, runners: list(value ?? '') as RunnerId[] };
        break;
      case '--reps':
        options = { ...options, reps: Number(value) };
        break;
      case '--timeout':
        options = { ...options, timeoutMs: Number(value) * 1000 };
        break;
      case '--warmup-runs':
        options = { ...options, warmupRuns: Number(value) };
        break;
      case '--warmup-ms':
        options = { ...options, warmupMs: Number(value) };
        break;
      case '--shared':
        options = { ...options, isolate: false };
        break;
      case '--isolate':
        options = { ...options, isolate: true };
        break;
      case '--no-cpu':
        options = { ...options, cpu: false };
        break;
      case '--cpu-only':
        options = { ...options, scheduling: false, cpu: true };
        break;
      case '--overhead-tasks':
        options = { ...options, overheadTasks: Number(value) };
        break;
      case '--quiet':
        quiet = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default:
        throw new Error(`unknown option ${arg}\n\n${HELP}`);
    }
  }
  const problems: string[] = [];
  if (options.sizes.length === 0 || options.sizes.some((n) => !Number.isInteger(n) || n < 1)) problems.push('--sizes must be whole numbers >= 1');
  if (options.shapes.some((s) => !['chain', 'wide', 'layered'].includes(s))) problems.push('--shapes takes chain, wide, layered');
  if (options.runners.length === 0 || options.runners.some((r) => !RUNNER_IDS.includes(r))) problems.push(`--runners takes ${RUNNER_IDS.join(', ')}`);
  if (!Number.isInteger(options.reps) || options.reps < 1) problems.push('--reps must be a whole number >= 1');
  if (!(options.timeoutMs > 0)) problems.push('--timeout must be a number of seconds > 0');
  if (!Number.isInteger(options.overheadTasks) || options.overheadTasks < 1) problems.push('--overhead-tasks must be a whole number >= 1');
  if (problems.length > 0) throw new Error(problems.join('\n'));
  // Keep the runners in table order whatever order they were given in.
  options = { ...options, runners: RUNNER_IDS.filter((r) => options.runners.includes(r)) };
  return { options, json, md, quiet };
}

async function main(): Promise<void> {
  const { options, json, md, quiet } = parseArgs(process.argv.slice(2));
  const log = quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  const results = await runBench({ ...options, log });
  const markdown = renderMarkdown(results);
  process.stdout.write(markdown);
  if (json !== undefined) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
    log?.(`results written to ${json}`);
  }
  if (md !== undefined) {
    mkdirSync(dirname(md), { recursive: true });
    writeFileSync(md, markdown);
    log?.(`report written to ${md}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

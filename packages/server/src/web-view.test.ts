/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Gates, heldRegistry } from './__fixtures__/web-held-steps';
import { startService, type RunningService } from './start-service';

/**
 * The web view in a real browser (Debian's chromium through playwright-core)
 * against the real service: held steps are released one by one and the
 * page must follow. Waits are Playwright's (selectors and functions polled
 * by the browser), never fixed sleeps.
 */

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(__dirname, '..', '..', '..', 'test-output');
const TOKEN = 'web-view-test-token-0123456789abcdef';
const CHAIN = ['extract', 'transform', 'load', 'publish'];
const LAYERS = 10;
const WIDTH = 50;

const chainYaml = `name: chain
description: Four held steps in a line; transform fails once and is retried
pipeline:
  - name: extract
    operation: hold
  - name: transform
    operation: hold
    depends_on: [extract]
    retry: { max_attempts: 2, backoff_ms: [300] }
  - name: load
    operation: hold
    depends_on: [transform]
  - name: publish
    operation: hold
    depends_on: [load]
`;

/** 500 steps: 10 layers of 50, each step after two of the layer before. */
function bigYaml(): string {
  const lines = ['name: big', 'description: 500 held steps', 'settings:', '  max_parallel: 64', 'pipeline:'];
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let i = 0; i < WIDTH; i++) {
      lines.push(`  - name: big_${layer}_${i}`, '    operation: hold');
      if (layer > 0) lines.push(`    depends_on: [big_${layer - 1}_${i}, big_${layer - 1}_${(i + 1) % WIDTH}]`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const tinyYaml = `name: tiny
description: One step the test releases at once
pipeline:
  - name: tiny_only
    operation: hold
`;

const sleepyYaml = `name: sleepy
description: One step that waits until cancelled
pipeline:
  - name: sleepy_wait
    operation: hold
`;

const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('web view', () => {
  let dir: string;
  let gates: Gates;
  let service: RunningService | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The web view test needs Chromium at ${CHROMIUM}: run apt-get install -y chromium`);
    dir = await mkdtemp(join(tmpdir(), 'portflow-web-'));
    await mkdir(join(dir, 'flows'));
    await Promise.all([
      writeFile(join(dir, 'flows', 'chain.yaml'), chainYaml),
      writeFile(join(dir, 'flows', 'big.yaml'), bigYaml()),
      writeFile(join(dir, 'flows', 'tiny.yaml'), tinyYaml),
      writeFile(join(dir, 'flows', 'sleepy.yaml'), sleepyYaml),
      mkdir(OUTPUT, { recursive: true }),
    ]);
    gates = new Gates();
    gates.failFirst.add('transform');
    gates.releaseAll('tiny_');
    service = await startService({ workflows: join(dir, 'flows'), store: join(dir, 'store.db'), registry: heldRegistry(gates), host: '127.0.0.1', port: 0, maxConcurrentRuns: 4, maxQueuedRuns: 20 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  }, 60_000);

  afterAll(async () => {
    gates?.releaseAll('');
    await browser?.close();
    await service?.close({ drain: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  /** A fresh page that records script errors; `check()` fails the test on any. */
  async function openPage(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 401/.test(message.text())) errors.push(`console: ${message.text()}`);
    });
    return { page, errors, close: () => context.close() };
  }

  async function submit(url: string, workflow: string, token?: string): Promise<string> {
    const response = await fetch(`${url}/workflows/${workflow}/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: '{}',
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { executionId: string }).executionId;
  }

  const statuses = (page: Page): Promise<Record<string, string>> =>
    page.$$eval('svg.dag [data-step]', (nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute('data-step')!, n.getAttribute('data-status')!])));

  it('draws the DAG of an execution and turns it green step by step, with the timeline, logs and cancel button', async () => {
    const { page, errors, close } = await openPage();
    try {
      const id = await submit(service!.url, 'chain');
      await page.goto(`${service!.url}/#/executions/${id}`);
      await page.waitForSelector('svg.dag[data-ready="true"]');
      expect(await page.locator('svg.dag [data-step]').count()).toBe(4);
      await page.waitForSelector('[data-step="extract"][data-status="running"]');
      expect(await statuses(page)).toEqual({ extract: 'running', transform: 'waiting', load: 'waiting', publish: 'waiting' });
      await page.waitForSelector('#cancel:visible');
      await page.waitForSelector('.badge.large[data-status="running"]');

      for (let k = 1; k <= CHAIN.length; k++) {
        gates.release(CHAIN[k - 1]!);
        await page.waitForSelector(`[data-step="${CHAIN[k - 1]}"][data-status="succeeded"]`);
        const next = CHAIN[k];
        // transform's first attempt fails on purpose: wait for its second one
        if (next !== undefined) await page.waitForSelector(`[data-step="${next}"][data-status="running"]${next === 'transform' ? '[aria-label*="attempt 2"]' : ''}`);
        const expected = Object.fromEntries(CHAIN.map((step, i) => [step, i < k ? 'succeeded' : i === k ? 'running' : 'waiting']));
        expect(await statuses(page)).toEqual(expected);
        if (k === 2) {
          await page.click('[data-step="transform"]');
          await page.waitForSelector('table.attempts tbody tr:nth-child(3)'); // attempt 1, the wait, attempt 2
          await page.screenshot({ path: join(OUTPUT, 'web-view.png'), fullPage: true });
        }
      }

      await page.waitForSelector('.badge.large[data-status="succeeded"]');
      await page.waitForSelector('#cancel', { state: 'hidden' });
      // the transform step's attempts: the failed one, the wait, the one that succeeded
      const attempts = await page.$$eval('table.attempts tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
      expect(attempts).toEqual([expect.stringMatching(/#1.*failed.*on purpose/), expect.stringMatching(/waited .* before retrying/), expect.stringMatching(/#2.*succeeded/)]);
      // its logs: the stored lines of both attempts
      await page.locator('ol.logs li', { hasText: 'transform released' }).waitFor();
      const logs = await page.$$eval('ol.logs li', (items) => items.map((li) => li.textContent ?? ''));
      expect(logs.every((line) => line.includes('transform'))).toBe(true);
      expect(logs.some((line) => line.includes('fails its first attempt on purpose'))).toBe(true);
      await page.screenshot({ path: join(OUTPUT, 'web-view-finished.png'), fullPage: true });

      // the list shows it, succeeded, with a link to its page
      await page.goto(`${service!.url}/#/`);
      await page.waitForSelector(`tr[data-execution="${id}"][data-status="succeeded"] a[href="#/executions/${id}"]`);
      await page.screenshot({ path: join(OUTPUT, 'web-view-list.png') });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('renders a 500-step DAG and follows its statuses live', async () => {
    const { page, errors, close } = await openPage();
    try {
      const id = await submit(service!.url, 'big');
      const opened = Date.now();
      await page.goto(`${service!.url}/#/executions/${id}`);
      await page.waitForSelector('svg.dag[data-ready="true"]', { timeout: 60_000 });
      const shown = Date.now() - opened;
      expect(await page.locator('svg.dag [data-step]').count()).toBe(LAYERS * WIDTH);
      const timing = await page.$eval('svg.dag', (svg) => ({ layoutMs: Number(svg.getAttribute('data-layout-ms')), drawMs: Number(svg.getAttribute('data-draw-ms')), firstRenderMs: Number(svg.getAttribute('data-first-render-ms')) }));
      console.log(`web view, 500 steps: first render ${timing.firstRenderMs} ms after the view started (dagre layout ${timing.layoutMs} ms, SVG ${timing.drawMs} ms); ${shown} ms from navigation to the DAG in the test`);
      await page.waitForSelector('[data-step="big_0_0"][data-status="running"]');
      await gates.until(() => gates.started.filter((s) => s.startsWith('big_0_')).length === WIDTH);
      await page.waitForSelector('svg.dag [data-step^="big_0_"]:not([data-status="running"])', { state: 'detached' }); // all of layer 0 running
      const released = Date.now();
      gates.releaseAll('big_');
      await page.waitForSelector('svg.dag [data-step]:not([data-status="succeeded"])', { state: 'detached', timeout: 90_000 }); // every step succeeded
      expect(await page.locator('svg.dag [data-step][data-status="succeeded"]').count()).toBe(LAYERS * WIDTH);
      console.log(`web view, 500 steps: all succeeded on the page ${Date.now() - released} ms after the release`);
      await page.waitForSelector('.badge.large[data-status="succeeded"]');
      await page.screenshot({ path: join(OUTPUT, 'web-view-500.png') });
      expect(await page.$eval('.legend [data-status="succeeded"] .count', (n) => n.textContent)).toBe(String(LAYERS * WIDTH));
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);

  it('reconnects a dropped event stream with Last-Event-ID and applies each event once', async () => {
    gates.release(...CHAIN);
    const id = await submit(service!.url, 'chain');
    await service!.manager.waitForAll();
    const { page, errors, close } = await openPage();
    const requests: (string | undefined)[] = [];
    try {
      await page.route(`**/executions/${id}/events`, async (route) => {
        requests.push(route.request().headers()['last-event-id']);
        if (requests.length > 1) return route.continue();
        // the first connection drops after the second engine event (extract has started), before `end`
        const response = await route.fetch();
        const messages = (await response.text()).split('\n\n');
        const cut = messages.findIndex((m, i) => messages.slice(0, i + 1).filter((x) => x.includes('event: engine')).length === 2);
        await route.fulfill({ response, body: `${messages.slice(0, cut + 1).join('\n\n')}\n\n` });
      });
      const reconnected = page.waitForRequest((request) => request.url().endsWith(`/executions/${id}/events`) && request.headers()['last-event-id'] !== undefined);
      await page.goto(`${service!.url}/#/executions/${id}`);
      await reconnected;
      await page.waitForSelector('.connection:has-text("ended succeeded")'); // the second stream's `end`
      await page.waitForSelector('.badge.large[data-status="succeeded"]');
      expect(requests).toHaveLength(2);
      expect(requests[0]).toBeUndefined();
      expect(requests[1]).toMatch(/^[\w-]+:2$/);
      expect(await statuses(page)).toEqual(Object.fromEntries(CHAIN.map((step) => [step, 'succeeded'])));
      await page.click('[data-step="transform"]');
      // attempt 1, the wait, attempt 2: nothing twice
      expect(await page.locator('table.attempts tbody tr').count()).toBe(3);
      await page.click('[data-step="extract"]');
      expect(await page.$$eval('table.attempts tbody tr', (rows) => rows.map((r) => r.textContent ?? ''))).toEqual([expect.stringMatching(/#1.*succeeded/)]);
      expect(await page.$eval('.legend [data-status="succeeded"] .count', (n) => n.textContent)).toBe('4');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('says so when the execution does not exist', async () => {
    const { page, errors, close } = await openPage();
    try {
      await page.goto(`${service!.url}/#/executions/no-such-execution`);
      await page.waitForSelector('.banner.error:has-text("There is no execution no-such-execution")');
      expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    } finally {
      await close();
    }
  }, 30_000);

  it('cancels a running execution from the keyboard', async () => {
    const { page, errors, close } = await openPage();
    try {
      const id = await submit(service!.url, 'sleepy');
      await page.goto(`${service!.url}/#/executions/${id}`);
      await page.waitForSelector('[data-step="sleepy_wait"][data-status="running"]');
      await page.focus('#cancel');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.badge.large[data-status="cancelled"]');
      await page.waitForSelector('[data-step="sleepy_wait"][data-status="cancelled"]');
      await page.waitForSelector('#cancel', { state: 'hidden' });
      expect((await service!.manager.get(id))?.status).toBe('cancelled');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('asks for the token on 401, keeps it for the tab and works with it', async () => {
    const guarded = await startService({ workflows: join(dir, 'flows'), store: join(dir, 'guarded.db'), registry: heldRegistry(gates), host: '127.0.0.1', port: 0, token: TOKEN });
    const { page, errors, close } = await openPage();
    try {
      await page.goto(`${guarded.url}/`);
      await page.waitForSelector('#auth:visible');
      await page.fill('#token', 'not-the-token');
      await page.press('#token', 'Enter');
      await page.waitForSelector('#auth-message:has-text("refused")');

      await page.fill('#token', TOKEN);
      await page.click('#auth button[type="submit"]');
      await page.waitForSelector('table.executions');
      expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('portflow.token'))).toBe(TOKEN);

      // run a workflow from the page's form
      await page.click('details.run summary');
      await page.waitForSelector('#run-workflow option[value="tiny"]', { state: 'attached' });
      await page.selectOption('#run-workflow', 'tiny');
      await page.click('.run-form button[type="submit"]');
      await page.waitForURL(/#\/executions\//);
      await page.waitForSelector('[data-step="tiny_only"][data-status="succeeded"]');
      await page.waitForSelector('.badge.large[data-status="succeeded"]');

      // a reload keeps the token (sessionStorage)
      await page.reload();
      await page.waitForSelector('[data-step="tiny_only"][data-status="succeeded"]');
      expect(await page.isHidden('#auth')).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await close();
      await guarded.close({ drain: false });
    }
  }, 90_000);
});

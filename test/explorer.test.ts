/**
 * The explorer page in a real browser: headless Debian Chromium (playwright-core, never a downloaded
 * browser) loads the static build dist/explorer/ from `npm run explorer`'s server, and the test
 *  - reads the plotted numbers back from the flows figure and compares them with theory() run here,
 *    before and after changing controls (C_W, the activation, a parametrized activation);
 *  - reloads the page from its URL and gets the same view;
 *  - runs a small ensemble at two widths in Web Workers and compares the plotted points with the same
 *    ensembles run here (same seed: identical whatever the workers);
 *  - starts a big one and cancels it;
 *  - exports a figure as SVG and its data as JSON;
 *  - saves screenshots under test-artifacts/ (gitignored) to look at.
 * A missing /usr/bin/chromium fails, unless WIDEFLOW_NO_CHROMIUM=1 says skipping is intended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as wf from '../ts/node.js';
import { requireBuilt, root } from './fixtures/browser/built.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(root, 'test-artifacts');
const skip = !existsSync(CHROMIUM) && process.env.WIDEFLOW_NO_CHROMIUM === '1';

let server: ChildProcess;
let origin: string;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const logs: string[] = [];

beforeAll(async () => {
  if (skip) return;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium, or set WIDEFLOW_NO_CHROMIUM=1 to skip the browser tests on purpose`);
  requireBuilt(['dist/explorer/index.html', 'dist/explorer/explorer.js', 'dist/explorer/wideflow.js', 'dist/explorer/wideflow-plot.js', 'dist/explorer/ensemble-worker.js']);
  mkdirSync(ARTIFACTS, { recursive: true });
  await wf.init();
  // The server of `npm run explorer`, on a free port.
  server = spawn(process.execPath, [join(root, 'scripts/serve-explorer.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) resolve(m[0]);
    });
    server.on('exit', (c) => reject(new Error(`serve-explorer exited with ${c}: ${out}`)));
  });
  userDataDir = mkdtempSync(join(tmpdir(), 'wideflow-explorer-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    // A laptop screen.
    viewport: { width: 1366, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => m.type() === 'error' && logs.push(`console.error: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  server?.kill();
});

/** Values of one flows panel, read from the <title> of every dot ("… = value"), per series in order. */
async function flowValues(panel: string): Promise<number[]> {
  return page.$$eval(`#plot-flows g.wf-panel[data-panel="${panel}"] g.wf-series-dot title`, (ts) => ts.map((t) => Number(/= (\S+)$/.exec(t.textContent ?? '')![1])));
}

async function version(): Promise<number> {
  return Number(await page.getAttribute('#plot-flows', 'data-version'));
}

/** Runs `act` and waits until the flows figure has been redrawn. */
async function redraw(act: () => Promise<void>): Promise<void> {
  const v = await version();
  await act();
  await page.waitForFunction((v0) => Number(document.getElementById('plot-flows')!.dataset.version) > v0, v, { timeout: 30_000 });
}

function close(a: number[], b: number[], rel = 1e-12): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]), `[${i}] ${x} vs ${b[i]}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b[i]))));
}

const base = { depth: 5, width: 32, inputWidth: 8, outputWidth: 4, Cb: 0, lambdaB: 1, lambdaW: 1, input: { x2: 1 } };
const query = 'act=tanh&L=5&Cb=0&CW=1&lb=1&lw=1&x2=1&n0=8&n=32&widths=4,8&N=200&workers=2&seed=3&cq=V,A,B,D';

test.skipIf(skip)('flows: plotted numbers equal theory(), and follow the controls and the URL', async () => {
  await page.goto(`${origin}/?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready, undefined, { timeout: 60_000 });
  expect(await page.getAttribute('body', 'data-ready'), logs.join('\n')).toBe('1');
  await page.screenshot({ path: join(ARTIFACTS, 'explorer-1-initial.png') });

  const t1 = wf.theory({ ...base, activation: 'tanh', CW: 1 });
  close(await flowValues('K'), t1.layers.map((l) => l.K));
  close(await flowValues('norm.V'), t1.layers.map((l) => l.V / (l.n * l.K * l.K)));

  // C_W 1 → 1.5: every K changes, to the theory's values at the new C_W.
  const before = await flowValues('K');
  await redraw(() => page.fill('#CW', '1.5'));
  const t2 = wf.theory({ ...base, activation: 'tanh', CW: 1.5 });
  const after = await flowValues('K');
  close(after, t2.layers.map((l) => l.K));
  expect(after.slice(1).every((k, i) => k !== before[i + 1])).toBe(true);
  expect(page.url()).toMatch(/[?&]CW=1\.5(&|$)/);

  // Another activation, then a parametrized one.
  await redraw(() => page.selectOption('#activation', 'relu').then(() => undefined));
  close(await flowValues('Theta'), wf.theory({ ...base, activation: 'relu', CW: 1.5 }).layers.map((l) => l.Theta));
  await redraw(() => page.selectOption('#activation', 'leaky_relu').then(() => undefined));
  expect(await page.isVisible('#param')).toBe(true);
  await redraw(() => page.fill('#param', '0.2'));
  const leaky = wf.theory({ ...base, activation: { name: 'leaky_relu', slope: 0.2 }, CW: 1.5 });
  close(await flowValues('K'), leaky.layers.map((l) => l.K));
  expect(page.url()).toMatch(/act=leaky_relu/);
  await page.screenshot({ path: join(ARTIFACTS, 'explorer-2-leaky-relu.png') });

  // The URL is the state: a fresh load of it shows the same network and the same numbers.
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
  expect(await page.inputValue('#CW')).toBe('1.5');
  expect(await page.inputValue('#param')).toBe('0.2');
  close(await flowValues('K'), leaky.layers.map((l) => l.K));

  // The kernel card: correlations K_αβ/√(K_αα K_ββ) of N inputs on a circle, as kernels() gives them here.
  await redraw(() => page.fill('#N_in', '6'));
  const corr = await page.$$eval('#plot-kernels g.wf-panel[data-panel="5"] g.wf-kernel-cell title', (ts) => ts.map((t) => Number(/= (\S+)$/.exec(t.textContent ?? '')![1])));
  const r = Math.sqrt(8);
  const inputs = Array.from({ length: 6 }, (_, a) => [r * Math.cos((2 * Math.PI * a) / 6), r * Math.sin((2 * Math.PI * a) / 6), 0, 0, 0, 0, 0, 0]);
  const K5 = wf.kernels({ activation: { name: 'leaky_relu', slope: 0.2 }, depth: 5, Cb: 0, CW: 1.5, lambdaB: 1, lambdaW: 1, inputs }).layers[4].K;
  close(corr, Array.from({ length: 36 }, (_, i) => K5[i] / Math.sqrt(K5[Math.floor(i / 6) * 7] * K5[(i % 6) * 7])));

  // A pinned network is overlaid: two series per panel.
  await redraw(() => page.click('#pin'));
  await redraw(() => page.fill('#CW', '2'));
  expect(await page.$$eval('#plot-flows g.wf-panel[data-panel="K"] g.wf-series-line path', (p) => p.length)).toBe(2);
  const two = await flowValues('K');
  close(two, [
    ...wf.theory({ ...base, activation: { name: 'leaky_relu', slope: 0.2 }, CW: 2 }).layers.map((l) => l.K),
    ...leaky.layers.map((l) => l.K),
  ]);
  await page.screenshot({ path: join(ARTIFACTS, 'explorer-3-pinned.png') });

  // Bad input: the typed error's message is shown, naming the parameter; the last figure stays.
  const kept = await flowValues('K');
  await page.fill('#CW', '-1');
  await page.waitForFunction(() => !document.getElementById('error')!.hidden, undefined, { timeout: 30_000 });
  expect(await page.textContent('#error')).toMatch(/CW must be a finite number > 0/);
  expect(await flowValues('K')).toEqual(kept);
  await page.screenshot({ path: join(ARTIFACTS, 'explorer-3b-bad-input.png') });
  await redraw(() => page.fill('#CW', '2'));
  expect(await page.isVisible('#error')).toBe(false);
  expect(logs).toEqual([]);
});

test.skipIf(skip)('ensembles in Web Workers: points equal the same ensembles run here; cancel stops a run', async () => {
  await page.goto(`${origin}/?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
  // Record every redraw of the comparison while it runs (test-side observer; the page has no hook for it).
  await page.evaluate(() => {
    const w = window as unknown as { __draws: Array<Array<{ n: number; stderr: number }>> };
    w.__draws = [];
    new MutationObserver(() => {
      const ts = [...document.querySelectorAll('#plot-compare g.wf-panel[data-panel="5:V"] g.wf-ensemble title')];
      w.__draws.push(ts.map((t) => {
        const m = /n = (\d+) · \S+ = \S+ ± (\S+)/.exec(t.textContent ?? '')!;
        return { n: Number(m[1]), stderr: Number(m[2]) };
      }));
    }).observe(document.getElementById('plot-compare')!, { childList: true });
  });
  await page.click('#run');
  await page.waitForFunction(() => ['done', 'cancelled', 'error'].includes(document.body.dataset.ensemble ?? ''), undefined, { timeout: 120_000 });
  expect(await page.getAttribute('body', 'data-ensemble'), `${await page.textContent('#error')}\n${logs.join('\n')}`).toBe('done');
  // The last round used all 200 networks per width with seed 3: the same runs in Node give the same numbers.
  const spec = { ...base, activation: 'tanh', CW: 1 };
  const ens = [];
  for (const w of [4, 8]) ens.push(await wf.ensemble({ ...spec, width: w }, { samples: 200, seed: 3 }));
  for (const q of ['V', 'A'] as const) {
    const pts = await page.$$eval(`#plot-compare g.wf-panel[data-panel="5:${q}"] g.wf-ensemble title`, (ts) =>
      ts.map((t) => {
        const m = /n = (\d+) · \S+ = (\S+) ± (\S+)/.exec(t.textContent ?? '')!;
        return { n: Number(m[1]), value: Number(m[2]), stderr: Number(m[3]) };
      }),
    );
    expect(pts.map((p) => p.n)).toEqual([4, 8]);
    close(pts.map((p) => p.value), ens.map((e) => e.layers[4][q]!.mean));
    close(pts.map((p) => p.stderr), ens.map((e) => e.layers[4][q]!.stderr));
  }
  // The points converged while the page was watched: one redraw per (round, width), the first with one
  // width only, and the error bars of the last round (200 networks) tighter than those of the first (100).
  const draws = await page.evaluate(() => (window as unknown as { __draws: Array<Array<{ n: number; stderr: number }>> }).__draws);
  expect(draws).toHaveLength(3 * 2);
  expect(draws[0].map((p) => p.n)).toEqual([4]);
  expect(draws[1].map((p) => p.n)).toEqual([4, 8]);
  draws[5].forEach((p, i) => expect(p.stderr).toBeLessThan(draws[1][i].stderr));

  const th = wf.theory({ ...spec, width: 4 });
  const cmp = wf.compare(th, ens);
  const caption = await page.textContent('#plot-compare g.wf-panel[data-panel="5:V"] .wf-caption');
  expect(caption).toContain(`z = ${cmp.rows.find((r) => r.layer === 5 && r.quantity === 'V')!.z.toFixed(2)}`);
  await page.locator('#card-compare').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'explorer-4-ensembles.png') });
  await page.screenshot({ path: join(ARTIFACTS, 'explorer-4-ensembles-full.png'), fullPage: true });

  // A long run, cancelled once it has made progress: the page says so and can run again.
  await page.fill('#samples', '400000');
  await page.fill('#widths', '16, 32');
  await page.click('#run');
  await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value > 0, undefined, { timeout: 60_000 });
  expect(await page.isEnabled('#cancel')).toBe(true);
  await page.click('#cancel');
  await page.waitForFunction(() => document.body.dataset.ensemble === 'cancelled', undefined, { timeout: 30_000 });
  expect(await page.textContent('#progress-text')).toBe('cancelled');
  expect(await page.isEnabled('#run')).toBe(true);
  expect(await page.isEnabled('#cancel')).toBe(false);
  expect(await page.isVisible('#error')).toBe(false);
  await page.screenshot({ path: join(ARTIFACTS, 'explorer-5-cancelled.png') });
  expect(logs).toEqual([]);
});

test.skipIf(skip)('export: the flows figure as a standalone SVG and its data as JSON', async () => {
  await page.goto(`${origin}/?${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 60_000 });
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export="flows"][data-format="svg"]')]);
  expect(svgDl.suggestedFilename()).toBe('wideflow-flows.svg');
  const svg = readFileSync((await svgDl.path())!, 'utf8');
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).toContain('data-figure="flows"');
  // The page shows the figure under its card's heading; the exported file carries its own title.
  expect(svg).toContain('class="wf-title"');
  expect(await page.$$eval('#plot-flows .wf-title', (t) => t.length)).toBe(0);
  const [jsonDl] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export="flows"][data-format="json"]')]);
  const data = JSON.parse(readFileSync((await jsonDl.path())!, 'utf8'));
  const t = wf.theory({ ...base, activation: 'tanh', CW: 1 });
  close(data.networks[0].layers.map((l: { K: number }) => l.K), t.layers.map((l) => l.K), 0);
  expect(data.plotted.filter((p: { quantity: string }) => p.quantity === 'K')).toHaveLength(5);
});

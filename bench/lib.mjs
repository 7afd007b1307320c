// Shared helpers of the benchmark suites: timing (tinybench), the raw wasm core, the Python peers,
// and the result rows that `run.mjs` prints and writes to bench/results.json.
import { Bench } from 'tinybench';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where the built package is read from: the work tree, or a snapshot of it (see `snapshotBuild`). */
let BASE = new URL('../', import.meta.url);
const dist = () => new URL('dist/', BASE);

/**
 * Copies dist/ and wasm/ to a temporary folder and reads the package from there for the rest of the
 * run: a rebuild of the work tree during a long run (workers load dist/ts/parallel/ensemble-worker.js and the
 * wasm anew at every call) would otherwise mix two builds in one measurement. Returns the folder.
 */
export function snapshotBuild() {
  const dir = mkdtempSync(join(tmpdir(), 'wideflow-bench-'));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'wasm'), join(dir, 'wasm'), { recursive: true });
  BASE = pathToFileURL(dir + '/');
  return dir;
}

/**
 * Times `fn` with tinybench: `warmupTime` ms of warm-up (V8 tiers a wasm export up only after its
 * first long calls, toolchain.md §2), then at least `iterations` calls or `time` ms. Returns
 * milliseconds per call: median, min, and the sample count.
 */
export async function measure(fn, { time = 400, iterations = 10, warmupTime = 100, warmupIterations = 3 } = {}) {
  const bench = new Bench({ time, iterations, warmup: true, warmupTime, warmupIterations, throws: true });
  bench.add('task', fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (!r || !r.latency) throw new Error(`benchmark failed: ${r?.state ?? 'no result'} ${r?.error ?? ''}`);
  return { median: r.latency.p50, min: r.latency.min, samples: r.latency.samplesCount };
}

/** Times a long-running async or sync job `reps` times by hand (for jobs of ≥ 100 ms). */
export async function measureSlow(fn, reps = 3, warm = 1) {
  for (let i = 0; i < warm; i++) await fn();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], min: t[0], samples: t.length };
}

let rawCore = null;
/** A private instance of the SIMD wasm core (bindings/core.js `WasmCore`), separate from `init()`'s. */
export async function wasmRaw() {
  if (rawCore) return rawCore;
  const { instantiate } = await import(new URL('bindings/core.js', dist()));
  const bytes = readFileSync(new URL('wasm/wideflow.simd.wasm', BASE));
  rawCore = await instantiate(bytes);
  return rawCore;
}

/** True when the raw wasm core exports `name` (an old artifact may lack a kernel still being written). */
export function hasExport(core, name) {
  return typeof core.exports[name] === 'function';
}

/** The package's public API, as users import it (dist/ts/node.js), after `init()`. */
let api = null;
export async function wideflow() {
  if (api) return api;
  api = await import(new URL('ts/node.js', dist()));
  await api.init();
  return api;
}

/** An internal module of the built package (for the pure-TS twins), or null when not built yet. */
export async function internal(path) {
  const u = new URL(path, dist());
  if (!existsSync(fileURLToPath(u))) return null;
  return import(u);
}

/** The Python interpreter for the peers: the bench venv when it exists, else `python3`, else null. */
export function python() {
  const venv = process.env.WIDEFLOW_BENCH_VENV ?? `${ROOT}bench/.venv`;
  for (const p of [`${venv}/bin/python`, 'python3']) {
    const r = spawnSync(p, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
    if (r.status === 0) return { exe: p, version: r.stdout.trim() };
  }
  return null;
}

/** True when `py` can import every module in `mods`. */
export function pyHas(py, ...mods) {
  if (!py) return false;
  const r = spawnSync(py.exe, ['-c', mods.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  return r.status === 0;
}

/** True when `taskset` (util-linux) can pin a process to CPU 0 here. */
export function hasTaskset() {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/** Runs a Python snippet or script and parses the last stdout line as JSON; `cpu0` pins it to one core. */
export function pyJson(py, args, { timeout = 1_800_000, env = {}, cpu0 = false } = {}) {
  const [exe, argv] = cpu0 ? ['taskset', ['-c', '0', py.exe, ...args]] : [py.exe, args];
  const out = execFileSync(exe, argv, {
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 << 20,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * One line of the results table. `ratio` is the figure the target is about (e.g. wasm/js); `target`
 * a human text; `met` true/false, or null when there is no target or the comparison was skipped.
 */
export function row(r) {
  return { item: '', what: '', unit: '', wasm: null, js: null, peer: null, ratio: null, target: '', met: null, note: '', ...r };
}

export const fmt = (v, digits = 3) => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
};

/** A plain-text table (also valid Markdown). */
export function table(rows) {
  const head = ['item', 'what', 'unit', 'wasm', 'js', 'peer', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [
    r.item, r.what, r.unit, fmt(r.wasm), fmt(r.js), fmt(r.peer), r.ratio === null ? '—' : `${fmt(r.ratio)}×`, r.target || '—',
    r.met === null ? '—' : r.met ? 'met' : 'NOT met',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => `| ${c.map((x, i) => String(x).padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

function cpuTimes() {
  const l = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = l[3] + (l[4] ?? 0);
  return { idle, total: l.reduce((a, b) => a + b, 0) };
}

/** Fraction of all CPU time that was busy over the next `ms` milliseconds (Linux; null elsewhere). */
export async function cpuBusy(ms = 1000) {
  try {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, ms));
    const b = cpuTimes();
    return 1 - (b.idle - a.idle) / Math.max(b.total - a.total, 1);
  } catch {
    return null;
  }
}

/**
 * Waits (up to `maxMs`) until other processes leave the CPUs ≥ 90 % idle for a second: the machine
 * has 2 cores, and a build or test run of someone else halves every figure (and voids 2-worker
 * scaling). Returns the busy fraction last seen, recorded with the results.
 */
export async function waitForIdle(maxMs = 120_000) {
  const t0 = performance.now();
  let busy = await cpuBusy();
  while (busy !== null && busy > 0.1 && performance.now() - t0 < maxMs) busy = await cpuBusy();
  return busy;
}

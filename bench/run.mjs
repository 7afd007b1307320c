// `npm run bench`: every item of issue 5 measured side by side in one run — wasm vs the pure-TS twin
// (and vs numpy / neural-tangents where a peer is installed). Prints a table and writes
// bench/results.json. Needs a build (`npm run build`); never part of `npm test`.
//
//   node bench/run.mjs [--quick] [--only=normals,gemm,ensemble,theory,peers,kernels,train]
//
// Peers: numpy from the bench venv or the system python3; neural-tangents only from the bench venv
// (`bash bench/peers/setup-venv.sh`). A missing peer skips its lines, never the run.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ROOT, python, snapshotBuild, table, waitForIdle } from './lib.mjs';

const SUITES = ['normals', 'gemm', 'ensemble', 'theory', 'peers', 'kernels', 'train'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice(7).split(',') : SUITES;
for (const s of only) if (!SUITES.includes(s)) throw new Error(`unknown suite ${s}; known: ${SUITES.join(', ')}`);

if (!existsSync(fileURLToPath(new URL('../dist/ts/node.js', import.meta.url)))) {
  console.error('bench: dist/ not built; run `npm run build` first');
  process.exit(1);
}

function machine() {
  let cpu = 'unknown';
  try {
    cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpu;
  } catch {}
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
    if (execSync('git status --porcelain', { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' (+ uncommitted changes)';
  } catch {}
  const py = python();
  const wasmSha256 = createHash('sha256').update(readFileSync(`${snapshot}/wasm/wideflow.simd.wasm`)).digest('hex').slice(0, 16);
  return { date: new Date().toISOString(), commit, wasmSha256, node: process.version, nproc: cpus().length, cpu, python: py?.version ?? null, loadavgAtStart: loadavg() };
}

const snapshot = snapshotBuild();
const info = machine();
console.log(`wideflow bench — ${info.date}, commit ${info.commit}, node ${info.node}, ${info.nproc} × ${info.cpu}, load ${info.loadavgAtStart.map((v) => v.toFixed(2)).join(' ')}${quick ? ' (quick)' : ''}`);
// Timings are only meaningful on an otherwise idle machine (2 cores): the load average is recorded.
const results = { machine: info, quick, suites: {} };
const rows = [];
const shared = {};
for (const name of only) {
  const t0 = performance.now();
  const busy = await waitForIdle();
  process.stderr.write(`bench: ${name} (other load ${busy === null ? '?' : (100 * busy).toFixed(0) + ' %'}) …`);
  try {
    const { run } = await import(`./suites/${name}.mjs`);
    const r = await run({ quick, shared });
    results.suites[name] = { ...r.raw, cpuBusyBefore: busy };
    rows.push(...r.rows);
    if (name === 'normals' && r.rows[0]?.wasm) shared.normalsWasmMps = r.rows[0].wasm;
    process.stderr.write(` ${((performance.now() - t0) / 1e3).toFixed(1)} s\n`);
  } catch (e) {
    process.stderr.write(` failed\n`);
    console.error(e?.stack ?? e);
    results.suites[name] = { error: String(e?.message ?? e) };
    rows.push({ item: name, what: `suite failed: ${String(e?.message ?? e).slice(0, 80)}`, unit: '', wasm: null, js: null, peer: null, ratio: null, target: '', met: null, note: '' });
  }
}
results.rows = rows;
results.machine.loadavgAtEnd = loadavg();
console.log(`load average at the end: ${results.machine.loadavgAtEnd.map((v) => v.toFixed(2)).join(' ')}`);
console.log(table(rows));
const notes = rows.filter((r) => r.note).map((r) => `  ${r.item} ${r.what.trim()}: ${r.note}`);
if (notes.length) console.log(`notes:\n${notes.join('\n')}`);
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log('wrote bench/results.json');
rmSync(snapshot, { recursive: true, force: true });
// Benchmarks report; they do not fail the process on an unmet target.
process.exit(0);

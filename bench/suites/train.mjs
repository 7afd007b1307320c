// Issue 13 item 1 — the trainer: networks trained per second by `train(spec, options)` (full-batch
// gradient descent, T steps, outputs recorded at 0 and T, initial and final NTK of neuron 0), wasm vs
// the pure-TS twin, 1 and 2 workers, against a JAX CPU trainer of the same networks
// (bench/peers/train_jax.py: jit + lax.fori_loop, vmapped over a batch of networks) on one core and on
// all cores. Before timing, one network trained by both from the same initial weights must agree.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTaskset, internal, measureSlow, pyHas, pyJson, python, row, wideflow } from '../lib.mjs';

const SCRIPT = fileURLToPath(new URL('../peers/train_jax.py', import.meta.url));

/** A fixed problem: N = 16 training inputs in R^16 with 1 label, M = 4 test inputs (xorshift, fixed seed). */
function problem(n0, N, M) {
  let s = 0x2545f491;
  const u = () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 4294967296 - 0.5;
  };
  const rows = (k) => Array.from({ length: k }, () => Array.from({ length: n0 }, () => 2 * u()));
  return { X: rows(N), y: Array.from({ length: N }, () => [u()]), Xt: rows(M) };
}

const CASES = [
  // name, depth, width, steps
  { name: 'tanh L=3 n=256', act: 'tanh', depth: 3, width: 256, steps: 100 },
  { name: 'tanh L=2 n=512', act: 'tanh', depth: 2, width: 512, steps: 100 },
];
const N0 = 16, N = 16, M = 4;

export async function run({ quick }) {
  const wf = await wideflow();
  const twin = await internal('ts/twin/sampling/train/mod.js');
  const act = await internal('ts/api/activation.js');
  const py = python();
  const jaxOk = pyHas(py, 'jax');
  const rows = [];
  const raw = {};
  const data = problem(N0, N, M);
  const dir = mkdtempSync(join(tmpdir(), 'wf-train-bench-'));
  try {
    for (const c of CASES) {
      const spec = { activation: c.act, depth: c.depth, width: c.width, inputWidth: N0, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 };
      const eta = 0.5 / N; // stable for these sizes: λ_max(Θ) ≲ N·Θ_αα
      const opts = { train: { X: data.X, y: data.y }, test: { X: data.Xt }, steps: c.steps, eta, record: [0, c.steps], ntkNeurons: 1 };
      const nW = quick ? 8 : 32, nJ = quick ? 2 : 4;
      const time = async (options, samples) => {
        const m = await measureSlow(() => wf.train(spec, { ...opts, ...options, samples }), quick ? 1 : 3);
        return { ...m, perSecond: samples / (m.median / 1e3) };
      };
      const w1 = await time({ backend: 'wasm', workers: 1 }, nW);
      const j1 = await time({ backend: 'js', workers: 1 }, nJ);
      const w2 = await time({ backend: 'wasm', workers: 2 }, 2 * nW);
      const r = { wasm1: w1, js1: j1, wasm2: w2 };
      let jax1 = null, jaxAll = null, check = null;
      if (jaxOk) {
        // one network from wideflow's initial weights (network 0 of seed 0), trained by both
        const cfg = twin.packTrainConfig({
          widths: [N0, ...Array(c.depth - 1).fill(c.width), 1], Cb: Array(c.depth).fill(0.1), CW: Array(c.depth).fill(1.5),
          lambdaB: Array(c.depth).fill(1), lambdaW: Array(c.depth).fill(1), kind: act.parseActivation(c.act).kind, a: 0, seed: 0,
          xTrain: data.X.flat(), yTrain: data.y.flat(), xTest: data.Xt.flat(), nTrain: N, nTest: M, steps: c.steps, eta, tol: 0, blowup: 1e6, record: [c.steps], stride: 1, k: 0,
        });
        const d = twin.parseTrainConfig(cfg);
        const ws = new twin.Workspace(d);
        ws.draw(d, 0, 0);
        const init = { W: ws.w.slice(1).map((w, l) => Array.from({ length: d.widths[l + 1] }, (_, i) => Array.from(w.subarray(i * d.widths[l], (i + 1) * d.widths[l])))), b: ws.b.slice(1).map((b) => Array.from(b)) };
        const ours = await wf.train(spec, { ...opts, record: [c.steps], samples: 1, backend: 'wasm' });
        const base = {
          widths: d.widths, act: c.act, Cb: d.cb, CW: d.cw, lambdaB: d.lb, lambdaW: d.lw, eta, steps: c.steps,
          X: data.X, y: data.y, Xt: data.Xt, reps: quick ? 1 : 3,
        };
        const file = join(dir, `${c.depth}-${c.width}.json`);
        writeFileSync(file, JSON.stringify({ ...base, samples: quick ? 8 : 64, batch: quick ? 8 : 32, init }));
        const one = { XLA_FLAGS: '--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1' };
        jax1 = pyJson(py, [SCRIPT, file], { env: one, cpu0: hasTaskset() });
        const z = [...ours.networks[0].zTrain[0], ...ours.networks[0].zTest[0]];
        const zj = [...jax1.check.zTrain, ...jax1.check.zTest];
        check = Math.max(...z.map((v, i) => Math.abs(v - zj[i])));
        jaxAll = pyJson(py, [SCRIPT, file]);
      }
      raw[c.name] = { ...r, jax1, jaxAll, maxAbsDiffVsJax: check };
      rows.push(row({ item: '13.1', what: `train ${c.name}, ${N} inputs, ${c.steps} steps, 1 thread`, unit: 'nets/s', wasm: w1.perSecond, js: j1.perSecond, peer: jax1?.networksPerSecond ?? null, ratio: jax1 ? w1.perSecond / jax1.networksPerSecond : w1.perSecond / j1.perSecond, note: jax1 ? `ratio = wasm/JAX (1 core); wasm/js = ${(w1.perSecond / j1.perSecond).toFixed(2)}; same network vs JAX: max |Δz| = ${check.toExponential(1)}` : 'ratio = wasm/js; JAX not installed (bench/peers/setup-venv.sh)' }));
      rows.push(row({ item: '13.1', what: `  same, wasm 2 workers vs JAX all cores`, unit: 'nets/s', wasm: w2.perSecond, peer: jaxAll?.networksPerSecond ?? null, ratio: jaxAll ? w2.perSecond / jaxAll.networksPerSecond : null, note: `2 workers / 1: ${(w2.perSecond / w1.perSecond).toFixed(2)}×` }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, raw };
}

// Item 5 — peers: google/neural-tangents on this machine (CPU, float64), through bench/peers/nt_peer.py
// in the throwaway venv of bench/peers/setup-venv.sh. Skipped cleanly when the venv is absent.
//  (a) K and Θ of a depth-3 MLP over N = 128 inputs, both libraries integrating σ numerically at the
//      same degree: wideflow `kernels()` vs `stax.ElementwiseNumerical(σ, deg)`; time and max error
//      against a reference (erf: NT's closed-form `stax.Erf`; tanh: ElementwiseNumerical at degree 200).
//  (b) Monte Carlo NTK of an ensemble: wideflow `ensemble(order 'ntk')` vs `nt.monte_carlo_kernel_fn`,
//      networks per second for the same architecture and one input.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTaskset, measureSlow, pyHas, pyJson, python, row, wideflow } from '../lib.mjs';
import { rates } from './ensemble.mjs';

const SCRIPT = fileURLToPath(new URL('../peers/nt_peer.py', import.meta.url));
const N = 128, N0 = 16, DEPTH = 3, CB = 0.1, CW = 1.0;

/** N inputs in R^16 with |x|²/n₀ spread over [0.36, 1.44] (xorshift, fixed seed). */
function inputs() {
  let s = 0x9e3779b9;
  const u = () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const x = new Float64Array(N * N0);
  for (let a = 0; a < N; a++) {
    let r2 = 0;
    for (let i = 0; i < N0; i++) { const v = normal(); x[a * N0 + i] = v; r2 += v * v; }
    const scale = (0.6 + 0.6 * u()) * Math.sqrt(N0 / r2);
    for (let i = 0; i < N0; i++) x[a * N0 + i] *= scale;
  }
  return x;
}

const maxRel = (a, ref) => {
  let m = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(a[i] - ref[i]));
  return m / scale; // max abs error relative to the largest entry
};
const readF64 = (p) => { const b = readFileSync(p); return new Float64Array(b.buffer, b.byteOffset, b.length / 8); };

export async function run({ quick }) {
  const py = python();
  const rows = [];
  if (!pyHas(py, 'jax', 'neural_tangents')) {
    rows.push(row({ item: '5', what: 'neural-tangents peers', note: 'skipped: run `bash bench/peers/setup-venv.sh` to create bench/.venv with jax[cpu] + neural-tangents' }));
    return { rows, raw: { skipped: true } };
  }
  const wf = await wideflow();
  const dir = mkdtempSync(join(tmpdir(), 'wf-peers-'));
  const raw = { kernels: {}, mc: null };
  try {
    const x = inputs();
    writeFileSync(join(dir, 'x.f64'), x);
    mkdirSync(join(dir, 'one-core'));
    const spec = (activation) => ({ activation, depth: DEPTH, Cb: CB, CW, lambdaB: CB, lambdaW: CW, inputs: { data: x, n: N } });
    const degrees = quick ? [25] : [25, 64];
    for (const act of ['erf', 'tanh']) {
      const nt = pyJson(py, [SCRIPT, 'kernels', '--x', join(dir, 'x.f64'), '--n', N, '--n0', N0, '--depth', DEPTH, '--act', act, '--cb', CB, '--cw', CW,
        '--deg', degrees.join(','), '--reps', quick ? 1 : 3, '--out', dir, ...(quick ? ['--ref-deg', '120'] : [])].map(String));
      raw.versions = nt.versions;
      // NT (XLA) spreads its elementwise work over both cores; kernels() runs on one. The same NT
      // call pinned to one core separates the algorithm from the core count.
      const nt1 = hasTaskset()
        ? pyJson(py, [SCRIPT, 'kernels', '--x', join(dir, 'x.f64'), '--n', N, '--n0', N0, '--depth', DEPTH, '--act', act, '--cb', CB, '--cw', CW,
          '--deg', degrees.join(','), '--reps', quick ? 1 : 3, '--out', join(dir, 'one-core'), '--no-ref'].map(String), { cpu0: true })
        : null;
      const refK = readF64(join(dir, `ref_${act}_K.f64`)), refT = readF64(join(dir, `ref_${act}_T.f64`));
      const per = { reference: nt.reference, referenceMs: nt.reference_ms, degrees: {} };
      // wideflow at a very high degree, as a check of the reference itself.
      const hi = wf.kernels(spec(act), { degree: 400 });
      per.wideflow400VsReference = { K: maxRel(hi.layers[DEPTH - 1].K, refK), Theta: maxRel(hi.layers[DEPTH - 1].Theta, refT) };
      for (const deg of degrees) {
        let res;
        const m = await measureSlow(() => { res = wf.kernels(spec(act), { degree: deg, backend: 'wasm' }); }, quick ? 1 : 3, 1);
        const last = res.layers[DEPTH - 1];
        const errW = Math.max(maxRel(last.K, refK), maxRel(last.Theta, refT));
        const ntK = readF64(join(dir, `nt_${act}_${deg}_K.f64`)), ntT = readF64(join(dir, `nt_${act}_${deg}_T.f64`));
        const errN = Math.max(maxRel(ntK, refK), maxRel(ntT, refT));
        const ntMs = nt.degrees[deg].median_ms;
        const nt1Ms = nt1?.degrees?.[deg]?.median_ms ?? null;
        per.degrees[deg] = { wideflowMs: m.median, ntMs, ntOneCoreMs: nt1Ms, ntFirstCallMs: nt.degrees[deg].first_call_ms, wideflowErr: errW, ntErr: errN };
        rows.push(row({
          item: '5a', what: `K,Θ ${act} N=${N} L=${DEPTH} deg=${deg}`, unit: 'ms', wasm: m.median, peer: ntMs, ratio: ntMs / m.median,
          target: 'faster than NT', met: ntMs / m.median >= 1, note: 'NT on both cores (XLA threads), wideflow on one',
        }));
        if (nt1Ms !== null) {
          rows.push(row({ item: '5a', what: '  same, NT pinned to 1 core', unit: 'ms', wasm: m.median, peer: nt1Ms, ratio: nt1Ms / m.median }));
        }
        rows.push(row({
          item: '5a', what: `  max error vs reference (deg=${deg})`, unit: 'rel', wasm: errW, peer: errN, ratio: errW > 0 ? errN / errW : null,
          target: 'error ≤ NT', met: errW <= errN, note: nt.reference,
        }));
      }
      raw.kernels[act] = per;
    }

    // (b) Monte Carlo NTK over an ensemble: n₀ = 256, three hidden layers of 256, 8 outputs, tanh.
    const mcSpec = { activation: 'tanh', depth: 4, width: 256, inputWidth: 256, outputWidth: 8, Cb: CB, CW, lambdaB: 1, lambdaW: 1, input: { x2: 1 } };
    const samples = quick ? 64 : 512;
    const ntmc = pyJson(py, [SCRIPT, 'mc', '--width', '256', '--depth', '4', '--n0', '256', '--out-width', '8', '--cb', String(CB), '--cw', String(CW), '--samples', String(samples), '--reps', quick ? '1' : '3']);
    const ntRate = ntmc.runs[samples].networks_per_s;
    const [w1, w2] = await rates(wf, mcSpec, [1, 2].map((workers) => ({ options: { order: 'ntk', backend: 'wasm', workers, neurons: 8 }, samples })), quick ? 1 : 3);
    const wfRate = { 1: w1, 2: w2 };
    raw.mc = { samples, nt: ntmc, wideflow: wfRate, spec: mcSpec };
    rows.push(row({ item: '5b', what: `MC NTK ensemble, ${samples} nets (1 worker)`, unit: 'nets/s', wasm: wfRate[1].perSecond, peer: ntRate, ratio: wfRate[1].perSecond / ntRate, target: 'report', note: 'NT: monte_carlo_kernel_fn (empirical NNGP + NTK of the 8 outputs, trace_axes=()), compiled, both cores; wideflow: ensemble(order ntk, neurons 8), end to end' }));
    rows.push(row({ item: '5b', what: `MC NTK ensemble, ${samples} nets (2 workers)`, unit: 'nets/s', wasm: wfRate[2].perSecond, peer: ntRate, ratio: wfRate[2].perSecond / ntRate, target: 'report' }));
    rows.push(row({ item: '5b', what: '  same, steady state (2 workers)', unit: 'nets/s', wasm: wfRate[2].steadyPerSecond, peer: ntRate, ratio: wfRate[2].steadyPerSecond / ntRate, target: 'report', note: 'steady state: worker start-up subtracted; NT: its jit compile (first call) excluded' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, raw };
}

// Issue 9 item 6 — kernels() at scale against neural-tangents, both measured in this run.
// For N = 128, 512, 2048 inputs in R^16, depth L = 10, C_b = 0.1, C_W = 1 (NT's NTK parameterization,
// i.e. λ_b = C_b, λ_W = C_W): time of K⁽ᴸ⁾, Θ⁽ᴸ⁾ and the largest relative error over EVERY entry
// against an outside high-precision reference (bench/peers/nt_kernels.py):
//   erf, relu, gelu — NT's closed forms (stax.Erf, Relu, Gelu(approximate=False)), the path an NT
//     user takes; reference: the closed-form recursion in numpy long double (80-bit);
//   tanh — NT's stax.ElementwiseNumerical(tanh, 25) (NT has no closed form), batched by nt.batch;
//     reference: ElementwiseNumerical at degree 300 on the block of rows [0, 64) × [64, 128).
// wideflow runs kernels() on 1 thread and with { workers: 2 }; NT (XLA) uses both cores.
// Standalone: node bench/suites/kernels.mjs [--quick] [--sizes=128,512] [--acts=erf,tanh]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pyHas, pyJson, python, row, table, wideflow } from '../lib.mjs';

const SCRIPT = fileURLToPath(new URL('../peers/nt_kernels.py', import.meta.url));
const N0 = 16, DEPTH = 10, CB = 0.1, CW = 1.0, NT_DEG = 25, BLOCK = 64;

/** N inputs in R^16 with |x|²/n₀ spread over [0.36, 1.44] (xorshift, fixed seed; a prefix of the N = 2048 set). */
export function inputs(n) {
  let s = 0x9e3779b9;
  const u = () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const x = new Float64Array(n * N0);
  for (let a = 0; a < n; a++) {
    let r2 = 0;
    for (let i = 0; i < N0; i++) { const v = normal(); x[a * N0 + i] = v; r2 += v * v; }
    const scale = (0.6 + 0.6 * u()) * Math.sqrt(N0 / r2);
    for (let i = 0; i < N0; i++) x[a * N0 + i] *= scale;
  }
  return x;
}

const readF64 = (p) => { const b = readFileSync(p); return new Float64Array(b.buffer, b.byteOffset, b.length / 8); };

/** Largest |got − ref|/|ref| over the entries of `ref` (full N×N, or the block [0,B)×[B,2B) of an N×N `got`). */
function maxRel(got, ref, n, block) {
  let m = 0;
  if (!block) {
    for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(got[i] - ref[i]) / Math.abs(ref[i]));
    return m;
  }
  for (let a = 0; a < block; a++) for (let b = 0; b < block; b++) {
    const r = ref[a * block + b], g = got[a * n + block + b];
    m = Math.max(m, Math.abs(g - r) / Math.abs(r));
  }
  return m;
}

export async function run({ quick, sizes, acts } = {}) {
  const py = python();
  const rows = [];
  if (!pyHas(py, 'jax', 'neural_tangents')) {
    rows.push(row({ item: '9.6', what: 'kernels() vs neural-tangents', note: 'skipped: run `bash bench/peers/setup-venv.sh` (or set WIDEFLOW_BENCH_VENV)' }));
    return { rows, raw: { skipped: true } };
  }
  const wf = await wideflow();
  const dir = mkdtempSync(join(tmpdir(), 'wf-kernels-'));
  const raw = {};
  sizes ??= quick ? [128, 512] : [128, 512, 2048];
  acts ??= ['erf', 'relu', 'gelu', 'tanh'];
  try {
    for (const n of sizes) {
      const x = inputs(n);
      writeFileSync(join(dir, `x${n}.f64`), x);
      for (const act of acts) {
        const tanh = act === 'tanh';
        const args = [SCRIPT, 'time', '--x', join(dir, `x${n}.f64`), '--n', n, '--n0', N0, '--depth', DEPTH, '--act', act, '--cb', CB, '--cw', CW,
          '--deg', NT_DEG, '--reps', n >= 2048 || tanh ? 1 : 3, '--ref', '--block', BLOCK, '--out', dir, ...(tanh && n > 256 ? ['--batch', '256'] : [])];
        const nt = pyJson(py, args.map(String));
        const refK = readF64(join(dir, `ref_${act}_${n}_K.f64`)), refT = readF64(join(dir, `ref_${act}_${n}_T.f64`));
        const ntK = readF64(join(dir, `nt_${act}_${n}_K.f64`)), ntT = readF64(join(dir, `nt_${act}_${n}_T.f64`));
        const spec = { activation: act, depth: DEPTH, Cb: CB, CW, lambdaB: CB, lambdaW: CW, inputs: { data: x, n } };
        const t1 = performance.now();
        const r2 = await wf.kernels(spec, { workers: 2 });
        const ms2 = performance.now() - t1;
        let ms1 = null, same = null;
        if (n <= 512) {
          const t0 = performance.now();
          const r1 = wf.kernels(spec);
          ms1 = performance.now() - t0;
          same = r1.layers[DEPTH - 1].K.every((v, i) => Object.is(v, r2.layers[DEPTH - 1].K[i]));
        }
        const last = r2.layers[DEPTH - 1];
        const block = tanh ? BLOCK : 0;
        const errW = Math.max(maxRel(last.K, refK, n, block), maxRel(last.Theta, refT, n, block));
        const errN = Math.max(maxRel(ntK, refK, n, block), maxRel(ntT, refT, n, block));
        raw[`${act}-${n}`] = { nt, wideflowMs1: ms1, wideflowMs2: ms2, workersSameBits: same, errWideflow: errW, errNT: errN };
        const peer = tanh ? `NT ElementwiseNumerical(deg ${NT_DEG})` : 'NT closed form';
        rows.push(row({ item: '9.6', what: `K,Θ ${act} N=${n} L=${DEPTH}, 2 workers`, unit: 'ms', wasm: ms2, peer: nt.median_ms, ratio: nt.median_ms / ms2, note: `${peer}; NT compile ${Math.round(nt.first_call_ms)} ms excluded` }));
        if (ms1 !== null) rows.push(row({ item: '9.6', what: '  same, wideflow 1 thread', unit: 'ms', wasm: ms1, peer: nt.median_ms, ratio: nt.median_ms / ms1, note: `2 workers / 1 thread: ${(ms1 / ms2).toFixed(2)}×; same bits: ${same}` }));
        rows.push(row({ item: '9.6', what: '  max rel. error, every entry', unit: 'rel', wasm: errW, peer: errN, ratio: errW > 0 ? errN / errW : null, target: tanh ? '' : '≤ 1e-11', met: tanh ? null : errW <= 1e-11, note: nt.reference }));
        console.error(`[kernels] ${act} N=${n}: wideflow ${ms2.toFixed(0)} ms (1 thread ${ms1?.toFixed(0)}), NT ${nt.median_ms.toFixed(0)} ms; err ${errW.toExponential(2)} vs NT ${errN.toExponential(2)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, raw };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (k) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
  const r = await run({ quick: process.argv.includes('--quick'), sizes: arg('sizes')?.split(',').map(Number), acts: arg('acts')?.split(',') });
  console.log(table(r.rows));
  console.log(JSON.stringify(r.raw));
}

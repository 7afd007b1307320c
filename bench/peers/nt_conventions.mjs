// Checks the convention map of the README ("Conventions: wideflow ↔ neural-tangents", issue 9 item 7):
//   NT stax.Dense(W_std = √C_W, b_std = √C_b), parameterization 'ntk'      ↔ wideflow λ_b = C_b, λ_W = C_W
//   NT stax.Dense(out_dim = n, …),            parameterization 'standard' ↔ wideflow λ_b = 1,  λ_W = n_{ℓ−1}
// for NT's closed-form activations, on 7 inputs in R^5 (depth 4, hidden width n = 3 for NT's
// standard parameterization, whose NTK scales with out_dim). Passes when every entry of K and Θ of the
// last layer agrees to ≤ 1e-10 relative; a deliberately wrong map (λ = 1 for 'ntk') must fail.
//   node bench/peers/nt_conventions.mjs     (needs the venv of bench/peers/setup-venv.sh, or WIDEFLOW_BENCH_VENV)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pyHas, pyJson, python, wideflow } from '../lib.mjs';

const SCRIPT = fileURLToPath(new URL('./nt_kernels.py', import.meta.url));
const N = 7, N0 = 5, DEPTH = 4, WIDTH = 3, CB = 0.15, CW = 1.3;
const X = Array.from({ length: N }, (_, a) => Array.from({ length: N0 }, (_, i) => Math.cos(0.9 * a * a + 1.7 * i + 0.3) * (0.5 + 0.25 * (a % 3))));

const py = python();
if (!pyHas(py, 'jax', 'neural_tangents')) {
  console.log('skipped: run `bash bench/peers/setup-venv.sh` (or set WIDEFLOW_BENCH_VENV)');
  process.exit(0);
}
const wf = await wideflow();
const dir = mkdtempSync(join(tmpdir(), 'wf-conv-'));
const maxRel = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.abs(b[i])), 0);
let ok = true;
try {
  writeFileSync(join(dir, 'x.f64'), Float64Array.from(X.flat()));
  for (const act of ['erf', 'relu', 'gelu']) {
    const nt = pyJson(py, [SCRIPT, 'param', '--x', join(dir, 'x.f64'), '--n', N, '--n0', N0, '--depth', DEPTH, '--act', act, '--cb', CB, '--cw', CW, '--width', WIDTH].map(String));
    const base = { activation: act, depth: DEPTH, Cb: CB, CW, inputs: X };
    const ntkMap = wf.kernels({ ...base, lambdaB: CB, lambdaW: CW }).layers[DEPTH - 1];
    const stdMap = wf.kernels({ ...base, lambdaB: 1, lambdaW: [N0, ...new Array(DEPTH - 1).fill(WIDTH)] }).layers[DEPTH - 1];
    const wrong = wf.kernels({ ...base, lambdaB: 1, lambdaW: 1 }).layers[DEPTH - 1];
    const e = {
      'ntk K': maxRel(ntkMap.K, nt.ntk.K), 'ntk Θ (λ_b = C_b, λ_W = C_W)': maxRel(ntkMap.Theta, nt.ntk.Theta),
      'standard K': maxRel(stdMap.K, nt.standard.K), 'standard Θ (λ_b = 1, λ_W = n_{ℓ−1})': maxRel(stdMap.Theta, nt.standard.Theta),
    };
    const wrongErr = maxRel(wrong.Theta, nt.ntk.Theta);
    const pass = Object.values(e).every((v) => v <= 1e-10) && wrongErr > 1e-3;
    ok &&= pass;
    console.log(`${act}: ${Object.entries(e).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}; wrong map (λ = 1 vs ntk) ${wrongErr.toExponential(1)} → ${pass ? 'PASS' : 'FAIL'}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);

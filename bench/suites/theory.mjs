// Item 4 — recursions: `theory()` with every tensor (K, Θ, G1, H1, V, A, B, D, F, P, Q, R, S, T, U, χ),
// single input, L = 1000, wasm vs the pure-TS twin (median ms per call, default degree).
import { measure, row, wideflow } from '../lib.mjs';

export async function run({ quick }) {
  const wf = await wideflow();
  const spec = { activation: 'tanh', depth: 1000, width: 256, inputWidth: 16, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 } };
  const opts = { time: quick ? 300 : 1500, iterations: 10 };
  const wasm = await measure(() => wf.theory(spec, { backend: 'wasm' }), opts);
  const js = await measure(() => wf.theory(spec, { backend: 'js' }), opts);
  // Same numbers from both backends (the twins agree to rounding), so the timing compares like with like.
  const a = wf.theory(spec, { backend: 'wasm' }).layers[999], b = wf.theory(spec, { backend: 'js' }).layers[999];
  const agree = Math.max(...['K', 'Theta', 'V', 'A', 'R'].map((k) => Math.abs(a[k] - b[k]) / Math.max(Math.abs(b[k]), 1e-300)));
  const rows = [
    row({ item: '4', what: 'theory() L=1000, all tensors', unit: 'ms', wasm: wasm.median, js: js.median, target: '< 5 ms (wasm)', met: wasm.median < 5 }),
    row({ item: '4', what: 'theory() js / wasm time', ratio: js.median / wasm.median, target: '≥ 2×', met: js.median / wasm.median >= 2 }),
  ];
  return { rows, raw: { wasm, js, maxRelDiffLayer1000: agree, spec } };
}

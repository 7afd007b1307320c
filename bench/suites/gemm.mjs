// Item 2 — dense kernels: wasm `wf_dgemm` / `wf_dgemv` vs the TS twin (ts/twin/numerics/gemm.ts `dgemm`/`dgemv`),
// square n = 64 … 512, buffers allocated once per size. numpy (OpenBLAS, 1 thread) is shown for
// reference only: the targets are about the simd128 ceiling and the TS twin.
import { hasExport, internal, measure, pyHas, pyJson, python, row, wasmRaw } from '../lib.mjs';

const SIZES = [64, 128, 256, 512];
// toolchain.md §2: the best simd128 f64 kernel measured here, median of its best size (GFLOP/s), and
// the 4-row simd128 dgemv at n = 256 (GB/s). The targets are 80 % of these.
const GEMM_CEILING = 24;
const GEMV_CEILING = 36.9;

const NUMPY = (sizes) => `
import json, time, numpy as np
res = {}
for n in ${JSON.stringify(sizes)}:
    g = np.random.default_rng(n)
    a = g.standard_normal((n, n)); b = g.standard_normal((n, n)); c = np.empty((n, n)); x = g.standard_normal(n); y = np.empty(n)
    out = {}
    for name, f in (("gemm", lambda: np.matmul(a, b, out=c)), ("gemv", lambda: np.matmul(a, x, out=y))):
        for _ in range(3): f()
        ts = []; t_end = time.perf_counter() + 0.3
        while time.perf_counter() < t_end or len(ts) < 10:
            t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
        ts.sort(); out[name] = ts[len(ts)//2] * 1e3
    res[n] = out
print(json.dumps({"sizes": res, "numpy": np.__version__}))
`;

function randomFill(a, seed) {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    a[i] = (s >>> 0) / 4294967296 - 0.5;
  }
  return a;
}

export async function run({ quick }) {
  const core = await wasmRaw();
  const g = await internal('ts/twin/numerics/gemm.js');
  const py = python();
  const np = pyHas(py, 'numpy') ? pyJson(py, ['-c', NUMPY(SIZES)], { env: { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } }) : null;
  const opts = { time: quick ? 150 : 400, iterations: 10 };
  const rows = [];
  const raw = {};
  for (const n of SIZES) {
    const a = randomFill(new Float64Array(n * n), n);
    const b = randomFill(new Float64Array(n * n), n + 1);
    const x = randomFill(new Float64Array(n), n + 2);
    const c = new Float64Array(n * n);
    const y = new Float64Array(n);
    let wg = null, wv = null, jg = null, jv = null;
    if (hasExport(core, 'wf_dgemm')) {
      const A = core.allocF64(a), B = core.allocF64(b), C = core.allocF64(n * n), X = core.allocF64(x), Y = core.allocF64(n);
      wg = await measure(() => core.call('wf_dgemm', n, n, n, A.ptr, B.ptr, C.ptr), opts);
      wv = await measure(() => core.call('wf_dgemv', n, n, A.ptr, X.ptr, Y.ptr), opts);
      for (const blk of [A, B, C, X, Y]) core.free(blk);
    }
    if (g?.dgemm) {
      jg = await measure(() => g.dgemm(n, n, n, a, b, c), opts);
      jv = await measure(() => g.dgemv(n, n, a, x, y), opts);
    }
    const gf = (m) => (m ? (2 * n * n * n) / (m.median * 1e-3) / 1e9 : null);
    const gb = (ms) => (ms ? (8 * n * n) / (ms * 1e-3) / 1e9 : null);
    const npn = np?.sizes?.[n];
    const W = gf(wg), J = gf(jg), P = npn ? (2 * n * n * n) / (npn.gemm * 1e-3) / 1e9 : null;
    const WV = gb(wv?.median), JV = gb(jv?.median), PV = npn ? gb(npn.gemv) : null;
    raw[n] = { dgemm: { wasm: wg, js: jg, numpyMs: npn?.gemm }, dgemv: { wasm: wv, js: jv, numpyMs: npn?.gemv } };
    rows.push(row({ item: '2', what: `dgemm n=${n}`, unit: 'GFLOP/s', wasm: W, js: J, peer: P, ratio: W && J ? W / J : null, target: `≥ ${(0.8 * GEMM_CEILING).toFixed(1)} GF/s, ≥ 6× js`, met: W && J ? W >= 0.8 * GEMM_CEILING && W / J >= 6 : null }));
    rows.push(row({ item: '2', what: `dgemv n=${n}`, unit: 'GB/s', wasm: WV, js: JV, peer: PV, ratio: WV && JV ? WV / JV : null, target: `≥ ${(0.8 * GEMV_CEILING).toFixed(1)} GB/s, ≥ 6× js`, met: WV && JV ? WV >= 0.8 * GEMV_CEILING && WV / JV >= 6 : null }));
  }
  return { rows, raw: { sizes: raw, numpy: np?.numpy ?? null, peerNote: 'numpy/OpenBLAS, OPENBLAS_NUM_THREADS=1 (reference only)' } };
}

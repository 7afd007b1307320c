// Item 1 — Gaussian normals: wasm `wf_rng_fill_normal` vs the TS twin `Rng.fillNormal` vs numpy's
// `default_rng().standard_normal` (PCG64 + ziggurat), 1M normals per call into a reused buffer.
import { hasExport, internal, measure, pyHas, pyJson, python, row, wasmRaw } from '../lib.mjs';

const N = 1 << 20;

const NUMPY = `
import json, time, numpy as np
n = ${N}
g = np.random.default_rng(1)
out = np.empty(n)
for _ in range(5): g.standard_normal(out=out)
ts = []
t_end = time.perf_counter() + 1.5
while time.perf_counter() < t_end or len(ts) < 10:
    t = time.perf_counter(); g.standard_normal(out=out); ts.append(time.perf_counter() - t)
ts.sort()
print(json.dumps({"median": ts[len(ts)//2] * 1e3, "min": ts[0] * 1e3, "numpy": np.__version__}))
`;

export async function run({ quick }) {
  const rows = [];
  const opts = { time: quick ? 300 : 1000, iterations: 10 };
  const core = await wasmRaw();
  let wasm = null;
  if (hasExport(core, 'wf_rng_fill_normal')) {
    const buf = core.alloc(N * 8);
    let stream = 0;
    const fill = () => {
      const s = core.call('wf_rng_fill_normal', 12345, 0, stream++, buf.ptr, N);
      if (s !== 0 && s !== undefined) throw new Error(`wf_rng_fill_normal status ${s}`);
    };
    fill();
    wasm = await measure(fill, opts);
  }
  const rngMod = await internal('ts/twin/numerics/rng.js');
  let js = null;
  if (rngMod?.Rng) {
    const out = new Float64Array(N);
    let stream = 0;
    const mk = (s) => new rngMod.Rng(12345, s);
    js = await measure(() => mk(stream++).fillNormal(out), opts);
  }
  const py = python();
  let np = null;
  if (pyHas(py, 'numpy')) np = pyJson(py, ['-c', NUMPY]);

  const ms = (m) => (m ? N / (m.median * 1e-3) / 1e6 : null);
  const w = ms(wasm), j = ms(js), p = ms(np);
  rows.push(row({ item: '1', what: 'normals, 1M per call', unit: 'M/s', wasm: w, js: j, peer: p, note: np ? `numpy ${np.numpy}` : 'numpy absent' }));
  rows.push(row({ item: '1', what: 'wasm normals (absolute)', unit: 'M/s', wasm: w, target: '≥ 200 M/s', met: w === null ? null : w >= 200 }));
  rows.push(row({ item: '1', what: 'wasm / numpy', ratio: w && p ? w / p : null, target: '≥ 2×', met: w && p ? w / p >= 2 : null, note: p ? '' : 'numpy absent: skipped' }));
  rows.push(row({ item: '1', what: 'wasm / pure TS', ratio: w && j ? w / j : null, target: '≥ 3×', met: w && j ? w / j >= 3 : null }));
  return { rows, raw: { wasm, js, numpy: np, n: N } };
}

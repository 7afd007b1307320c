// Item 3 — ensembles through the public API `ensemble(spec, options)`: networks per second for one
// input, width 256, depth 4 (n₀ = n₁ = … = n₄ = 256), with every statistic (order 'ddntk') and with
// z + Ĥ only (order 'ntk'); wasm vs js; 1 vs 2 workers; and the bound set by drawing the weights
// (wasm normals/s ÷ normals per network).
import { hasExport, measure, row, wasmRaw, wideflow } from '../lib.mjs';

const SPEC = { activation: 'tanh', depth: 4, width: 256, inputWidth: 256, Cb: 0.1, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 } };
const NORMALS_PER_NET = 4 * 256 * 256 + 4 * 256; // W⁽¹⁾…W⁽⁴⁾ and b⁽¹⁾…b⁽⁴⁾

/**
 * Networks/s of `ensemble(spec, options)` for each of `configs` ({ options, samples }), measured in
 * interleaved rounds (config 1, 2, …, 1, 2, …) so that a burst of outside load hits every config
 * alike. Per config: end to end (what a user waits for, worker start-up included) and steady state,
 * (N − 2)/(t(N) − t(2)), which subtracts the fixed cost of a call (starting workers, instantiating
 * their wasm). Medians over `reps` rounds, after one warm-up call each.
 */
export async function rates(wf, spec, configs, reps) {
  const times = configs.map(() => ({ full: [], fixed: [] }));
  for (const c of configs) await wf.ensemble(spec, { ...c.options, samples: Math.min(8, c.samples) });
  for (let r = 0; r < reps; r++) {
    for (const [i, c] of configs.entries()) {
      let t = performance.now();
      await wf.ensemble(spec, { ...c.options, samples: 2 });
      times[i].fixed.push(performance.now() - t);
      t = performance.now();
      await wf.ensemble(spec, { ...c.options, samples: c.samples });
      times[i].full.push(performance.now() - t);
    }
  }
  const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  return configs.map((c, i) => {
    const full = med(times[i].full), fixed = med(times[i].fixed);
    return {
      samples: c.samples, medianMs: full, minMs: Math.min(...times[i].full), fixedMs: fixed,
      perSecond: c.samples / (full / 1e3),
      steadyPerSecond: (c.samples - 2) / Math.max((full - fixed) / 1e3, 1e-9),
    };
  });
}

export async function run({ quick, shared }) {
  const wf = await wideflow();
  const reps = quick ? 1 : 3;
  const neurons = 8;
  const r = {};
  // Fixed sizes (≈ 2–3 s per run on an idle machine), so that a busy moment cannot shrink a run
  // until the fixed cost of starting workers dominates it.
  const sizes = { ddntk: { wasm: 256, js: 32 }, ntk: { wasm: 512, js: 128 } };
  const q = quick ? 4 : 1;
  for (const order of ['ddntk', 'ntk']) {
    const { wasm, js } = sizes[order];
    const [wasm1, js1, wasm2] = await rates(wf, SPEC, [
      { options: { order, backend: 'wasm', workers: 1, neurons }, samples: wasm / q },
      { options: { order, backend: 'js', workers: 1, neurons }, samples: js / q },
      { options: { order, backend: 'wasm', workers: 2, neurons }, samples: wasm / q },
    ], reps);
    r[order] = { wasm1, js1, wasm2 };
  }
  // The weight-generation bound, from the same wasm sampler the ensemble kernel uses.
  let normalsPerSec = shared.normalsWasmMps ? shared.normalsWasmMps * 1e6 : null;
  if (!normalsPerSec) {
    const core = await wasmRaw();
    if (hasExport(core, 'wf_rng_fill_normal')) {
      const buf = core.alloc(NORMALS_PER_NET * 8);
      let s = 0;
      const m = await measure(() => core.rngFillNormal(1, 0, s++, buf, NORMALS_PER_NET), { time: 500 });
      normalsPerSec = NORMALS_PER_NET / (m.median * 1e-3);
    }
  }
  const bound = normalsPerSec ? normalsPerSec / NORMALS_PER_NET : null;
  const d = r.ddntk, n = r.ntk;
  const rows = [
    row({ item: '3', what: 'ensemble ddntk (z,Ĥ,dĤ,ddĤ), 1 worker', unit: 'nets/s', wasm: d.wasm1.perSecond, js: d.js1.perSecond, ratio: d.wasm1.perSecond / d.js1.perSecond, target: '≥ 5× js', met: d.wasm1.perSecond / d.js1.perSecond >= 5 }),
    row({ item: '3', what: 'ensemble ntk (z,Ĥ), 1 worker', unit: 'nets/s', wasm: n.wasm1.perSecond, js: n.js1.perSecond, ratio: n.wasm1.perSecond / n.js1.perSecond }),
    row({ item: '3', what: 'weight-generation bound', unit: 'nets/s', wasm: bound, note: `${NORMALS_PER_NET} normals per network` }),
    row({ item: '3', what: 'ensemble ntk / bound', ratio: bound ? n.wasm1.perSecond / bound : null, target: '≥ 0.5× (within 2×)', met: bound ? n.wasm1.perSecond / bound >= 0.5 : null }),
    row({ item: '3', what: 'ddntk 2 workers / 1 (wasm)', unit: 'nets/s', wasm: d.wasm2.perSecond, ratio: d.wasm2.perSecond / d.wasm1.perSecond, target: '≥ 1.8×', met: d.wasm2.perSecond / d.wasm1.perSecond >= 1.8, note: `end to end, ${d.wasm2.samples} networks` }),
    row({ item: '3', what: '  same, steady state', unit: 'nets/s', wasm: d.wasm2.steadyPerSecond, ratio: d.wasm2.steadyPerSecond / d.wasm1.steadyPerSecond, note: `start-up of 2 workers: ${d.wasm2.fixedMs.toFixed(0)} ms per call` }),
    row({ item: '3', what: 'ntk 2 workers / 1 (wasm)', unit: 'nets/s', wasm: n.wasm2.perSecond, ratio: n.wasm2.perSecond / n.wasm1.perSecond, target: '≥ 1.8×', met: n.wasm2.perSecond / n.wasm1.perSecond >= 1.8, note: `end to end, ${n.wasm2.samples} networks` }),
    row({ item: '3', what: '  same, steady state', unit: 'nets/s', wasm: n.wasm2.steadyPerSecond, ratio: n.wasm2.steadyPerSecond / n.wasm1.steadyPerSecond }),
  ];
  return { rows, raw: { spec: SPEC, neurons, normalsPerNetwork: NORMALS_PER_NET, normalsPerSec, bound, runs: r } };
}

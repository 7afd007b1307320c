/**
 * THE parity suite: every pure-TypeScript twin (ts/twin/**) against its Rust original behind the wasm
 * boundary (crates/core/src/**, same relative path and stem): wasm = js to ≤ 1e-12, bit for bit where
 * both fix the order of operations. The first describe enumerates the pairs from the two trees, so a
 * Rust file without a TS twin, a twin without a Rust original, or a twin without a registered parity
 * test below fails the suite. Not twinned: the boundary (`ffi/`), the crate root (`lib.rs`) and Rust
 * module files (`mod.rs`; a TS `mod.ts` twins the `mod.rs` of its folder).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { instantiate, type WasmCore } from '../../bindings/core.js';
import { init, wasmCore } from '../../ts/api/backend.js';
import { releaseNetworkWorkspace } from '../../ts/api/network.js';
import { ensemble, gaussianExpectations, kernels, MOMENT_NAMES, theory, type NetworkSpec, type TheoryMultiResult } from '../../ts/node.js';
import { ENSEMBLE_KEYS } from '../../ts/stats/estimator.js';
import { InvalidParameterError } from '../../ts/api/errors.js';
import { dgemm, dgemmNT, dgemv } from '../../ts/twin/numerics/gemm.js';
import { hermiteRule as computeHermiteRule } from '../../ts/twin/numerics/quadrature/rules.js';
import { Rng, seedHalves } from '../../ts/twin/numerics/rng.js';
import { STAT_KEYS } from '../../ts/twin/theory/recursion.js';
import { layerStride } from '../../ts/twin/theory/multi/packing.js';
import { ensembleChunk as ensembleChunkJs, NQ, packConfig, Q, type NetworkConfig } from '../../ts/twin/sampling/network/mod.js';
import { ensembleMultiChunk as ensembleMultiChunkJs, multiStatsLen, packMultiConfig, statOffsets, type MultiNetworkConfig } from '../../ts/twin/sampling/multi/mod.js';
import { packTrainConfig, parseTrainConfig, trainChunk, trainLayout, type TrainNetConfig } from '../../ts/twin/sampling/train/mod.js';
import { mat, SIZES } from '../fixtures/gemm.js';
import { activation, config, jsValues, maxRel, wasmValues } from '../fixtures/network.js';
import { BUILTINS } from '../fixtures/activations.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUST = join(ROOT, 'crates/core/src');
const TWIN = join(ROOT, 'ts/twin');

/** Stems (relative path without extension) of the files under `dir` ending in `ext`. */
function stems(dir: string, ext: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (name.endsWith(ext)) out.push(relative(dir, p).split('\\').join('/').slice(0, -ext.length));
    }
  };
  visit(dir);
  return out;
}

/** Rust stems that need a TS twin (module files listed too: a TS mod.ts may twin them). */
function rustStems(): string[] {
  const out = new Set<string>();
  for (const s of stems(RUST, '.rs')) {
    if (s === 'lib' || s.startsWith('ffi/') || isTests(s)) continue;
    out.add(s);
  }
  return [...out].sort();
}

const isModule = (s: string) => s === 'mod' || s.endsWith('/mod');
/** Rust test modules (`tests.rs`) are not twinned: their TS counterparts live under test/. */
const isTests = (s: string) => s === 'tests' || s.endsWith('/tests');

/** The parity tests, one entry per twin (key: the twin's path under ts/twin without `.ts`). */
const PARITY: Record<string, () => void> = {};

beforeAll(async () => {
  // the SIMD artifact by name, so the comparisons exercise the simd128 kernels
  await init({ wasm: (await readFile(new URL('../../wasm/wideflow.simd.wasm', import.meta.url))) as unknown as Uint8Array<ArrayBuffer> });
});

const wasmBytes = async (name: string) => (await readFile(new URL(`../../wasm/${name}`, import.meta.url))) as unknown as Uint8Array<ArrayBuffer>;

describe('twin pairs', () => {
  const rust = rustStems();
  const twins = stems(TWIN, '.ts');
  test('every Rust file of crates/core/src (but ffi/, lib.rs, mod.rs) has a TS twin at the same path', () => {
    const missing = rust.filter((s) => !isModule(s) && !twins.includes(s));
    expect(missing, `Rust files without a TS twin in ts/twin/: ${missing.join(', ')}`).toEqual([]);
  });
  test('every TS twin has a Rust original at the same path (mod.ts ↔ the mod.rs of its folder)', () => {
    const orphans = twins.filter((s) => !rust.includes(s));
    expect(orphans, `TS twins without a Rust original: ${orphans.join(', ')}`).toEqual([]);
  });
  test('every TS twin has a registered parity test, and every registered test a twin', () => {
    expect(Object.keys(PARITY).sort()).toEqual(twins);
  });
  test('no twin imports the wasm backend or the bindings (only the generated layout, which is data)', () => {
    for (const s of twins) {
      const src = readFileSync(join(TWIN, `${s}.ts`), 'utf8');
      expect(src, `ts/twin/${s}.ts`).not.toMatch(/from '[^']*(bindings\/(?!layout\.js')|api\/backend|api\/network)[^']*'/);
    }
  });
});

const KS = [0, 1e-3, 0.1, 1, 2.5, 10];

// ---------------------------------------------------------------------------------------------
// numerics

PARITY['numerics/activation'] = () => {
  test('σ, σ′, σ″, σ‴ of every builtin: ⟨σ⟩, ⟨σ′σ′⟩, ⟨σσ′²σ″⟩, ⟨σ′³σ‴⟩ agree at K = 0 (z ≈ 0) and K ∈ {1e-3, 0.5, 3}', () => {
    // no export evaluates σ alone: these moments are plain sums of σ-derivative products over the same nodes
    for (const act of BUILTINS) {
      for (const K of [0, 1e-3, 0.5, 3]) {
        const w = gaussianExpectations({ activation: act, K, backend: 'wasm' });
        const j = gaussianExpectations({ activation: act, K, backend: 'js' });
        for (const m of ['sigma', 'dsigma2', 'sigmadsigma2ddsigma', 'dsigma3dddsigma'] as const) {
          expect(Math.abs(w[m] - j[m]), `${JSON.stringify(act)} K=${K} ${m}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(j[m]), 1e-300));
        }
      }
    }
  });
};

PARITY['numerics/gemm'] = () => {
  let simd: WasmCore;
  let scalar: WasmCore;
  beforeAll(async () => {
    // the artifacts are named explicitly (not through the node entry's feature probe) so that this
    // file tests exactly the SIMD and the scalar kernels
    await init({ wasm: await wasmBytes('wideflow.simd.wasm') });
    simd = wasmCore('gemm test');
    scalar = await instantiate(await wasmBytes('wideflow.wasm'));
  });

  /** Runs a dense-kernel export on copies of the inputs and returns its output. */
  function run(core: WasmCore, name: 'dgemm' | 'dgemmNT' | 'dgemv', dims: number[], inputs: Float64Array[], outLen: number): Float64Array {
    const blocks = inputs.map((x) => core.allocF64(x));
    const out = core.allocF64(outLen);
    const [m, n, k] = dims;
    const status = name === 'dgemv' ? core.dgemv(m, n, blocks[0], blocks[1], out) : core[name](m, n, k, blocks[0], blocks[1], out);
    expect(status).toBe(0);
    const r = core.readF64(out, outLen);
    for (const b of [...blocks, out]) core.free(b);
    return r;
  }

  test('the SIMD artifact is loaded (the SIMD kernels are what this compares)', () => {
    expect(simd.simd).toBe(true);
    expect(scalar.simd).toBe(false);
  });

  test('wf_dgemm, wf_dgemm_nt and wf_dgemv equal dgemm, dgemmNT and dgemv bit for bit at sizes 1 … 67', () => {
    for (const [m, n, k] of SIZES) {
      const a = mat(m * k, 2 * m + 1), b = mat(k * n, 3 * n + 2), bt = mat(n * k, 5 * n + k), x = mat(k, k);
      const c = new Float64Array(m * n), cnt = new Float64Array(m * n), y = new Float64Array(m);
      dgemm(m, n, k, a, b, c);
      dgemmNT(m, n, k, a, bt, cnt);
      dgemv(m, k, a, x, y);
      for (const core of [simd, scalar]) {
        expect(run(core, 'dgemm', [m, n, k], [a, b], m * n)).toEqual(c);
        expect(run(core, 'dgemmNT', [m, n, k], [a, bt], m * n)).toEqual(cnt);
        expect(run(core, 'dgemv', [m, k], [a, x], m)).toEqual(y);
      }
    }
  });

  test('large products (256³, as in the network kernel) also agree bit for bit', () => {
    const n = 256;
    const a = mat(n * n, 41), b = mat(n * n, 42);
    const c = new Float64Array(n * n), cnt = new Float64Array(n * n);
    dgemm(n, n, n, a, b, c);
    dgemmNT(n, n, n, a, b, cnt);
    expect(run(simd, 'dgemm', [n, n, n], [a, b], n * n)).toEqual(c);
    expect(run(simd, 'dgemmNT', [n, n, n], [a, b], n * n)).toEqual(cnt);
  });
};

PARITY['numerics/rng'] = () => {
  function wasmNormals(seed: number, stream: number, n: number): Float64Array {
    const core = wasmCore('test');
    const b = core.allocF64(n);
    const [lo, hi] = seedHalves(seed);
    expect(core.rngFillNormal(lo, hi, stream, b, n)).toBe(0);
    const out = core.readF64(b, n);
    core.free(b);
    return out;
  }

  test('raw 64-bit outputs match wf_rng_fill_u64 (seeds below and above 2³², large stream index)', () => {
    const core = wasmCore('test');
    for (const [seed, stream] of [
      [0, 0],
      [42, 7],
      [2 ** 40 + 12345, 3],
      [Number.MAX_SAFE_INTEGER, 2 ** 50 + 1],
    ]) {
      const n = 1000;
      const b = core.alloc(8 * n);
      const [lo, hi] = seedHalves(seed);
      expect(core.rngFillU64(lo, hi, stream, b, n)).toBe(0);
      const w = new Uint32Array(core.exports.memory.buffer, b.ptr, 2 * n).slice();
      core.free(b);
      const r = new Rng(seed, stream);
      for (let i = 0; i < n; i++) {
        r.nextHiLo();
        if (r.lo !== w[2 * i] || r.hi !== w[2 * i + 1]) throw new Error(`seed ${seed} stream ${stream} draw ${i}`);
      }
    }
  });

  test('1 048 576 normals per stream are bit-identical between wf_rng_fill_normal and Rng.fillNormal (3 streams)', () => {
    const n = 1 << 20;
    for (const [seed, stream] of [
      [1, 0],
      [2 ** 33 + 5, 17],
      [987654321, 2 ** 45],
    ]) {
      const w = wasmNormals(seed, stream, n);
      const t = new Float64Array(n);
      new Rng(seed, stream).fillNormal(t);
      let mismatches = 0;
      for (let i = 0; i < n; i++) if (!Object.is(w[i], t[i])) mismatches++;
      expect(mismatches).toBe(0);
    }
  });
};

PARITY['numerics/quadrature/rules'] = () => {
  test('wf_hermite_rule equals the TypeScript rule to 1e-15 (n = 7, 64, 1000)', () => {
    const core = wasmCore('test');
    for (const n of [7, 64, 1000]) {
      const nodes = core.allocF64(n),
        weights = core.allocF64(n);
      expect(core.hermiteRule(n, nodes, weights)).toBe(0);
      const wn = core.readF64(nodes, n),
        ww = core.readF64(weights, n);
      const r = computeHermiteRule(n);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(wn[i] - r.nodes[i])).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(r.nodes[i])));
        expect(Math.abs(ww[i] - r.weights[i])).toBeLessThanOrEqual(1e-15 * r.weights[i]);
      }
      core.free(nodes);
      core.free(weights);
    }
  });
};

PARITY['numerics/quadrature/expect'] = () => {
  test('wasm and js agree to 1e-12 relative on every moment, every builtin, K ∈ {0, 1e-3, 0.1, 1, 2.5, 10}', () => {
    for (const activation of BUILTINS) {
      for (const K of KS) {
        const w = gaussianExpectations({ activation, K, backend: 'wasm' });
        const j = gaussianExpectations({ activation, K, backend: 'js' });
        expect(w.backend).toBe('wasm');
        expect(j.backend).toBe('js');
        for (const m of MOMENT_NAMES) {
          const scale = Math.max(Math.abs(j[m]), 1e-300);
          if (!(Math.abs(w[m] - j[m]) <= 1e-12 * scale || Math.abs(w[m] - j[m]) < 1e-300)) {
            throw new Error(`${JSON.stringify(activation)} K=${K} ${m}: wasm ${w[m]} js ${j[m]}`);
          }
          expect(Number.isFinite(w[m])).toBe(true);
        }
        expect(Math.abs(w.error - j.error)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(j.sigma4)));
      }
    }
  });
};

// ---------------------------------------------------------------------------------------------
// theory

PARITY['theory/moments'] = () => {
  test('layer 2 of theory() (K, Θ, V, …, χ: the bundle at K⁽¹⁾ and nothing else) agrees to 1e-12 for every builtin, K⁽¹⁾ from 1e-3 to 10', () => {
    for (const act of BUILTINS) {
      for (const x2 of [1e-3, 0.1, 1, 10]) {
        const spec: NetworkSpec = { activation: act as NetworkSpec['activation'], depth: 2, width: 8, inputWidth: 3, Cb: 0, CW: 1, lambdaB: 0.5, lambdaW: 1.5, input: { x2 } };
        const a = theory(spec, { backend: 'wasm' }).layers[1];
        const b = theory(spec, { backend: 'js' }).layers[1];
        for (const k of [...STAT_KEYS, 'chiParallel', 'chiPerp'] as const) {
          expect(Math.abs(a[k] - b[k]), `${JSON.stringify(act)} x²=${x2} ${k}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(b[k]), 1e-300));
        }
      }
    }
  });
};

PARITY['theory/recursion'] = () => {
  const base = (over: Partial<NetworkSpec>): NetworkSpec => ({
    activation: 'tanh', depth: 6, width: 32, inputWidth: 8, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 }, ...over,
  });
  const activations: NetworkSpec['activation'][] = [
    'linear', 'relu', { name: 'leaky_relu', slope: 0.1 }, 'tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'swish', 'sin', { name: 'elu', alpha: 1.2 },
    { name: 'scaled_tanh', a: 0.7 }, { name: 'monomial', p: 3 },
  ];
  test.each(activations.map((a) => [typeof a === 'string' ? a : a.name, a]))('wasm and js agree to 1e-12 for %s', (_n, activation) => {
    const spec = base({ activation, depth: 5, widths: [4, 16, 32, 16, 24], Cb: [0.1, 0.2, 0.05, 0.1, 0.3], CW: [1.1, 1.3, 0.9, 1.2, 1.0], lambdaB: 0.5, lambdaW: [1.5, 1, 0.5, 2, 1] });
    if ((activation as { name?: string }).name === 'monomial') spec.CW = 0.6;
    const a = theory(spec, { backend: 'wasm' });
    const b = theory(spec, { backend: 'js' });
    a.layers.forEach((la, i) => {
      const lb = b.layers[i];
      for (const k of [...STAT_KEYS, 'chiParallel', 'chiPerp'] as const) {
        const scale = Math.max(Math.abs(lb[k]), 1e-300);
        expect(Math.abs(la[k] - lb[k]) / scale, `${k} layer ${i + 1}`).toBeLessThan(1e-12);
      }
    });
  });
};

PARITY['theory/kernel_matrix'] = () => {
  /** Five inputs in R^6 with different norms and both signs of correlation (deterministic). */
  const X = [
    [1.0, 0.5, -0.3, 0.8, 0.1, -0.6],
    [-0.2, 1.1, 0.4, 0.0, 0.7, 0.3],
    [0.9, 0.45, -0.2, 0.7, 0.15, -0.5],
    [-1.2, -0.4, 0.3, -0.9, 0.0, 0.8],
    [0.05, -0.1, 0.02, 0.0, -0.03, 0.04],
  ];
  const N = X.length;
  const base = (over: Record<string, unknown> = {}) => ({ activation: 'tanh', depth: 4, Cb: 0.1, CW: 1.5, lambdaB: 0.4, lambdaW: 1.2, inputs: X, ...over }) as Parameters<typeof kernels>[0];
  const at = (m: Float64Array, a: number, b: number) => m[a * N + b];
  for (const activation of ['tanh', 'gelu', 'swish', 'elu', 'sigmoid', 'relu', { name: 'monomial', p: 3 }] as const) {
    const name = typeof activation === 'string' ? activation : 'monomial x³';
    test(`${name}: wasm and js agree to 1e-12, and every K⁽ℓ⁾, Θ⁽ℓ⁾ is symmetric`, () => {
      const spec = base({ activation: activation as never, depth: 3, CW: 1.3 });
      const w = kernels(spec, { backend: 'wasm' });
      const j = kernels(spec, { backend: 'js' });
      expect(w.backend).toBe('wasm');
      expect(j.backend).toBe('js');
      w.layers.forEach((lw, l) => {
        for (const key of ['K', 'Theta'] as const) {
          const scale = Math.max(...Array.from(lw[key], Math.abs));
          for (let i = 0; i < N * N; i++) expect(Math.abs(lw[key][i] - j.layers[l][key][i])).toBeLessThan(1e-12 * scale);
          for (let a = 0; a < N; a++) for (let b = 0; b < a; b++) expect(at(lw[key], a, b)).toBe(at(lw[key], b, a));
        }
      });
    });
  }
};

PARITY['theory/mehler'] = () => {
  // Norms from 0.02 to 9 (K⁽¹⁾ up to ≈ 12 at C_W = 1.5): the last input's tanh series would pass M_CAP, so
  // its pairs take the 2-D rule while the others' take the series — both paths and their mix.
  const X = [
    [1.0, 0.5, -0.3, 0.8],
    [-0.2, 1.1, 0.4, 0.0],
    [0.1, 0.05, -0.1, 0.0],
    [0.9, 0.45, -0.2, 0.7],
    [-6, 5, 5, -4],
  ];
  const N = X.length;
  for (const activation of ['tanh', 'softplus', 'swish', { name: 'scaled_tanh', a: 0.7 }] as const) {
    const name = typeof activation === 'string' ? activation : 'scaled tanh';
    test(`${name}: series and 2-D pairs, wasm and js agree to 1e-12`, () => {
      const spec = { activation, depth: 3, Cb: 0.1, CW: 1.5, lambdaB: 0.4, lambdaW: 1.2, inputs: X } as Parameters<typeof kernels>[0];
      const w = kernels(spec, { backend: 'wasm' });
      const j = kernels(spec, { backend: 'js' });
      w.layers.forEach((lw, l) => {
        for (const key of ['K', 'Theta'] as const) {
          const scale = Math.max(...Array.from(lw[key], Math.abs));
          for (let i = 0; i < N * N; i++) expect(Math.abs(lw[key][i] - j.layers[l][key][i]), `${key}[${i}] layer ${l + 1}`).toBeLessThan(1e-12 * scale);
        }
      });
    });
  }
};

/** wasm and js agree to 1e-12 on every packed tensor of a 3-layer run with N = 4 inputs. */
function multiCase(activation: string | { name: string; alpha: number }, what: string): void {
  // four inputs, one pair at cosine ≈ 0.97 (rows 0 and 2), per-layer hyperparameters
  const X = [
    [1.0, 0.5, -0.3],
    [-0.2, 1.1, 0.4],
    [0.9, 0.45, -0.2],
    [-0.7, 0.2, 0.9],
  ];
  const name = typeof activation === 'string' ? activation : activation.name;
  test(`${name} (${what}): wasm and js agree to 1e-12 on every packed tensor (N = 4)`, () => {
    const spec = { activation, depth: 3, widths: [3, 20, 30], Cb: [0.1, 0.2, 0.05], CW: [1.6, 1.3, 1.1], lambdaB: 0.4, lambdaW: [0.9, 1.2, 0.7], input: { X } } as const;
    const w = theory(spec as never, { backend: 'wasm' }) as unknown as TheoryMultiResult;
    const j = theory(spec as never, { backend: 'js' }) as unknown as TheoryMultiResult;
    expect(w.backend).toBe('wasm');
    w.layers.forEach((lw, l) => {
      const lj = j.layers[l];
      const arrays: Array<[string, ArrayLike<number>, ArrayLike<number>]> = [
        ['K', lw.K, lj.K], ['Theta', lw.Theta, lj.Theta], ['G1', lw.G1, lj.G1], ['H1', lw.H1, lj.H1],
        ...MULTI_TENSORS.map((k) => [k, lw[k].data, lj[k].data] as [string, Float64Array, Float64Array]),
      ];
      const kScale = Math.max(...Array.from(lj.K, Math.abs), ...Array.from(lj.Theta, Math.abs));
      for (const [k, a, b] of arrays) {
        const scale = Math.max(...Array.from(b, Math.abs), k === 'G1' || k === 'H1' ? kScale : 1e-300);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `${k}[${i}] layer ${l + 1}`).toBeLessThanOrEqual(1e-12 * scale);
      }
    });
  });
}
const MULTI_TENSORS = ['V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const;

PARITY['theory/multi/mod'] = () => {
  multiCase('tanh', 'the whole recursion, odd σ: half-range tables');
  multiCase('linear', 'Gauss–Hermite levels');
};

PARITY['theory/multi/rules'] = () => {
  multiCase('relu', 'kink-aware Gauss–Legendre panels, closed innermost level');
  multiCase({ name: 'elu', alpha: 1.3 }, 'kinked with curvature: erfcx closed forms');
};

PARITY['theory/multi/tables'] = () => {
  multiCase('gelu', 'trapezoid levels, four-point tables and pair data');
};

PARITY['theory/multi/step'] = () => {
  multiCase('swish', 'the step with per-layer hyperparameters');
};

PARITY['theory/multi/dntk'] = () => {
  multiCase({ name: 'elu', alpha: 0.6 }, 'P … U: curvature tables, ω̃ and the dNTK/ddNTK step');
};

PARITY['theory/multi/packing'] = () => {
  test('wf_theory_multi_stride(N) = layerStride(N) for N = 1 … 6 (same orbit counts in both backends)', () => {
    for (let n = 1; n <= 6; n++) expect(wasmCore('parity').theoryMultiStride(n)).toBe(layerStride(n));
  });
};

// ---------------------------------------------------------------------------------------------
// sampling/network: the chunk export `wf_ensemble_chunk` = `ensembleChunk`, with cases chosen so that
// each phase file is exercised where it matters (order 0: forward only; order 1: + back-propagation
// and first-order jets; order 2: second-order jets; order 3: third-order jets and the HVP sweep).

/** Chunk sums of a config agree to 1e-12 relative for three chunk ranges (including indices near 2^40). */
function chunkCase(label: string, c: NetworkConfig): void {
  test(`${label}: chunk sums agree to 1e-12 relative`, () => {
    for (const [first, count] of [[0, 1], [17, 3], [1e12, 2]]) {
      const js = jsValues(c, first, count);
      const wasm = wasmValues(c, first, count);
      expect(maxRel(js, wasm)).toBeLessThanOrEqual(1e-12);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// sampling/multi: `wf_ensemble_multi_chunk` = `ensembleMultiChunk` (N inputs).

function multiConfig(widths: number[], neurons: number[], kind: number, a: number, N: number, seed: number, order = 3): MultiNetworkConfig {
  const L = widths.length - 1;
  const X = Array.from({ length: N * widths[0] }, (_, i) => Math.sin(1.7 * i + 0.3) * 1.2);
  return { widths, Cb: Array(L).fill(0.2), CW: Array(L).fill(1.5), lambdaB: Array(L).fill(0.8), lambdaW: Array(L).fill(1.1), kind, a, order, seed, neurons, inputs: N, X };
}

function multiJs(c: MultiNetworkConfig, first: number, count: number): Float64Array {
  const out = new Float64Array((c.widths.length - 1) * multiStatsLen(c.inputs));
  ensembleMultiChunkJs(packMultiConfig(c), first, count, out);
  return out;
}

function multiWasm(cfg: Float64Array, L: number, N: number, first: number, count: number): { status: number; out: Float64Array } {
  const core = wasmCore('parity');
  const cb = core.allocF64(cfg);
  const ob = core.allocF64(L * multiStatsLen(N));
  const status = core.ensembleMultiChunk(cb, first, count, ob);
  const out = core.readF64(ob, L * multiStatsLen(N));
  core.free(cb);
  core.free(ob);
  return { status, out };
}

function ensembleMultiCase(label: string, c: MultiNetworkConfig): void {
  test(`${label}: chunk sums agree to 1e-12 relative`, () => {
    for (const [first, count] of [[0, 1], [9, 2], [1e12, 1]]) {
      const js = multiJs(c, first, count);
      const w = multiWasm(packMultiConfig(c), c.widths.length - 1, c.inputs, first, count);
      expect(w.status).toBe(0);
      expect(maxRel(js, w.out)).toBeLessThanOrEqual(1e-12);
    }
  });
}

PARITY['sampling/multi/config'] = () => {
  test('malformed buffers throw in js and return a negative status in wasm (never trap)', () => {
    const cfg = packMultiConfig(multiConfig([2, 3, 2], [2, 2], 3, 0, 2, 1));
    const out = new Float64Array(2 * multiStatsLen(2));
    const mutations: Array<(c: Float64Array) => Float64Array> = [
      (c) => c.slice(0, c.length - 1),
      (c) => ((c[0] = 2.5), c),
      (c) => ((c[1] = 0), c),
      (c) => ((c[1] = 99), c),
      (c) => ((c[3] = 0), c),
      (c) => ((c[6] = -1), c),
      (c) => ((c[c.length - 9] = 4), c), // order
      (c) => ((c[c.length - 6] = 7), c),
      (c) => ((c[c.length - 1] = NaN), c),
    ];
    for (const f of mutations) {
      const bad = f(cfg.slice());
      expect(() => ensembleMultiChunkJs(bad, 0, 1, out)).toThrow(InvalidParameterError);
      const core = wasmCore('parity');
      const cb = core.allocF64(bad);
      const ob = core.allocF64(2 * multiStatsLen(32));
      expect(core.ensembleMultiChunk(cb, 0, 1, ob)).toBeLessThan(0);
      core.free(cb);
      core.free(ob);
    }
  });
};

PARITY['sampling/multi/workspace'] = () => {
  test('wasm is bit-identical across repeated calls and additive across chunkings', () => {
    const c = multiConfig([3, 9, 7, 4], [3, 2, 2], 3, 0, 3, 4);
    const cfg = packMultiConfig(c);
    const a = multiWasm(cfg, 3, 3, 0, 4).out;
    multiWasm(packMultiConfig(multiConfig([2, 5, 3], [2, 2], 4, 0, 2, 1)), 2, 2, 0, 1);
    expect(multiWasm(cfg, 3, 3, 0, 4).out).toEqual(a);
    const b = multiWasm(cfg, 3, 3, 0, 2).out, d = multiWasm(cfg, 3, 3, 2, 2).out;
    expect(maxRel(b.map((x, i) => x + d[i]), a)).toBeLessThanOrEqual(1e-13);
  });
};

PARITY['sampling/multi/forward'] = () => {
  ensembleMultiCase('tanh, order 0', multiConfig([4, 9, 7, 4], [3, 3, 2], 3, 0, 3, 9, 0));
  ensembleMultiCase('relu, order 1', multiConfig([5, 12, 10, 3], [3, 2, 3], 4, 0, 2, 3, 1));
};

PARITY['sampling/multi/jets'] = () => {
  ensembleMultiCase('sin, order 2', multiConfig([2, 8, 7, 3], [3, 2, 2], 5, 0, 3, 4, 2));
  ensembleMultiCase('gelu 4 layers, order 3', multiConfig([3, 9, 6, 5, 3], [2, 3, 2, 2], 7, 0, 2, 2));
};

PARITY['sampling/multi/hvp'] = () => {
  ensembleMultiCase('tanh 3 layers, N = 3', multiConfig([3, 8, 6, 4], [2, 2, 2], 3, 0, 3, 1));
};

PARITY['sampling/multi/conditional'] = () => {
  // the conditional estimators (g2, gcv, hc1, h2, hcv): the full-NTK sweep with N² blocks (depth 4), the
  // Z moments of smooth and kinked σ, order 0 (no Ĥ), and a pair of identical inputs (degenerate Z)
  ensembleMultiCase('tanh 4 layers, N = 3, order 1', multiConfig([3, 7, 6, 5, 3], [2, 3, 2, 2], 3, 0, 3, 6, 1));
  ensembleMultiCase('relu 4 layers, N = 2, order 1', multiConfig([4, 6, 8, 5, 2], [2, 2, 2, 2], 1, 0, 2, 8, 1));
  ensembleMultiCase('elu 4 layers, N = 3, order 1 (Z moments by the kinked rule)', multiConfig([3, 6, 5, 4, 3], [2, 2, 2, 2], 10, 0.7, 3, 2, 1));
  ensembleMultiCase('leaky relu 3 layers, N = 3, order 0', multiConfig([3, 6, 5, 3], [2, 2, 2], 2, 0.1, 3, 2, 0));
  ensembleMultiCase('sigmoid 4 layers, N = 2, order 1 (Z moments on the disc, σ not odd)', multiConfig([3, 6, 5, 4, 3], [2, 2, 2, 2], 5, 0, 2, 7, 1));
  ensembleMultiCase('gelu 3 layers, N = 2, order 2', multiConfig([2, 5, 6, 3], [2, 2, 2], 7, 0, 2, 3, 2));
  test('identical inputs (a degenerate pair): finite, and js = wasm', () => {
    const c = multiConfig([3, 5, 4, 4, 2], [2, 2, 2, 2], 3, 0, 2, 4, 1);
    c.X = [0.4, -1, 0.7, 0.4, -1, 0.7];
    const js = multiJs(c, 0, 2);
    const w = multiWasm(packMultiConfig(c), 4, 2, 0, 2);
    expect(w.status).toBe(0);
    expect(js.every(Number.isFinite)).toBe(true);
    expect(maxRel(js, w.out)).toBeLessThanOrEqual(1e-12);
  });
};

PARITY['sampling/multi/stats'] = () => {
  test('each block of multiNetworkStats agrees to 1e-12 relative at every layer (elu, order 3)', () => {
    const c = multiConfig([3, 7, 6, 4], [3, 2, 2], 9, 0.7, 2, 11);
    const js = multiJs(c, 5, 2);
    const w = multiWasm(packMultiConfig(c), 3, 2, 5, 2).out;
    const len = multiStatsLen(2);
    const o = statOffsets(2);
    for (let l = 0; l < 3; l++) {
      for (const [name, q] of Object.entries(o)) {
        const n = name === 'zz' || name === 'zzc' || name === 'h' ? 4 : 16;
        for (let x = 0; x < n; x++) {
          const a = js[l * len + q + x], b = w[l * len + q + x];
          expect(Math.abs(a - b), `layer ${l + 1} ${name}[${x}]`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(a), Math.abs(b), 1e-300));
        }
      }
    }
  });
};

PARITY['sampling/multi/mod'] = () => {
  test('ensemble() with input { X }: the js twin and wasm give the same state to 1e-12', async () => {
    const spec = { activation: 'gelu' as const, depth: 3, widths: [2, 6, 5], outputWidth: 3, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.5, input: { X: [[1, 0.2], [-0.3, 0.8]] } };
    const a = await ensemble(spec, { samples: 40, seed: 2, neurons: 2, backend: 'wasm' });
    const b = await ensemble(spec, { samples: 40, seed: 2, neurons: 2, backend: 'js' });
    expect(maxRel(Float64Array.from(a.state.sums), Float64Array.from(b.state.sums))).toBeLessThanOrEqual(1e-12);
  });
};

PARITY['sampling/network/config'] = () => {
  const good = config([3, 4, 2], [2, 2], activation('tanh', {}), 1);
  test('malformed buffers throw in js and return a negative status in wasm (never trap)', () => {
    const cfg = packConfig(good);
    const out = new Float64Array(2 * NQ);
    const mutations: Array<(c: Float64Array) => Float64Array> = [
      (c) => c.slice(0, c.length - 1),
      (c) => ((c[0] = 2.5), c),
      (c) => ((c[2] = 0), c),
      (c) => ((c[5] = -1), c),
      (c) => ((c[12] = 99), c),
      (c) => ((c[14] = 7), c),
      (c) => ((c[15] = -1), c),
      (c) => ((c[18] = 3), c),
      (c) => ((c[20] = NaN), c),
    ];
    for (const f of mutations) {
      const bad = f(cfg.slice());
      expect(() => ensembleChunkJs(bad, 0, 1, out)).toThrow(InvalidParameterError);
      const core = wasmCore('parity');
      const cb = core.allocF64(bad);
      const ob = core.allocF64(64 * NQ);
      expect(core.ensembleChunk(cb, 0, 1, ob)).toBeLessThan(0);
      core.free(cb);
      core.free(ob);
    }
    expect(() => ensembleChunkJs(cfg, -1, 1, out)).toThrow(InvalidParameterError);
    expect(() => ensembleChunkJs(cfg, 0.5, 1, out)).toThrow(InvalidParameterError);
    expect(() => wasmValues(cfg, 2 ** 53, 1)).toThrow(/status -9/);
    // a workspace beyond wasm32 memory (k² n overflows 32-bit sizes) is refused with -10, not a trap
    expect(() => wasmValues(packConfig({ ...good, widths: [3, 70000, 2], neurons: [70000, 2] }), 0, 1)).toThrow(/status -10/);
    expect(wasmValues(cfg, 0, 1)).toEqual(wasmValues(cfg, 0, 1)); // and the instance still works
  });

};

PARITY['sampling/network/workspace'] = () => {
  test('wasm is bit-identical across repeated calls and additive across chunkings', () => {
    const c = packConfig(config([4, 24, 20, 16, 4], [4, 5, 3, 4], activation('tanh', {}), 6));
    const a = wasmValues(c, 0, 10);
    expect(wasmValues(c, 0, 10)).toEqual(a);
    // another shape in between must not disturb the cached workspace
    wasmValues(packConfig(config([3, 5, 2], [2, 2], activation('relu', {}), 7)), 0, 2);
    const b = wasmValues(c, 0, 5), d = wasmValues(c, 5, 5);
    const sum = b.map((x, i) => x + d[i]);
    expect(maxRel(sum, a)).toBeLessThanOrEqual(1e-13);
    // and the js twin does the same
    const j = jsValues(config([4, 24, 20, 16, 4], [4, 5, 3, 4], activation('tanh', {}), 6), 0, 10);
    expect(maxRel(j, a)).toBeLessThanOrEqual(1e-12);
    // releasing the cached workspaces changes nothing but memory
    releaseNetworkWorkspace(wasmCore('parity'));
    expect(wasmValues(c, 0, 10)).toEqual(a);
  });
};

PARITY['sampling/network/forward'] = () => {
  chunkCase('tanh, order 0 (z only: draw and forward pass)', config([5, 9, 7, 4], [5, 4, 3], activation('tanh', {}), 9, 0));
  chunkCase('relu, order 1', config([6, 33, 32, 7], [5, 6, 3], activation('relu', {}), 3, 1));
};

PARITY['sampling/network/jets'] = () => {
  chunkCase('sin, order 2', config([2, 12, 11, 3], [4, 3, 3], activation('sin', {}), 4, 2));
  chunkCase('gelu 4-layer, odd widths', config([3, 17, 9, 13, 5], [3, 4, 2, 5], activation('gelu', {}), 2));
};

PARITY['sampling/network/hvp'] = () => {
  chunkCase('tanh 3-layer, k = n', config([5, 8, 6, 4], [8, 6, 4], activation('tanh', {}), 1));
  chunkCase('swish, width 64', config([4, 64, 64, 4], [4, 4, 4], activation('swish', {}), 5));
};

PARITY['sampling/network/stats'] = () => {
  test('each per-network value, by its name in Q, agrees to 1e-12 relative at every layer (elu, order 3)', () => {
    const c = config([4, 10, 9, 8, 3], [4, 3, 5, 3], activation('elu', { alpha: 0.7 }), 11);
    const js = jsValues(c, 5, 4);
    const wasm = wasmValues(c, 5, 4);
    for (let l = 0; l < 4; l++) {
      for (const [name, q] of Object.entries(Q)) {
        const a = js[l * NQ + q], b = wasm[l * NQ + q];
        expect(Math.abs(a - b), `layer ${l + 1} ${name}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(a), Math.abs(b), 1e-300));
      }
    }
  });
};

PARITY['sampling/network/conditional'] = () => {
  // depth 5 runs the full-NTK sweep through two n³ steps (hf, gemm) and the diagonal-only last step
  chunkCase('tanh 5-layer, odd widths, order 1', config([3, 11, 9, 13, 7, 4], [3, 4, 2, 5, 3], activation('tanh', {}), 12, 1));
  chunkCase('relu 4-layer, order 0 (G chain only)', config([4, 10, 12, 9, 3], [3, 3, 3, 3], activation('relu', {}), 13, 0));
  test('g2, gcv, hc1, h2, hcv agree to 1e-12 relative at every layer (gelu, depth 5)', () => {
    const c = config([4, 12, 10, 14, 9, 3], [4, 3, 5, 3, 3], activation('gelu', {}), 14, 1);
    const js = jsValues(c, 2, 3);
    const wasm = wasmValues(c, 2, 3);
    for (let l = 0; l < 5; l++) {
      for (const name of ['g2', 'gcv', 'hc1', 'h2', 'hcv'] as const) {
        const a = js[l * NQ + Q[name]], b = wasm[l * NQ + Q[name]];
        expect(Math.abs(a - b), `layer ${l + 1} ${name}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(a), Math.abs(b), 1e-300));
      }
    }
  });
};

PARITY['sampling/network/mod'] = () => {
  const spec = (over: Partial<NetworkSpec> = {}): NetworkSpec => ({
    activation: 'tanh', depth: 3, widths: [4, 8, 8], outputWidth: 4, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.5, input: { x2: 1 }, ...over,
  });
  test('the js twin and wasm sample the same networks (agree to 1e-10)', async () => {
    const a = await ensemble(spec({ activation: 'gelu' }), { samples: 64, seed: 2, backend: 'wasm' });
    const b = await ensemble(spec({ activation: 'gelu' }), { samples: 64, seed: 2, backend: 'js' });
    a.layers.forEach((la, i) => {
      for (const k of ENSEMBLE_KEYS) {
        const x = la[k]!.mean;
        const y = b.layers[i][k]!.mean;
        expect(Math.abs(x - y), `${k} layer ${i + 1}`).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(y)));
      }
    });
  });

  test('the SIMD and the scalar wasm artifacts give bit-identical sums (same order in every lane)', async () => {
    const scalar = await instantiate((await readFile(new URL('../../wasm/wideflow.wasm', import.meta.url))) as unknown as Uint8Array<ArrayBuffer>);
    expect(wasmCore('parity').simd).toBe(true);
    expect(scalar.simd).toBe(false);
    const c = packConfig(config([5, 19, 18, 7, 3], [4, 5, 3, 3], activation('gelu', {}), 8));
    const cb = scalar.allocF64(c), ob = scalar.allocF64(4 * NQ);
    expect(scalar.ensembleChunk(cb, 3, 4, ob)).toBe(0);
    expect(scalar.readF64(ob, 4 * NQ)).toEqual(wasmValues(c, 3, 4));
  });

};

// ---------------------------------------------------------------------------------------------
// trained networks

/** A training config: deterministic data from a small LCG (not the library RNG). */
function trainConfig(widths: number[], act: string | { name: string; [k: string]: unknown }, N: number, M: number, over: Partial<TrainNetConfig> = {}): TrainNetConfig {
  const L = widths.length - 1;
  let s = 7919 * N + 17 * M + widths[1];
  const rnd = (n: number) => Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648), (2 * s) / 2147483648 - 1));
  const a = activation(typeof act === 'string' ? act : act.name, typeof act === 'string' ? {} : (act as Record<string, number>));
  const per = (f: (l: number) => number) => Array.from({ length: L }, (_, l) => f(l));
  return {
    widths, Cb: per((l) => 0.1 + 0.05 * l), CW: per(() => 1.4), lambdaB: per((l) => (l === 1 ? 0 : 0.6 + 0.2 * l)), lambdaW: per((l) => 1.2 - 0.1 * l),
    kind: a.kind, a: a.a, seed: 4242, xTrain: rnd(N * widths[0]), yTrain: rnd(N * widths[L]), xTest: rnd(M * widths[0]),
    nTrain: N, nTest: M, steps: 1, eta: 1, tol: 0, blowup: 1e6, record: [0], stride: 1, k: 0, ...over,
  };
}

/** Records of networks first … first+count−1 from a wasm core. */
function wasmTrain(core: WasmCore, cfg: Float64Array, first: number, count: number): Float64Array {
  const len = count * trainLayout(parseTrainConfig(cfg)).len;
  const cb = core.allocF64(cfg), ob = core.allocF64(len);
  try {
    expect(core.trainChunk(cb, first, count, ob, len)).toBe(0);
    return core.readF64(ob, len);
  } finally {
    core.free(cb);
    core.free(ob);
  }
}

const identical = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

PARITY['sampling/train/config'] = () => {
  test('malformed configs throw in js and return a negative status in wasm (never trap)', () => {
    const core = wasmCore('parity');
    const good = packTrainConfig(trainConfig([2, 5, 1], 'tanh', 3, 1, { steps: 4, record: [0, 4], k: 1 }));
    const L = 2, ot = 2 + 5 * L + 4, or = ot + 9;
    const bad: Array<[string, (c: Float64Array) => Float64Array, number]> = [
      ['η = 0', (c) => ((c[ot + 3] = 0), c), -15],
      ['record steps not increasing', (c) => ((c[or + 1] = 0), c), -15],
      ['k > n_L', (c) => ((c[ot + 8] = 2), c), -15],
      ['N = 0', (c) => ((c[ot] = 0), c), -15],
      ['a NaN label', (c) => ((c[c.length - 3] = NaN), c), -8],
      ['too short', (c) => c.slice(0, -1), -1],
      ['width 0', (c) => ((c[2] = 0), c), -2],
      ['C_W < 0', (c) => ((c[2 + L + 1] = -1), c), -3],
      ['activation kind 3.5', (c) => ((c[2 + 5 * L] = 3.5), c), -4],
    ];
    for (const [what, mutate, code] of bad) {
      const c = mutate(good.slice());
      expect(() => parseTrainConfig(c), what).toThrow(InvalidParameterError);
      const cb = core.allocF64(c), ob = core.allocF64(1000);
      expect(core.trainChunk(cb, 0, 1, ob, 1000), what).toBe(code);
      core.free(cb);
      core.free(ob);
    }
    // an output buffer shorter than count × record length
    const len = trainLayout(parseTrainConfig(good)).len;
    const cb = core.allocF64(good), ob = core.allocF64(2 * len);
    expect(core.trainChunk(cb, 0, 2, ob, 2 * len - 1)).toBe(-1);
    core.free(cb);
    core.free(ob);
  });
};

PARITY['sampling/train/mod'] = () => {
  const cases: Array<[string, TrainNetConfig]> = [
    ['tanh L=3, records, loss stride, 2 NTK neurons', trainConfig([3, 24, 20, 2], 'tanh', 4, 2, { steps: 30, eta: 0.2, record: [0, 7, 30], stride: 3, k: 2 })],
    ['gelu L=2, stops at tol', trainConfig([2, 33, 1], 'gelu', 3, 1, { steps: 400, eta: 0.3, tol: 1e-4, record: [0, 50, 400], stride: 7, k: 1 })],
    ['relu L=4, diverges', trainConfig([2, 9, 8, 7, 3], 'relu', 5, 2, { steps: 40, eta: 40, record: [0, 1, 2, 40], k: 3 })],
    ['elu L=3, odd widths, no test inputs', trainConfig([3, 17, 11, 2], { name: 'elu', alpha: 0.7 }, 7, 0, { steps: 25, eta: 0.05, record: [0, 25], k: 2 })],
  ];
  for (const [name, c] of cases) {
    test(`records bit for bit: ${name}`, () => {
      const cfg = packTrainConfig(c);
      const len = trainLayout(parseTrainConfig(cfg)).len;
      const js = new Float64Array(3 * len);
      trainChunk(cfg, 5, 3, js);
      expect(identical(wasmTrain(wasmCore('parity'), cfg, 5, 3), js)).toBe(true);
    });
  }
  test('the SIMD and the scalar wasm artifacts train bit-identically (the SIMD update tile keeps the order)', async () => {
    const scalar = await instantiate(await wasmBytes('wideflow.wasm'));
    expect(scalar.simd).toBe(false);
    const cfg = packTrainConfig(cases[0][1]);
    expect(identical(wasmTrain(scalar, cfg, 0, 2), wasmTrain(wasmCore('parity'), cfg, 0, 2))).toBe(true);
  });
};

for (const [pair, register] of Object.entries(PARITY)) describe(`${pair}: wasm = js`, register);

/**
 * Trained networks: full-batch gradient descent on the MSE loss per sampled network — the pure-TS
 * twin of `crates/core/src/sampling/train/mod.rs` (same algorithm, same floating-point operations in
 * the same order, so the two backends agree bit for bit; the derivation is in the Rust module docs and
 * in docs/theory/trainer.md).
 *
 *   loss   𝓛 = ½ Σ_{α ∈ train} Σ_i (z⁽ᴸ⁾_{i;α} − y_{i;α})²
 *   step   θ_μ ← θ_μ − η λ_μ ∂𝓛/∂θ_μ,   λ = λ_b⁽ᵐ⁾ on b⁽ᵐ⁾, λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾
 *   NTK    Θ̂_{ij;δδ'} = Σ_μ λ_μ ∂z_{i;δ}/∂θ_μ ∂z_{j;δ'}/∂θ_μ
 *
 * Network i is drawn with the ensembles' sampler (`drawParameters` of ts/twin/sampling/network), so a
 * trained ensemble and an `ensemble()` run with the same seed hold the same networks.
 */
import { ACTIVATIONS, activationName, Branch, fromRaw, type Activation } from '../../numerics/activation.js';
import { InvalidParameterError, WideflowError } from '../../../api/errors.js';
import { gemmNT, transpose } from '../../numerics/gemm.js';
import { drawParameters } from '../network/forward.js';
import { bad, isInt, LIMIT, parseTrainConfig, SLOT, STATUS, TRAIN_STATUS, TWO32, trainLayout, type DecodedTrain, type TrainLayout } from './config.js';

export * from './config.js';

const f64 = (n: number) => new Float64Array(n);

/** All buffers of one config shape (as `Work` in Rust). Exposed for the gradient tests. */
export class Workspace {
  readonly key: string;
  readonly w: Float64Array[] = [f64(0)];
  /** W⁽ᵐ⁾ᵀ for 2 ≤ m ≤ L. */
  readonly wt: Float64Array[] = [f64(0)];
  readonly b: Float64Array[] = [f64(0)];
  readonly z: Float64Array[] = [f64(0)];
  readonly a: Float64Array[];
  readonly d1: Float64Array[] = [f64(0)];
  del: Float64Array;
  del2: Float64Array;
  readonly gb: Float64Array;
  nd: Float64Array;
  nd2: Float64Array;
  readonly gk: Float64Array;
  readonly sg: Float64Array;
  private readonly d4 = f64(4);

  constructor(d: DecodedTrain) {
    const wd = d.widths;
    const L = wd.length - 1;
    const N = d.nTrain, P = d.nTrain + d.nTest, k = d.k;
    this.key = trainShapeKey(d);
    const nmax = Math.max(...wd);
    this.a = [f64(P * wd[0])];
    this.del = f64(N * nmax);
    this.del2 = f64(N * nmax);
    this.gb = f64(nmax);
    this.nd = f64(k * P * nmax);
    this.nd2 = f64(k * P * nmax);
    this.gk = f64(k * P * k * P);
    this.sg = f64(k > 0 ? P * P : 0);
    for (let m = 1; m <= L; m++) {
      const n = wd[m], np = wd[m - 1];
      this.w.push(f64(n * np));
      this.wt.push(f64(m >= 2 ? n * np : 0));
      this.b.push(f64(n));
      this.z.push(f64(P * n));
      const hidden = m < L ? P * n : 0;
      this.a.push(f64(hidden));
      this.d1.push(f64(hidden));
    }
  }

  /** Draws network `index` with the ensembles' sampler, and the kept transposes. */
  draw(d: DecodedTrain, seed: number, index: number): void {
    const wd = d.widths;
    drawParameters(seed, index, wd, d.cw, d.cb, this.w, this.b);
    for (let m = 2; m < wd.length; m++) transpose(wd[m], wd[m - 1], this.w[m], 0, wd[m - 1], this.wt[m], 0, wd[m]);
  }

  /** Z⁽ᵐ⁾, A⁽ᵐ⁾, σ′ for input rows r0 … r1−1. */
  forward(d: DecodedTrain, act: Activation, r0: number, r1: number): void {
    const wd = d.widths;
    const L = wd.length - 1;
    const rows = r1 - r0;
    if (rows === 0) return;
    const dd = this.d4;
    for (let m = 1; m <= L; m++) {
      const n = wd[m], np = wd[m - 1];
      const z = this.z[m], b = this.b[m];
      gemmNT(rows, n, np, this.a[m - 1], r0 * np, np, this.w[m], 0, np, z, r0 * n, n);
      for (let r = r0; r < r1; r++) {
        for (let i = 0; i < n; i++) z[r * n + i] += b[i];
      }
      if (m < L) {
        const a = this.a[m], d1 = this.d1[m];
        for (let idx = r0 * n; idx < r1 * n; idx++) {
          act.evalBranch(z[idx], Branch.Pointwise, dd);
          a[idx] = dd[0];
          d1[idx] = dd[1];
        }
      }
    }
  }

  /** Δ⁽ᴸ⁾ = Z⁽ᴸ⁾ − Y on the training rows (into `del`); returns 𝓛 = ½ Σ Δ². */
  residual(d: DecodedTrain): number {
    const L = d.widths.length - 1;
    const nL = d.widths[L];
    const z = this.z[L], y = d.y, del = this.del;
    let s = 0;
    for (let idx = 0; idx < d.nTrain * nL; idx++) {
      const e = z[idx] - y[idx];
      del[idx] = e;
      s += e * e;
    }
    return 0.5 * s;
  }

  /** One gradient-descent step from the residual in `del`. */
  step(d: DecodedTrain): void {
    const wd = d.widths;
    const N = d.nTrain;
    for (let m = wd.length - 1; m >= 1; m--) {
      const nn = wd[m], np = wd[m - 1];
      const gb = this.gb, del = this.del;
      gb.fill(0, 0, nn);
      for (let r = 0; r < N; r++) {
        for (let i = 0; i < nn; i++) gb[i] += del[r * nn + i];
      }
      if (m > 1) {
        const del2 = this.del2;
        gemmNT(N, np, nn, del, 0, nn, this.wt[m], 0, nn, del2, 0, np);
        const d1 = this.d1[m - 1];
        for (let idx = 0; idx < N * np; idx++) del2[idx] *= d1[idx];
      }
      const cb = d.eta * d.lb[m - 1];
      const cw = d.eta * (d.lw[m - 1] / np);
      const b = this.b[m];
      for (let i = 0; i < nn; i++) b[i] -= cb * gb[i];
      update(nn, np, N, del, this.a[m - 1], cw, this.w[m]);
      if (m >= 2) transpose(nn, np, this.w[m], 0, np, this.wt[m], 0, nn);
      const t = this.del;
      this.del = this.del2;
      this.del2 = t;
    }
  }

  /** Θ̂_{(iδ),(jδ')} for i, j < k over all P inputs into out[o … o + (kP)²). */
  ntk(d: DecodedTrain, out: Float64Array, o: number): void {
    const wd = d.widths;
    const L = wd.length - 1;
    const P = d.nTrain + d.nTest, k = d.k;
    const kp = k * P;
    out.fill(0, o, o + kp * kp);
    const sg = this.sg, gk = this.gk;
    for (let m = L; m >= 1; m--) {
      const np = wd[m - 1];
      gemmNT(P, P, np, this.a[m - 1], 0, np, this.a[m - 1], 0, np, sg, 0, P);
      const lb = d.lb[m - 1], mu = d.lw[m - 1] / np;
      if (m === L) {
        for (let i = 0; i < k; i++) {
          for (let a = 0; a < P; a++) {
            for (let e = 0; e < P; e++) out[o + (i * P + a) * kp + i * P + e] += lb + mu * sg[a * P + e];
          }
        }
      } else {
        const n = wd[m];
        gemmNT(kp, kp, n, this.nd, 0, n, this.nd, 0, n, gk, 0, kp);
        for (let u = 0; u < kp; u++) {
          const a = u % P;
          for (let v = 0; v < kp; v++) out[o + u * kp + v] += gk[u * kp + v] * (lb + mu * sg[a * P + (v % P)]);
        }
      }
      if (m > 1) {
        const d1 = this.d1[m - 1];
        if (m === L) {
          const wl = this.w[L], nd = this.nd;
          for (let i = 0; i < k; i++) {
            for (let a = 0; a < P; a++) {
              for (let j = 0; j < np; j++) nd[(i * P + a) * np + j] = wl[i * np + j] * d1[a * np + j];
            }
          }
        } else {
          const nd2 = this.nd2;
          gemmNT(kp, np, wd[m], this.nd, 0, wd[m], this.wt[m], 0, wd[m], nd2, 0, np);
          for (let u = 0; u < kp; u++) {
            const a = u % P;
            for (let j = 0; j < np; j++) nd2[u * np + j] *= d1[a * np + j];
          }
          this.nd2 = this.nd;
          this.nd = nd2;
        }
      }
    }
  }

  private writeRecord(d: DecodedTrain, lay: TrainLayout, ri: number, loss: number, rec: Float64Array, o: number): void {
    const L = d.widths.length - 1;
    const nL = d.widths[L];
    const z = this.z[L];
    const nt = d.nTrain * nL, ns = d.nTest * nL;
    rec[o + lay.lossRec + ri] = loss;
    rec.set(z.subarray(0, nt), o + lay.zTrain + ri * nt);
    rec.set(z.subarray(nt, nt + ns), o + lay.zTest + ri * ns);
  }

  /** Trains network `index` and writes its record into rec[o … o + lay.len). */
  train(d: DecodedTrain, act: Activation, seed: number, lay: TrainLayout, index: number, rec: Float64Array, o: number): void {
    this.draw(d, seed, index);
    this.a[0].set(d.x);
    const N = d.nTrain, P = d.nTrain + d.nTest;
    const R = d.record.length;
    let halfY2 = 0;
    for (let i = 0; i < d.y.length; i++) halfY2 += d.y[i] * d.y[i];
    halfY2 *= 0.5;
    let bound = Infinity;
    let ri = 0;
    for (let t = 0; ; t++) {
      this.forward(d, act, 0, N);
      const loss = this.residual(d);
      if (t === 0) bound = d.blowup * (loss + halfY2);
      const diverged = !Number.isFinite(loss) || loss > bound;
      const converged = !diverged && loss < d.tol;
      const stop = diverged || converged || t === d.steps;
      const recording = ri < R && d.record[ri] === t;
      if (t === 0 || (stop && !diverged) || recording) this.forward(d, act, N, P);
      if (t === 0 && d.k > 0) this.ntk(d, rec, o + lay.ntk0);
      if (diverged) {
        rec[o + SLOT.stop] = t;
        rec[o + SLOT.status] = STATUS.diverged;
        rec[o + SLOT.loss] = loss;
        rec.fill(NaN, o + lay.curve + Math.ceil(t / d.stride), o + lay.curve + lay.curveLen);
        rec.fill(NaN, o + lay.lossRec + ri, o + lay.lossRec + R);
        const nL = d.widths[d.widths.length - 1];
        const nt = N * nL, ns = d.nTest * nL;
        rec.fill(NaN, o + lay.zTrain + ri * nt, o + lay.zTrain + R * nt);
        rec.fill(NaN, o + lay.zTest + ri * ns, o + lay.zTest + R * ns);
        rec.fill(NaN, o + lay.ntk1, o + lay.len);
        return;
      }
      if (t % d.stride === 0) rec[o + lay.curve + t / d.stride] = loss;
      if (recording) this.writeRecord(d, lay, ri++, loss, rec, o);
      if (stop) {
        rec[o + SLOT.stop] = t;
        rec[o + SLOT.status] = converged ? STATUS.converged : STATUS.ran;
        rec[o + SLOT.loss] = loss;
        rec.fill(loss, o + lay.curve + Math.floor(t / d.stride) + 1, o + lay.curve + lay.curveLen);
        while (ri < R) this.writeRecord(d, lay, ri++, loss, rec, o);
        if (d.k > 0) this.ntk(d, rec, o + lay.ntk1);
        return;
      }
      this.step(d);
    }
  }
}

/**
 * W ← W − c·g with g_ij = Σ_α u_αi v_αj (α increasing, from 0), for W (m × n), u (k × m), v (k × n)
 * dense row-major: the weight gradient Δᵀ A applied without storing it (twin of `update` in Rust).
 */
export function update(m: number, n: number, k: number, u: Float64Array, v: Float64Array, c: number, w: Float64Array): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      let g = 0;
      for (let a = 0; a < k; a++) g += u[a * m + i] * v[a * n + j];
      w[row + j] -= c * g;
    }
  }
}

function trainShapeKey(d: DecodedTrain): string {
  return `${d.widths.join(',')}|${d.nTrain}|${d.nTest}|${d.k}`;
}

let cached: Workspace | null = null;

/** The builtin activation of a (kind, parameter) pair from a config. */
export function builtinActivation(kind: number, a: number): Activation {
  const act = fromRaw(kind, a);
  if (act) return act;
  const name = activationName(kind);
  const info = Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!info) throw new InvalidParameterError('train config activation kind', kind, 'a builtin kind code (see ACTIVATIONS)');
  throw new InvalidParameterError(`train config activation ${name} ${info.parameter}`, a, info.range);
}

/**
 * Trains networks first … first+count−1 (network i from `new Rng(seed, i)`) and WRITES their
 * records, one after the other, into `out` — the twin of `train_chunk` (wasm export `wf_train_chunk`).
 *
 * @param activation overrides the config's (kind, a), e.g. a custom σ (js backend only)
 * @throws InvalidParameterError for a malformed config, range or output buffer
 */
export function trainChunk(cfg: Float64Array, first: number, count: number, out: Float64Array, activation?: Activation): void {
  const d = parseTrainConfig(cfg, activation !== undefined);
  const lay = trainLayout(d);
  if (!isInt(first, 0, LIMIT)) throw new InvalidParameterError('first', first, 'an integer in 0 … 2^53');
  if (!isInt(count, 0, TWO32 - 1) || first + count > LIMIT) throw new InvalidParameterError('count', count, 'an integer ≥ 0 with first + count ≤ 2^53');
  if (!(out instanceof Float64Array) || out.length < count * lay.len) throw new InvalidParameterError('out', out, `a Float64Array of at least ${count * lay.len} values`);
  const act = activation ?? builtinActivation(d.kind, d.a);
  const seed = d.seedLo + d.seedHi * TWO32;
  if (seed > Number.MAX_SAFE_INTEGER) throw bad('seed', seed, 'below 2^53 for the js backend');
  if (!cached || cached.key !== trainShapeKey(d)) {
    cached = null;
    cached = new Workspace(d);
  }
  for (let i = 0; i < count; i++) {
    out.fill(0, i * lay.len, (i + 1) * lay.len);
    cached.train(d, act, seed, lay, first + i, out, i * lay.len);
  }
}

/** Drops the cached workspace of the js twin (`release_workspace`; the wasm side: `WasmCore.trainRelease`). */
export function releaseWorkspace(): void {
  cached = null;
}

/** Thrown when `wf_train_chunk` reports a nonzero status (should not happen after packTrainConfig). */
export class TrainStatusError extends WideflowError {
  override name = 'TrainStatusError';
  constructor(readonly status: number) {
    super(`wideflow: wf_train_chunk failed with status ${status} (${TRAIN_STATUS[status] ?? 'unknown status'})`);
  }
}

// Independent check of the sample-index placement of the P … U sources (docs/theory/multi.md §7) at layer 2,
// where they are exact at any width n₁ (layer-1 neurons i.i.d. Gaussian, Ĥ⁽¹⁾ deterministic). A plain JS sampler
// of two-layer networks computes, per network, dĤ, dd_IĤ and dd_IIĤ from their definitions written for two
// layers (z¹ linear in its parameters):
//   Dz¹_{j;δ}[v_{k;β}] = W²_{kj} σ′_{j;β} Θ¹_{δβ} ≡ h_{jkδβ}
//   dĤ_{i0i1i2;abc} = (λ_W/n₁)[δ_{i0i1} Σ_j σ_{j;b}σ′_{j;a} h_{j i2 a c} + δ_{i0i2} Σ_j σ_{j;c}σ′_{j;a} h_{j i1 a b}] + Σ_j W²_{i0j} σ″_{j;a} h_{j i1 a b} h_{j i2 a c}
//   dd_IĤ_{i0i1i2i3;abcd} = Σ_{slot s of 1,2,3} δ_{i0 is}(λ_W/n₁) Σ_j σ_{j;δs} σ″_{j;a} h h (other two slots) + Σ_j W²_{i0j} σ‴_{j;a} h h h
//   g_{i;δ[k;β]}: on W²_{ij}: σ′_{j;δ} h_{jkδβ};  on layer 1: c_j ∇z¹_{j;δ}, c_j = (λ_W/n₁)δ_{ik} σ_{j;β}σ′_{j;δ} + W²_{ij} σ″_{j;δ} h_{jkδβ}
//   dd_IIĤ_{i1i2i3i4;abcd} = ⟨g_{i1;a[i3;c]}, g_{i2;b[i4;d]}⟩ = (λ_W/n₁)δ_{i1i2} Σ_j σ′σ′ h h + Σ_j c_j c′_j Θ¹_{ab}
// and averages n₁·(per-network value) over i ≠ j of the output layer (COMMON conventions: P from dĤ_{ijj} z_i,
// Q from dĤ_{iij} z_j, R from dd_IĤ_{iijj}, S, T, U from dd_IIĤ_{iijj}, dd_IIĤ_{ijij}, dd_IIĤ_{ijji}). It does not
// use any project code but `theory()` for the prediction. Reports max |z| over the 81 entries of each tensor and,
// as a sensitivity proof, the z of slot-permuted (wrong) predictions.
// Usage: npm run build && node bench/multi-dntk-layer2-spotcheck.mjs [networks]
import { init, theory } from '../dist/ts/node.js';
await init();
const X = [[1.0, 0.5, -0.3], [-0.2, 1.1, 0.4], [0.9, 0.45, -0.2]];
const N = 3, n0 = 3, n1 = 6, n2 = 2;
const [Cb, CW, lb, lw] = [0.1, 1.6, 0.4, 0.9];
const M = +process.argv[2] || 100000;
const r = theory({ activation: 'tanh', depth: 2, widths: [n0, n1], Cb, CW, lambdaB: lb, lambdaW: lw, input: { X } });
const L2 = r.layers[1];
let st = [123456789, 362436069, 521288629, 88675123];
function u() { const t = st[0] ^ (st[0] << 11); st[0] = st[1]; st[1] = st[2]; st[2] = st[3]; st[3] = (st[3] ^ (st[3] >>> 19) ^ (t ^ (t >>> 8))) >>> 0; return (st[3] + 0.5) / 4294967296; }
let spare = null;
function g() { if (spare !== null) { const v = spare; spare = null; return v; } const a = u(), b = u(); const rr = Math.sqrt(-2 * Math.log(a)); spare = rr * Math.sin(2 * Math.PI * b); return rr * Math.cos(2 * Math.PI * b); }
const th1 = (a, b) => lb + lw * (X[a][0] * X[b][0] + X[a][1] * X[b][1] + X[a][2] * X[b][2]) / n0;
const T1 = Array.from({ length: N }, (_, a) => Array.from({ length: N }, (_, b) => th1(a, b)));
const names = ['P', 'Q', 'R', 'S', 'T', 'U'];
const N4 = N ** 4;
const sum = names.map(() => new Float64Array(N4));
const sum2 = names.map(() => new Float64Array(N4));
const s0 = new Float64Array(n1 * N), s1 = new Float64Array(n1 * N), s2 = new Float64Array(n1 * N), s3 = new Float64Array(n1 * N);
const W2 = new Float64Array(n2 * n1);
const z2 = new Float64Array(n2 * N);
const mu = lw / n1;
const kd = (a, b) => (a === b ? 1 : 0);
const vals = new Float64Array(6 * N4);
for (let m = 0; m < M; m++) {
  for (let j = 0; j < n1; j++) {
    const b = Math.sqrt(Cb) * g();
    const w = [0, 1, 2].map(() => Math.sqrt(CW / n0) * g());
    for (let a = 0; a < N; a++) {
      const z = b + w[0] * X[a][0] + w[1] * X[a][1] + w[2] * X[a][2];
      const t = Math.tanh(z), c2 = 1 - t * t;
      s0[j * N + a] = t; s1[j * N + a] = c2; s2[j * N + a] = -2 * t * c2; s3[j * N + a] = (6 * t * t - 2) * c2;
    }
  }
  for (let i = 0; i < n2; i++) {
    const b = Math.sqrt(Cb) * g();
    for (let j = 0; j < n1; j++) W2[i * n1 + j] = Math.sqrt(CW / n1) * g();
    for (let a = 0; a < N; a++) { let z = b; for (let j = 0; j < n1; j++) z += W2[i * n1 + j] * s0[j * N + a]; z2[i * N + a] = z; }
  }
  const h = (j, k, a, b) => W2[k * n1 + j] * s1[j * N + b] * T1[a][b];
  const dH = (i0, i1, i2, a, b, c) => {
    let v = 0;
    for (let j = 0; j < n1; j++) {
      if (i0 === i1) v += mu * s0[j * N + b] * s1[j * N + a] * h(j, i2, a, c);
      if (i0 === i2) v += mu * s0[j * N + c] * s1[j * N + a] * h(j, i1, a, b);
      v += W2[i0 * n1 + j] * s2[j * N + a] * h(j, i1, a, b) * h(j, i2, a, c);
    }
    return v;
  };
  const ddI = (i0, i1, i2, i3, a, b, c, d) => {
    let v = 0;
    for (let j = 0; j < n1; j++) {
      const [h1, h2, h3] = [h(j, i1, a, b), h(j, i2, a, c), h(j, i3, a, d)];
      const e = s2[j * N + a];
      if (i0 === i1) v += mu * s0[j * N + b] * e * h2 * h3;
      if (i0 === i2) v += mu * s0[j * N + c] * e * h1 * h3;
      if (i0 === i3) v += mu * s0[j * N + d] * e * h1 * h2;
      v += W2[i0 * n1 + j] * s3[j * N + a] * h1 * h2 * h3;
    }
    return v;
  };
  // ⟨g_{i1;a[i3;c]}, g_{i2;b[i4;d]}⟩
  const ddII = (i1, i2, i3, i4, a, b, c, d) => {
    let v = 0;
    for (let j = 0; j < n1; j++) {
      if (i1 === i2) v += mu * s1[j * N + a] * h(j, i3, a, c) * s1[j * N + b] * h(j, i4, b, d);
      const c1 = mu * kd(i1, i3) * s0[j * N + c] * s1[j * N + a] + W2[i1 * n1 + j] * s2[j * N + a] * h(j, i3, a, c);
      const c2 = mu * kd(i2, i4) * s0[j * N + d] * s1[j * N + b] + W2[i2 * n1 + j] * s2[j * N + b] * h(j, i4, b, d);
      v += c1 * c2 * T1[a][b];
    }
    return v;
  };
  vals.fill(0);
  for (let i = 0; i < n2; i++)
    for (let k = 0; k < n2; k++) {
      if (i === k) continue;
      for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
        const q = ((a * N + b) * N + c) * N + d;
        vals[q] += dH(i, k, k, a, b, c) * z2[i * N + d];
        vals[N4 + q] += dH(i, i, k, a, b, c) * z2[k * N + d];
        vals[2 * N4 + q] += ddI(i, i, k, k, a, b, c, d);
        vals[3 * N4 + q] += ddII(i, i, k, k, a, b, c, d);
        vals[4 * N4 + q] += ddII(i, k, i, k, a, b, c, d);
        vals[5 * N4 + q] += ddII(i, k, k, i, a, b, c, d);
      }
    }
  const pairs = n2 * (n2 - 1);
  for (let t = 0; t < 6; t++) for (let q = 0; q < N4; q++) { const v = (n1 * vals[t * N4 + q]) / pairs; sum[t][q] += v; sum2[t][q] += v * v; }
}
const idx = (q) => [Math.floor(q / 27), Math.floor(q / 9) % 3, Math.floor(q / 3) % 3, q % 3];
const perms = { P: [0, 3, 2, 1], Q: [0, 2, 1, 3], R: [1, 0, 2, 3], S: [0, 2, 1, 3], T: [0, 1, 3, 2], U: [0, 2, 1, 3] };
for (let t = 0; t < 6; t++) {
  const name = names[t];
  let zmax = 0, within2 = 0, zwrong = 0;
  for (let q = 0; q < N4; q++) {
    const mean = sum[t][q] / M, se = Math.sqrt(Math.max(sum2[t][q] / M - mean * mean, 0) / M);
    const [a, b, c, d] = idx(q);
    const want = L2[name].get(a, b, c, d);
    const z = (mean - want) / se;
    zmax = Math.max(zmax, Math.abs(z));
    if (Math.abs(z) < 2) within2++;
    const p = perms[name];
    const w = [a, b, c, d];
    zwrong = Math.max(zwrong, Math.abs((mean - L2[name].get(w[p[0]], w[p[1]], w[p[2]], w[p[3]])) / se));
  }
  console.log(`${name}: max |z| = ${zmax.toFixed(2)} over 81 entries, ${within2}/81 within 2σ; slot-permuted prediction ${JSON.stringify(perms[name])}: max |z| = ${zwrong.toFixed(1)}`);
}

// Spot check of the multi-input theory against sampled relu networks (n = 64, depth 4, three inputs, C_b = 0,
// C_W = 2): E[z_a z_b] at layer 4 vs K_ab + G1_ab/n, with the diagonal (G1 = 0 for relu) as control variate.
// Usage: npm run build && node bench/multi-g1-spotcheck.mjs [networks]. Measured (40000 networks, seed fixed):
// (0,1) z = −0.87 against K + G1/n, −7.9 against K; (1,2) −0.99 vs −7.6.
import { init, theory } from '../dist/ts/node.js';
await init();
const X = [[1.0, 0.5, -0.3], [-0.2, 1.1, 0.4], [0.9, 0.45, -0.2]];
const n = 64, L = 4, CW = 2, M = +process.argv[2] || 20000;
const r = theory({ activation: 'relu', depth: L, widths: [3, n, n, n], Cb: 0, CW, lambdaB: 1, lambdaW: 1, input: { X } });
const l = r.layers[L - 1];
// xorshift + Box-Muller
let s = 0x9e3779b97f4a7c15n; let st = [123456789, 362436069, 521288629, 88675123];
function u() { let t = st[0] ^ (st[0] << 11); st[0] = st[1]; st[1] = st[2]; st[2] = st[3]; st[3] = (st[3] ^ (st[3] >>> 19) ^ (t ^ (t >>> 8))) >>> 0; return (st[3] + 0.5) / 4294967296; }
let spare = null;
function g() { if (spare !== null) { const v = spare; spare = null; return v; } const a = u(), b = u(); const rr = Math.sqrt(-2 * Math.log(a)); spare = rr * Math.sin(2 * Math.PI * b); return rr * Math.cos(2 * Math.PI * b); }
const pairs = [[0, 1], [0, 2], [1, 2], [0, 0]];
const sums = pairs.map(() => [0, 0]);
const vals = pairs.map(() => new Float64Array(M));
let h = [new Float64Array(3 * n), new Float64Array(3 * n)];
for (let m = 0; m < M; m++) {
  let prev = null; let pw = 3;
  let z = new Float64Array(3 * n);
  for (let layer = 1; layer <= L; layer++) {
    const nin = layer === 1 ? 3 : n;
    const sd = Math.sqrt(CW / nin);
    z = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < nin; k++) {
        const w = sd * g();
        for (let a = 0; a < 3; a++) z[a * n + i] += w * (layer === 1 ? X[a][k] : prev[a * n + k]);
      }
    }
    prev = z.map((v) => (v > 0 ? v : 0));
  }
  pairs.forEach(([a, b], p) => { let acc = 0; for (let i = 0; i < n; i++) acc += z[a * n + i] * z[b * n + i]; acc /= n; vals[p][m] = acc; sums[p][0] += acc; sums[p][1] += acc * acc; });
}
pairs.forEach(([a, b], p) => {
  const mean = sums[p][0] / M, se = Math.sqrt((sums[p][1] / M - mean * mean) / M);
  const K = l.K[a * 3 + b], G1 = l.G1[a * 3 + b];
  console.log(`(${a},${b}) MC ${mean.toFixed(5)} ± ${se.toFixed(5)}   K ${K.toFixed(5)}  K+G1/n ${(K + G1 / n).toFixed(5)}  z(K+G1/n) ${((mean - K - G1 / n) / se).toFixed(2)}  z(K) ${((mean - K) / se).toFixed(2)}`);
});

// control variate: the diagonal entries have G1 = 0 for relu, so mean(z_a z_b) − β_a(mean(z_a z_a) − K_aa) − … ; here one CV: (0,0)
const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
const cv = vals[3], Kcv = l.K[0];
const mcv = mean(cv);
pairs.slice(0, 3).forEach(([a, b], p) => {
  const v = vals[p]; const mv = mean(v);
  let cxy = 0, cxx = 0; for (let i = 0; i < M; i++) { cxy += (v[i] - mv) * (cv[i] - mcv); cxx += (cv[i] - mcv) ** 2; }
  const beta = cxy / cxx;
  const adj = new Float64Array(M); for (let i = 0; i < M; i++) adj[i] = v[i] - beta * (cv[i] - Kcv);
  const ma = mean(adj); let va = 0; for (let i = 0; i < M; i++) va += (adj[i] - ma) ** 2; const se = Math.sqrt(va / (M - 1) / M);
  const K = l.K[a * 3 + b], G1 = l.G1[a * 3 + b];
  console.log(`CV (${a},${b}) ${ma.toFixed(5)} ± ${se.toFixed(5)}  z(K+G1/n) ${((ma - K - G1 / n) / se).toFixed(2)}  z(K) ${((ma - K) / se).toFixed(2)}  G1/n ${(G1/n).toFixed(5)}`);
});

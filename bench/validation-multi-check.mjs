// Follow-up of bench/validation-multi.mjs (its first run, budget 1300 s): the configurations whose linear
// 1/n extrapolation was furthest from the theory (relu N = 3: R, P at layer 4, U at layer 3 — theory 0;
// tanh N = 2: U, T at layer 4), re-sampled with the same seeds and sample counts (so the same networks,
// bit-identical statistics), refitted linearly and quadratically, with the per-width points n·E[…].
// Usage: npm run build:ts && node bench/validation-multi-check.mjs   (≈ 5 min on 2 loaded cores)
import { init, ensemble, theory, compare } from '../dist/ts/node.js';
await init();
const XS = [[1.0, 0.2, -0.4], [0.9, 0.45, -0.3], [-0.2, 0.9, 0.5], [0.3, -0.6, 0.8]];
const HYPER = { tanh: { Cb: 0.1, CW: 1.5 }, relu: { Cb: 0, CW: 2 } };
const spec = (act, N, n) => ({ activation: act, depth: 4, widths: [3, n, n, n], outputWidth: n, ...HYPER[act], lambdaB: 0.5, lambdaW: 1.2, input: { X: XS.slice(0, N) } });
for (const [act, N, seed0, samples, show] of [['relu', 3, 116, [13472, 17161, 10515, 6885], [[4, 'R'], [4, 'P'], [3, 'U']]], ['tanh', 2, 100, [18914, 49869, 31936, 21452], [[4, 'U'], [4, 'T']]]]) {
  const ens = [];
  const W = [8, 12, 16, 24];
  for (let i = 0; i < 4; i++) ens.push(await ensemble(spec(act, N, W[i]), { samples: samples[i], seed: seed0 + i, neurons: 4, order: 'ddntk', workers: 2 }));
  const th = theory(spec(act, N, 8));
  const lin = compare(th, ens), quad = compare(th, ens, { fit: 'quadratic' });
  for (const [layer, q] of show) {
    const rs = lin.rows.filter((r) => r.layer === layer && r.quantity === q).sort((a, b) => Math.abs(b.z) - Math.abs(a.z)).slice(0, 4);
    for (const r of rs) {
      const qr = quad.rows.find((x) => x.layer === layer && x.quantity === q && x.index.join() === r.index.join());
      console.log(act, N, layer, q, r.index.join(''), 'theory', r.theory.toFixed(4), 'lin', r.extrapolated.toFixed(4), '±', r.stderr.toFixed(4), 'z', r.z.toFixed(2), 'chi2', r.chi2dof.toFixed(2), '| quad', qr.extrapolated.toFixed(4), '±', qr.stderr.toFixed(4), 'z', qr.z.toFixed(2), '| pts', r.points.map((p) => `${p.n}:${p.value.toFixed(4)}±${p.stderr.toFixed(4)}`).join(' '));
    }
    const all = lin.rows.filter((r) => r.layer === layer && r.quantity === q), allq = quad.rows.filter((r) => r.layer === layer && r.quantity === q);
    console.log('  max|z| lin', Math.max(...all.map((r) => Math.abs(r.z))).toFixed(2), 'quad', Math.max(...allq.map((r) => Math.abs(r.z))).toFixed(2), 'mean chi2 lin', (all.reduce((s, r) => s + r.chi2dof, 0) / all.length).toFixed(2));
  }
}

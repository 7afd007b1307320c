// The predict() peer test against neural-tangents, as a script (it needs jax, so it is not in CI;
// test/predict.test.ts checks the committed fixture instead).
//
//   bash bench/peers/setup-venv.sh && npm run build:ts
//   node bench/peers/predict-peer.mjs            # fresh NT numbers into a temp file, then compare
//   node bench/peers/predict-peer.mjs --fixture  # compare against test/fixtures/nt-predict.json only
//   node bench/peers/predict-peer.mjs --write    # regenerate the committed fixture, then compare
//
// Prints, per NT result, max |wideflow − NT| / max |NT| of the mean and covariance for
//   algebra:    predictFromKernels() on NT's own K, Θ (the linear algebra alone),
//   end to end: predict() with wideflow's kernels,
// and exits 1 if the algebra misses 1e-10 anywhere. Conventions: docs/theory/training.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { python, pyHas, wideflow } from '../lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const committed = fileURLToPath(new URL('../../test/fixtures/nt-predict.json', import.meta.url));
const args = new Set(process.argv.slice(2));

let path = committed;
if (!args.has('--fixture')) {
  const py = python();
  if (!pyHas(py, 'jax', 'numpy')) {
    console.error('predict-peer: no Python with jax + neural-tangents; run `bash bench/peers/setup-venv.sh` (or use --fixture)');
    process.exit(2);
  }
  if (!args.has('--write')) path = join(mkdtempSync(join(tmpdir(), 'wf-predict-')), 'nt-predict.json');
  const r = spawnSync(py.exe, [join(here, 'nt_predict.py'), '--out', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`neural-tangents fixture: ${path}`);
}

const wf = await wideflow();
const fixture = JSON.parse(readFileSync(path, 'utf8'));
console.log('versions:', JSON.stringify(fixture.versions));

function relErr(a, b) {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / (s || 1);
}
const e = (x) => x.toExponential(1).padStart(9);

let worstAlgebra = 0, worstE2E = 0;
console.log(`${'case'.padEnd(24)}${'NT function'.padEnd(31)}${'get'.padEnd(6)}${'t_NT'.padStart(6)}  algebra: mean      cov   end-to-end: mean      cov`);
for (const c of fixture.cases) {
  const spec = { activation: c.act, depth: c.depth, Cb: c.cb, CW: c.cw, lambdaB: c.cb, lambdaW: c.cw };
  const y = Float64Array.from(c.y_train.flat());
  for (const r of c.results) {
    // NT: time t·learning_rate, loss ½·mean over N·n_out, absolute diag_reg ↔ wideflow t, loss 'mean', ridge.
    const settings = { t: r.t === null ? Infinity : r.t * c.lr, ridge: c.diag_reg, kernel: r.get, loss: 'mean' };
    const alg = wf.predictFromKernels({ nTrain: c.n_train, nTest: c.n_test, K: c.K, Theta: c.Theta }, { y, outputs: c.n_out }, settings);
    const e2e = wf.predict(spec, { train: { X: c.x_train, y: c.y_train }, test: { X: c.x_test }, ...settings });
    const am = relErr(alg.mean, r.mean), ac = relErr(alg.covariance, r.cov);
    const em = relErr(e2e.mean, r.mean), ec = relErr(e2e.covariance, r.cov);
    worstAlgebra = Math.max(worstAlgebra, am, ac);
    worstE2E = Math.max(worstE2E, em, ec);
    console.log(`${c.name.padEnd(24)}${r.fn.padEnd(31)}${r.get.padEnd(6)}${String(r.t ?? '∞').padStart(6)}  ${e(am)}${e(ac)}            ${e(em)}${e(ec)}`);
  }
}
console.log(`worst: algebra ${worstAlgebra.toExponential(2)}, end to end ${worstE2E.toExponential(2)}`);
process.exit(worstAlgebra <= 1e-10 ? 0 : 1);

/**
 * `wideflow predict`: the infinite-width prediction of `predict()` — mean and covariance of the test
 * outputs after gradient flow (--t), T gradient-descent steps (--steps, --eta), or training to
 * convergence (default), or the Bayesian NNGP posterior (--kernel nngp).
 *
 * Data files are CSV: one input per line, comma-separated numbers; blank lines and lines starting
 * with '#' are skipped, and a first line with a non-numeric field is a header. The training file
 * has n₀ input columns followed by --outputs label columns (default 1); the test file has the n₀
 * input columns (label columns after them, if present, are ignored).
 */
import { readCsv } from '../csv.js';
import { init } from '../../api/backend.js';
import { InvalidParameterError } from '../../api/errors.js';
import { predict, type PredictProblem, type PredictSpec } from '../../api/predict.js';
import { predictFinite } from '../../api/predict-finite.js';
import type { FiniteStage } from '../../api/finite-dynamics.js';
import { helpText, parseArgs, type Command, type Parsed } from '../args.js';
import { activationFromArgs, dataNetworkOptions } from '../options.js';
import { fmt, jsonNumber } from '../format.js';

const options = {
  ...dataNetworkOptions,
  t: { type: 'string', description: "gradient-flow time t ≥ 0 (t = η·T), or 'inf'" },
  steps: { type: 'number', description: 'T, gradient-descent steps (with --eta)' },
  eta: { type: 'number', description: 'η, the gradient-descent step (with --steps)' },
  ridge: { type: 'number', description: 'added to the diagonal of the training kernel (default 0; the noise variance for nngp)' },
  kernel: { type: 'string', description: 'ntk (default: all layers trained) or nngp (K: the Bayesian posterior at t = ∞)' },
  loss: { type: 'string', description: "sum (default, L = ½Σ, PDLT) or mean (L = ½·mean, neural-tangents)" },
  finite: { type: 'number', description: 'n, the hidden width: add the O(1/n) corrections (predictFinite, --stage; needs --steps/--eta, one output; docs/theory/training-finite.md)' },
  stage: { type: 'string', description: "with --finite: full (default: + the ddNTKs R, S, T, U), dntk (+ the dNTK P, Q) or frozen (the fluctuating frozen NTK only); all from theory()" },
  degree: { type: 'number', description: 'quadrature degree (default 64)' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  json: { type: 'boolean', description: 'machine-readable output on stdout' },
  help: { type: 'boolean', description: 'this help' },
} as const;

const USAGE =
  'wideflow predict --train train.csv --test test.csv --activation tanh --depth 3 --cb 0.1 --cw 1.5 --lambda-b 0.1 --lambda-w 1.5\n' +
  '                 [--t 10 | --steps 100 --eta 0.5] [--ridge 0] [--kernel ntk|nngp] [--loss sum|mean] [--outputs 1] [--json]\n' +
  '                 [--finite 128 --steps 20 --eta 0.1 [--stage frozen|dntk|full]]   (O(1/n) corrections at width n, one output)';

export const command: Command = {
  summary: 'infinite-width prediction after training: mean and covariance of the test outputs (NTK / NNGP)',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(helpText(USAGE, options));
      return 0;
    }
    const outputs = (args.outputs as number | undefined) ?? 1;
    if (!Number.isInteger(outputs) || outputs < 1) throw new InvalidParameterError('--outputs', outputs, 'an integer ≥ 1');
    if (args.train === undefined) throw new InvalidParameterError('--train', undefined, 'a CSV file of training inputs and labels');
    if (args.test === undefined) throw new InvalidParameterError('--test', undefined, 'a CSV file of test inputs');
    const train = readCsv(args.train as string, '--train');
    const n0 = train.cols - outputs;
    if (n0 < 1) throw new InvalidParameterError('--outputs', outputs, `less than the ${train.cols} columns of ${args.train} (n₀ input columns come first)`);
    const test = readCsv(args.test as string, '--test');
    if (test.cols === n0 + outputs && outputs > 0) {
      io.err(`note: ${args.test} has ${test.cols} columns; the last ${outputs} (labels) are ignored`);
      test.rows = test.rows.map((r) => r.slice(0, n0));
    } else if (test.cols !== n0) {
      throw new InvalidParameterError('--test', `${test.cols} columns`, `n₀ = ${n0} columns (the inputs of ${args.train}), or n₀ + ${outputs} with labels`);
    }
    const problem: PredictProblem = {
      train: { X: train.rows.map((r) => r.slice(0, n0)), y: train.rows.map((r) => r.slice(n0)) },
      test: { X: test.rows },
    };
    if (args.t !== undefined) problem.t = parseTime(args.t as string);
    if (args.steps !== undefined) problem.steps = args.steps as number;
    if (args.eta !== undefined) problem.eta = args.eta as number;
    if (args.ridge !== undefined) problem.ridge = args.ridge as number;
    if (args.kernel !== undefined) problem.kernel = args.kernel as PredictProblem['kernel'];
    if (args.loss !== undefined) problem.loss = args.loss as PredictProblem['loss'];
    if (args.depth === undefined) throw new InvalidParameterError('--depth', undefined, 'given (the number of layers L)');
    const spec = {
      activation: activationFromArgs(args),
      depth: args.depth as number,
      Cb: perLayer(args, 'cb', 0),
      CW: perLayer(args, 'cw', 1),
      lambdaB: perLayer(args, 'lambda-b', 1),
      lambdaW: perLayer(args, 'lambda-w', 1),
    };
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    if (backend === 'wasm') await init();
    if (args.stage !== undefined && args.finite === undefined) throw new InvalidParameterError('--stage', args.stage, 'only with --finite n (the O(1/n) stage)');
    if (args.finite !== undefined) return runFinite(spec, args.finite as number, problem, { degree: args.degree as number | undefined, backend }, args, io);
    const r = predict(spec, problem, { degree: args.degree as number | undefined, backend });
    const M = r.nTest, k = r.outputs;
    const mean = r.mean && Array.from({ length: M }, (_, i) => Array.from(r.mean!.subarray(i * k, (i + 1) * k)));
    const cov = r.covariance && Array.from({ length: M }, (_, i) => Array.from(r.covariance!.subarray(i * M, (i + 1) * M)));
    if (args.json) {
      io.out(JSON.stringify({
        dynamics: r.dynamics, kernel: r.kernel, loss: r.loss, t: r.t, steps: r.steps, eta: r.eta, ridge: r.ridge,
        nTrain: r.nTrain, nTest: r.nTest, outputs: k, trainLoss: r.trainLoss, etaMax: r.etaMax, diverges: r.diverges, nullModes: r.nullModes,
        mean, covariance: cov, spectrum: Array.from(r.spectrum), warnings: r.warnings,
      }, jsonNumber));
    } else {
      const how = r.dynamics === 'gd' ? `${r.steps} GD steps at η = ${r.eta} (t = ηT = ${r.t})` : r.dynamics === 'flow' ? `gradient flow to t = ${r.t}` : 't = ∞';
      io.out(`${r.kernel === 'ntk' ? 'NTK' : 'NNGP'} prediction, ${how}, loss ${r.loss}, ridge ${r.ridge}; N = ${r.nTrain}, M = ${M}, n_out = ${k}`);
      io.out(`E[training loss] = ${fmt(r.trainLoss ?? undefined, 0)}   η_max = 2/λ_max = ${fmt(r.etaMax, 0)}${r.diverges ? '   DIVERGES (η > η_max)' : ''}${r.nullModes ? `   pseudo-inverse: ${r.nullModes} null mode(s)` : ''}`);
      io.out(['test'.padStart(6), ...Array.from({ length: k }, (_, i) => `mean[${i}]`.padStart(12)), 'std'.padStart(12)].join(''));
      for (let i = 0; i < M; i++) {
        io.out([String(i).padStart(6), ...(mean ? mean[i].map((v) => fmt(v)) : Array(k).fill('—'.padStart(12))), cov ? fmt(Math.sqrt(Math.max(cov[i][i], 0))) : '—'.padStart(12)].join(''));
      }
    }
    for (const w of r.warnings) io.err(`warning: ${w}`);
    return 0;
  },
};

function runFinite(spec: PredictSpec, n: number, problem: PredictProblem, opts: { degree?: number; backend: 'wasm' | 'js' }, args: Parsed, io: Parameters<Command['run']>[1]): number {
  const r = predictFinite({ ...spec, width: n }, problem, { ...opts, ...(args.stage !== undefined ? { stage: args.stage as FiniteStage } : {}) });
  const M = r.nTest;
  const rows = (c: Float64Array) => Array.from({ length: M }, (_, i) => Array.from(c.subarray(i * M, (i + 1) * M)));
  if (args.json) {
    io.out(JSON.stringify({
      stage: r.stage, n: r.n, steps: r.steps, eta: r.eta, etaMax: r.etaMax, nTrain: r.nTrain, nTest: M,
      mean0: Array.from(r.mean0), mean1: Array.from(r.mean1), mean: Array.from(r.mean),
      covariance0: rows(r.covariance0), covariance1: rows(r.covariance1), covariance: rows(r.covariance),
      parts: Object.fromEntries(Object.entries(r.parts).map(([k, p]) => [k, { mean1: Array.from(p.mean1), covariance1: rows(p.covariance1) }])),
      kinked: r.kinked, warnings: r.warnings,
    }, jsonNumber));
  } else {
    io.out(`O(1/n) prediction (stage ${r.stage}), ${r.steps} GD steps at η = ${r.eta}, width n = ${r.n}; N = ${r.nTrain}, M = ${M}; η_max = ${fmt(r.etaMax, 0)}`);
    io.out(['test'.padStart(6), 'mean(∞)'.padStart(12), 'mean1'.padStart(12), 'mean(n)'.padStart(12), 'std(∞)'.padStart(12), 'var1'.padStart(12), 'std(n)'.padStart(12)].join(''));
    for (let i = 0; i < M; i++) {
      const d = i * M + i;
      io.out([String(i).padStart(6), fmt(r.mean0[i]), fmt(r.mean1[i]), fmt(r.mean[i]), fmt(Math.sqrt(Math.max(r.covariance0[d], 0))), fmt(r.covariance1[d]), fmt(Math.sqrt(Math.max(r.covariance[d], 0)))].join(''));
    }
  }
  for (const w of r.warnings) io.err(`warning: ${w}`);
  return 0;
}

function perLayer(args: Parsed, name: string, fallback: number): number | number[] {
  const v = args[name] as number[] | undefined;
  if (v === undefined) return fallback;
  return v.length === 1 ? v[0] : v;
}

function parseTime(s: string): number {
  const v = s.trim().toLowerCase();
  if (v === 'inf' || v === 'infinity' || v === '∞') return Infinity;
  const x = Number(v);
  if (v === '' || !Number.isFinite(x)) throw new InvalidParameterError('--t', s, "a number ≥ 0 or 'inf'");
  return x;
}


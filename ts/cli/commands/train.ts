/**
 * `wideflow train`: train an ensemble of finite-width networks by full-batch gradient descent on CSV
 * data (ts/api/train.ts) and print the ensemble statistics of the test outputs at the recorded steps.
 * `--out` writes the full result (per-network records, mergeable); `--merge a.json b.json` combines
 * shards written with `--shard i/N --out`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { init } from '../../api/backend.js';
import { InvalidParameterError } from '../../api/errors.js';
import { mergeTrainings, train, type TrainResult, type TrainSpec, type TrainState } from '../../api/train.js';
import { helpText, parseArgs, type Command, type Parsed } from '../args.js';
import { trainTestFromCsv } from '../csv.js';
import { checkWritable, fmt, progressBar } from '../format.js';
import { activationFromArgs, dataNetworkOptions, parseShard } from '../options.js';
import { loadPlot, plotOption, plotPath, writePlot } from '../plot-output.js';
import { predict } from '../../api/predict.js';
import { predictFinite } from '../../api/predict-finite.js';
import { parseActivation } from '../../api/activation.js';
import type { PredictedGaussian } from '../../plot/distribution.js';

const options = {
  ...dataNetworkOptions,
  test: { type: 'string', description: 'test inputs CSV: n₀ columns (optional)' },
  width: { type: 'number', description: 'hidden width n₁ = … = n_{L−1}' },
  widths: { type: 'list', description: 'n₀,n₁,…,n_{L−1} (instead of --width)' },
  steps: { type: 'number', description: 'T, gradient-descent steps' },
  eta: { type: 'number', description: 'η, the global step (multiplies λ_b and λ_W/n_{ℓ−1})' },
  tol: { type: 'number', description: 'stop a network once its loss ½Σ(z − y)² < tol (default 0: never)' },
  record: { type: 'list', description: 'steps at which outputs are recorded (default 0,T)' },
  'loss-stride': { type: 'number', description: 'loss curve every this many steps (default ⌈T/1000⌉)' },
  'ntk-neurons': { type: 'number', description: 'NTK recorded for output neurons i, j < k (default 1; 0 = none)' },
  divergence: { type: 'number', description: 'diverged when loss > this × (𝓛₀ + ½|y|²) (default 1e6)' },
  samples: { type: 'number', description: 'number of trained networks' },
  seed: { type: 'number', description: 'RNG seed (default 0); network i is ensemble()’s network i' },
  workers: { type: 'number', description: 'worker threads (default 1); results do not depend on it' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  shard: { type: 'string', description: 'i/N: train only shard i (1-based) of N; combine with --merge' },
  'memory-budget': { type: 'number', description: 'MiB the per-network records may take (default 512)' },
  merge: { type: 'boolean', description: 'merge the shard files given as arguments (from --shard … --out)' },
  out: { type: 'string', description: 'write the full result (per-network records, mergeable) to this JSON file' },
  json: { type: 'boolean', description: 'machine-readable summary on stdout' },
  help: { type: 'boolean', description: 'this help' },
  ...plotOption,
} as const;

const USAGE =
  'wideflow train --train train.csv --test test.csv --activation tanh --depth 2 --width 256 --steps 500 --eta 0.1 --samples 200\n' +
  '               [--record 0,10,100,500] [--tol 1e-6] [--workers 2] [--shard 1/4] [--out result.json] [--json]\n' +
  '       wideflow train --merge part-1.json part-2.json … [--out all.json] [--json]';

function perLayer(args: Parsed, name: string, fallback: number): number | number[] {
  const v = args[name] as number[] | undefined;
  if (v === undefined) return fallback;
  return v.length === 1 ? v[0] : v;
}

const arr = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

/** The summary as plain JSON (no per-network records). */
export function trainJson(r: TrainResult): object {
  return {
    samples: r.samples, seed: r.seed, backend: r.backend, steps: r.steps, eta: r.eta, tol: r.tol, record: r.record,
    lossStride: r.lossStride, ntkNeurons: r.ntkNeurons, widths: r.widths, nTrain: r.nTrain, nTest: r.nTest,
    summary: {
      ...r.summary,
      steps: r.summary.steps.map((s) => ({
        step: s.step, loss: s.loss,
        trainMean: { mean: arr(s.trainMean.mean), stderr: arr(s.trainMean.stderr) },
        testMean: { mean: arr(s.testMean.mean), stderr: arr(s.testMean.stderr) },
        testCov: { mean: arr(s.testCov.mean), stderr: arr(s.testCov.stderr) },
      })),
      ntk: r.summary.ntk && {
        initial: { mean: arr(r.summary.ntk.initial.mean), stderr: arr(r.summary.ntk.initial.stderr) },
        final: { mean: arr(r.summary.ntk.final.mean), stderr: arr(r.summary.ntk.final.stderr) },
      },
    },
    networks: r.networks.map((n) => ({ index: n.index, status: n.status, stoppedAt: n.stoppedAt, finalLoss: Number.isFinite(n.finalLoss) ? n.finalLoss : null, etaMax: n.etaMax })),
    warnings: r.warnings,
  };
}

function table(r: TrainResult): string {
  const nL = r.widths[r.widths.length - 1];
  const s = r.summary;
  const lines = [
    `${s.networks} networks (n = ${r.widths.slice(1, -1).join(',')}), seed ${r.seed}, backend ${r.backend}; ${r.steps} steps at η = ${r.eta}; ` +
      `${s.used} used, ${s.diverged} diverged, ${s.converged} stopped at tol${r.tol > 0 ? `, ${s.notConverged} not converged` : ''}`,
    'each cell: ensemble mean ± stderr (test outputs z_i(x_δ̇), neuron i = 0' + (nL > 1 ? ` of ${nL}` : '') + ')',
  ];
  lines.push(['step'.padStart(8), 'loss'.padStart(27), ...Array.from({ length: r.nTest }, (_, d) => `z(test ${d})`.padStart(27))].join(''));
  for (const st of s.steps) {
    const cells = Array.from({ length: r.nTest }, (_, d) => `${fmt(st.testMean.mean[d * nL], 12)} ±${fmt(st.testMean.stderr[d * nL], 10)}`.padStart(27));
    lines.push([String(st.step).padStart(8), `${fmt(st.loss.mean, 12)} ±${fmt(st.loss.stderr, 10)}`.padStart(27), ...cells].join(''));
  }
  return lines.join('\n');
}

async function writeResult(path: string, r: TrainResult): Promise<void> {
  const state = { ...r.state, records: arr(r.state.records as ArrayLike<number>) };
  await writeFile(path, JSON.stringify({ ...trainJson(r), state }) + '\n');
}

async function readState(path: string): Promise<TrainState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InvalidParameterError('file', path, 'a readable training JSON file (from wideflow train --out)');
  }
  try {
    const j = JSON.parse(text);
    const s = j.state ?? j;
    if (s.format !== 'wideflow-train/1') throw new Error();
    return s as TrainState;
  } catch {
    throw new InvalidParameterError('file', path, "a JSON file written by 'wideflow train --out'");
  }
}

export const command: Command = {
  summary: 'train an ensemble of finite-width networks by gradient descent on CSV data; statistics of the trained outputs',
  async run(argv, io) {
    const args = parseArgs(argv, options, { positional: 'files (with --merge)' });
    if (args.help) {
      io.out(helpText(USAGE, options));
      return 0;
    }
    if (!args.merge && args._.length > 0) throw new InvalidParameterError('arguments', args._[0], 'options only (shard files follow --merge)');
    await checkWritable(args.out as string | undefined);
    const plot = plotPath(args.plot);
    let r: TrainResult;
    let theoryLines: () => PredictedGaussian[] = () => [];
    if (args.merge) {
      if (args._.length === 0) throw new InvalidParameterError('--merge', 'no files', 'followed by the shard files (from --shard i/N --out)');
      r = mergeTrainings(await Promise.all(args._.map(readState)));
    } else {
      if (args.train === undefined) throw new InvalidParameterError('--train', undefined, 'a CSV file of training inputs and labels');
      const data = trainTestFromCsv(args.train as string, args.test as string | undefined, (args.outputs as number | undefined) ?? 1, io.err);
      if (args.depth === undefined) throw new InvalidParameterError('--depth', undefined, 'given (the number of layers L)');
      const spec: TrainSpec = {
        activation: activationFromArgs(args),
        depth: args.depth as number,
        Cb: perLayer(args, 'cb', 0),
        CW: perLayer(args, 'cw', 1),
        lambdaB: perLayer(args, 'lambda-b', 1),
        lambdaW: perLayer(args, 'lambda-w', 1),
      };
      if (args.widths !== undefined) spec.widths = args.widths as number[];
      else {
        if (args.width === undefined && spec.depth > 1) throw new InvalidParameterError('--width', undefined, 'given (the hidden width), or --widths');
        spec.width = (args.width as number | undefined) ?? 1;
        spec.inputWidth = data.n0;
      }
      const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
      if (backend === 'wasm') await init();
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        const budget = args['memory-budget'] as number | undefined;
        r = await train(spec, {
          train: { X: data.X, y: data.y },
          test: data.test ? { X: data.test } : undefined,
          steps: args.steps as number,
          eta: args.eta as number,
          tol: args.tol as number | undefined,
          record: args.record as number[] | undefined,
          lossStride: args['loss-stride'] as number | undefined,
          ntkNeurons: args['ntk-neurons'] as number | undefined,
          divergence: args.divergence as number | undefined,
          samples: args.samples as number,
          seed: args.seed as number | undefined,
          workers: args.workers as number | undefined,
          backend,
          shard: parseShard(args.shard as string | undefined),
          memoryBudget: budget === undefined ? undefined : budget * 2 ** 20,
          signal: ac.signal,
          onProgress: progressBar(io),
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
      if (plot && data.test) theoryLines = () => overlays(spec, { X: data.X, y: data.y, test: data.test! }, args);
    }
    if (args.out) await writeResult(args.out as string, r);
    if (args.json) io.out(JSON.stringify(trainJson(r)));
    else io.out(table(r));
    if (plot) {
      if (r.nTest === 0) throw new InvalidParameterError('--plot', plot, 'with --test (the figure is the distribution of the first test output)');
      const z = r.networks.filter((w) => w.status !== 'diverged').map((w) => w.zTest[w.zTest.length - 1][0]);
      const step = r.record[r.record.length - 1];
      const svg = (await loadPlot()).distributionPlot(z, theoryLines(), { title: `trained networks: first test output after ${step} steps (${z.length} networks)`, xLabel: 'z (test input 0, output 0)' });
      await writePlot(plot, svg, args.json ? io.err : io.out);
    }
    for (const w of r.warnings) io.err(`warning: ${w}`);
    return 0;
  },
};

/**
 * Gaussians predicted for the first test output after the last step: n = ∞ (predict()) and, for one output
 * and one hidden width, O(1/n) (predictFinite(): stage 'full' for smooth σ, 'frozen' for kinked σ, where
 * only that stage is validated). A prediction that does not apply (e.g. several outputs) is left out.
 */
function overlays(spec: TrainSpec, d: { X: number[][]; y: number[][] | number[]; test: number[][] }, args: Parsed): PredictedGaussian[] {
  const out: PredictedGaussian[] = [];
  const problem = { train: { X: d.X, y: d.y }, test: { X: d.test }, steps: args.steps as number, eta: args.eta as number };
  const { width, widths: _w, ...inf } = spec;
  try {
    const p = predict(inf, problem);
    if (p.mean && p.covariance) out.push({ label: 'n = ∞ (predict)', mean: p.mean[0], variance: p.covariance[0] });
  } catch {
    return out;
  }
  if (width !== undefined && spec.depth > 1) {
    try {
      const stage = parseActivation(spec.activation).hasKink ? 'frozen' : 'full';
      const f = predictFinite({ ...inf, width }, problem, { stage });
      out.push({ label: `O(1/n), n = ${width} (stage ${stage})`, mean: f.mean[0], variance: f.covariance[0] });
    } catch {
      // several outputs or too many inputs: no O(1/n) overlay
    }
  }
  return out;
}

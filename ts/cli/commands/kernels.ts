import { init } from '../../api/backend.js';
import { InvalidParameterError } from '../../api/errors.js';
import { kernels } from '../../api/kernels.js';
import { readInputs } from '../csv.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { fmt, jsonNumber } from '../format.js';
import { activationFromArgs, hyperOptions } from '../options.js';
import { loadPlot, plotOption, plotPath, writePlot } from '../plot-output.js';

const options = {
  ...hyperOptions,
  inputs: { type: 'string', description: 'the N inputs: a JSON file [[x…], …] or a CSV file (one input per row)' },
  degree: { type: 'number', description: 'quadrature degree (default: the library default)' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  workers: { type: 'number', description: 'threads sharing each layer (default 1); the result does not depend on it' },
  'plot-layers': { type: 'list', description: 'layers shown by --plot (default: up to four spread over 1 … L)' },
  correlation: { type: 'boolean', description: '--plot shows K_αβ/√(K_αα K_ββ) instead of K_αβ' },
  ...plotOption,
  json: { type: 'boolean', description: 'machine-readable output on stdout' },
  help: { type: 'boolean', description: 'this help' },
} as const;

const perLayer = (v: unknown, d: number) => {
  const a = v as number[] | undefined;
  return a === undefined ? d : a.length === 1 ? a[0] : a;
};

export const command: Command = {
  summary: 'infinite-width kernel matrices K⁽ℓ⁾_αβ and Θ⁽ℓ⁾_αβ over N inputs',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(helpText('wideflow kernels --activation erf --depth 4 --cb 0.1 --cw 1 --inputs inputs.json [--json] [--plot kernels.svg]', options));
      return 0;
    }
    const plot = plotPath(args.plot);
    if (args.inputs === undefined) throw new InvalidParameterError('--inputs', undefined, 'a JSON or CSV file of inputs');
    const inputs = readInputs(args.inputs as string);
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    if (backend === 'wasm') await init();
    const workers = args.workers as number | undefined;
    const r = await kernels(
      {
        activation: activationFromArgs(args),
        depth: args.depth as number,
        Cb: perLayer(args.cb, 0),
        CW: perLayer(args.cw, 1),
        lambdaB: perLayer(args['lambda-b'], 1),
        lambdaW: perLayer(args['lambda-w'], 1),
        inputs,
      },
      { degree: args.degree as number | undefined, backend, workers: workers ?? 1 },
    );
    if (args.json) {
      io.out(JSON.stringify({ n: r.n, inputWidth: r.inputWidth, degree: r.degree, backend: r.backend, warnings: r.warnings, layers: r.layers.map((l) => ({ layer: l.layer, K: [...l.K], Theta: [...l.Theta] })) }, jsonNumber));
    } else {
      for (const l of r.layers) {
        io.out(`layer ${l.layer}: K (${r.n}×${r.n})`);
        for (let a = 0; a < r.n; a++) io.out(Array.from(l.K.subarray(a * r.n, (a + 1) * r.n), (v) => fmt(v)).join(''));
      }
    }
    for (const w of r.warnings) io.err(`warning: ${w}`);
    if (plot) {
      const P = await loadPlot();
      const svg = P.kernelsPlot(r, { layers: args['plot-layers'] as number[] | undefined, normalize: args.correlation ? 'correlation' : 'raw' });
      await writePlot(plot, svg, args.json ? io.err : io.out);
    }
    return 0;
  },
};

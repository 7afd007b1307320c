import { init } from '../../api/backend.js';
import { compare } from '../../api/compare.js';
import { ensemble, ensembleSpec, mergeEnsembles, type EnsembleOrder, type EnsembleResult, type EnsembleState } from '../../api/ensemble.js';
import { isMultiState, type EnsembleMultiResult, type EnsembleMultiState } from '../../api/ensemble-multi.js';
import type { MultiInputNetworkSpec } from '../../api/theory.js';
import { readInputs } from '../csv.js';
import { ConflictingOptionsError, InvalidParameterError } from '../../api/errors.js';
import { theory } from '../../api/theory.js';
import type { NetworkSpec } from '../../api/spec.js';
import { runWidths } from '../../api/sweep.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { compareTable, jsonNumber, progressBar, readState } from '../format.js';
import { parseNeurons, samplingOptions, specFromArgs, specOptions } from '../options.js';
import { loadPlot, plotOption, plotPath, writePlot } from '../plot-output.js';

const options = {
  ...specOptions,
  ...samplingOptions,
  'hidden-widths': { type: 'list', description: 'run one ensemble per hidden width (e.g. 16,32,64); the input and output widths stay fixed' },
  inputs: { type: 'string', description: 'N inputs (a JSON file [[x…], …] or a CSV file, one input per row): compare every tensor with sample indices (n₀ = the row length)' },
  order: { type: 'string', description: 'z | ntk | dntk | ddntk (default ddntk): the highest order the ensembles measure (the rest is not compared)' },
  fit: { type: 'string', description: "auto (default: X∞ + c/n + d/n² with ≥ 4 widths, X∞ + c/n with 2–3), linear (X∞ + c/n) or quadratic (+ d/n², needs ≥ 4 widths)" },
  ...plotOption,
  help: { type: 'boolean', description: 'this help' },
} as const;

export const command: Command = {
  summary: 'theory vs ensembles at several widths, extrapolated in 1/n, with z-scores',
  async run(argv, io) {
    const args = parseArgs(argv, options, { positional: 'files' });
    if (args.help) {
      io.out(
        helpText(
          'wideflow compare --activation tanh --depth 3 --input-width 4 --output-width 4 --hidden-widths 16,32,64 --samples 4000 [--json]\n' +
            '   or: wideflow compare --activation tanh --depth 3 --hidden-widths 8,16 --samples 4000 --inputs inputs.json [--json]\n' +
            '   or: wideflow compare ens-16.json ens-32.json ens-64.json [--json]   (files from `wideflow ensemble --out`, single- or multi-input)',
          options,
        ),
      );
      return 0;
    }
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    const plot = plotPath(args.plot);
    if (backend === 'wasm') await init();
    let spec: NetworkSpec | MultiInputNetworkSpec;
    let ensembles: EnsembleResult[] | EnsembleMultiResult[];
    if (args._.length > 0) {
      // The files say what network they sampled (and on which inputs): network options next to them would be ignored.
      const stray = Object.keys(specOptions).concat(Object.keys(samplingOptions), ['hidden-widths', 'inputs', 'order']).filter((k) => k !== 'json' && k !== 'backend' && args[k] !== undefined);
      if (stray.length) throw new ConflictingOptionsError(`--${stray[0]}`, 'given with ensemble files', 'used only when compare runs the ensembles itself (the files fix the network)');
      const states = await Promise.all(args._.map((f) => readState(f)));
      const multi = states.map((s) => isMultiState(s));
      if (multi.some((m) => m !== multi[0])) throw new InvalidParameterError('files', args._.join(' '), 'ensemble files of one kind: all single-input or all multi-input (--inputs)');
      if (multi[0]) {
        ensembles = states.map((s) => mergeEnsembles([s as EnsembleMultiState]));
        spec = ensembleSpec(states[0] as EnsembleMultiState);
      } else {
        ensembles = states.map((s) => mergeEnsembles([s as EnsembleState]));
        spec = ensembleSpec(states[0] as EnsembleState);
      }
    } else {
      const X = args.inputs !== undefined ? readInputs(args.inputs as string) : undefined;
      for (const o of ['x', 'x2'] as const) {
        if (X && args[o] !== undefined) throw new ConflictingOptionsError(`--${o}`, 'given with --inputs', 'used without --inputs (it describes a single input; --inputs gives the N inputs)');
      }
      if (X && plot) throw new ConflictingOptionsError('--plot', 'given with --inputs', 'used for single-input comparisons');
      const inputWidth = args['input-width'] ?? (X && args.widths === undefined ? X[0]?.length : undefined);
      const single = specFromArgs({ ...args, 'input-width': inputWidth, width: (args['hidden-widths'] as number[] | undefined)?.[0] ?? args.width } as unknown as typeof args);
      if (args['output-width'] !== undefined) single.outputWidth = args['output-width'] as number;
      const hw = args['hidden-widths'] as number[] | undefined;
      if (!hw || hw.length < 2) throw new InvalidParameterError('--hidden-widths', hw, 'a comma-separated list of hidden widths (at least 2 for an extrapolation)');
      const o = {
        samples: args.samples as number,
        seed: args.seed as number | undefined,
        workers: args.workers as number | undefined,
        backend,
        neurons: parseNeurons(args.neurons as string | undefined),
        order: args.order as EnsembleOrder | undefined,
        onProgress: progressBar(io),
      };
      if (X) {
        // the same sweep as runWidths (hidden widths n₁ = … = n_{L−1}; n₀ and n_L fixed), on the N inputs
        spec = { ...single, input: { X } } as MultiInputNetworkSpec;
        const out: EnsembleMultiResult[] = [];
        for (const w of hw) out.push(await ensemble({ ...spec, widths: undefined, width: w, inputWidth: single.inputWidth ?? single.widths?.[0] } as MultiInputNetworkSpec, o));
        ensembles = out;
      } else {
        spec = single;
        ensembles = await runWidths(single, hw, o);
      }
    }
    const fit = args.fit as 'auto' | 'linear' | 'quadratic' | undefined;
    if ('X' in ((spec.input ?? {}) as object)) {
      const c = compare(theory(spec as MultiInputNetworkSpec, { backend }), ensembles as EnsembleMultiResult[], { fit });
      if (plot) throw new ConflictingOptionsError('--plot', 'given with multi-input ensembles', 'used for single-input comparisons');
      io.out(args.json ? JSON.stringify(c, jsonNumber) : compareTable(c));
      return 0;
    }
    const c = compare(theory(spec as NetworkSpec, { backend }), ensembles as EnsembleResult[], { fit });
    io.out(args.json ? JSON.stringify(c, jsonNumber) : compareTable(c));
    if (plot) await writePlot(plot, (await loadPlot()).comparePlot(c), args.json ? io.err : io.out);
    return 0;
  },
};

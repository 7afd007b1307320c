import { init } from '../../api/backend.js';
import { compare } from '../../api/compare.js';
import { ensembleSpec, mergeEnsembles, type EnsembleResult } from '../../api/ensemble.js';
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
  fit: { type: 'string', description: 'linear (X∞ + c/n, default) or quadratic (+ d/n², needs ≥ 4 widths)' },
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
            '   or: wideflow compare ens-16.json ens-32.json ens-64.json [--json]   (files from `wideflow ensemble --out`)',
          options,
        ),
      );
      return 0;
    }
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    const plot = plotPath(args.plot);
    if (backend === 'wasm') await init();
    let spec: NetworkSpec;
    let ensembles: EnsembleResult[];
    if (args._.length > 0) {
      // The files say what network they sampled: network options next to them would be ignored.
      const stray = Object.keys(specOptions).concat(Object.keys(samplingOptions), ['hidden-widths']).filter((k) => k !== 'json' && k !== 'backend' && args[k] !== undefined);
      if (stray.length) throw new ConflictingOptionsError(`--${stray[0]}`, 'given with ensemble files', 'used only when compare runs the ensembles itself (the files fix the network)');
      ensembles = await Promise.all(args._.map(async (f) => mergeEnsembles([await readState(f)])));
      spec = ensembleSpec(ensembles[0].state);
    } else {
      spec = specFromArgs({ ...args, width: (args['hidden-widths'] as number[] | undefined)?.[0] ?? args.width } as unknown as typeof args);
      if (args['output-width'] !== undefined) spec.outputWidth = args['output-width'] as number;
      const hw = args['hidden-widths'] as number[] | undefined;
      if (!hw || hw.length < 2) throw new InvalidParameterError('--hidden-widths', hw, 'a comma-separated list of hidden widths (at least 2 for an extrapolation)');
      ensembles = await runWidths(spec, hw, {
        samples: args.samples as number,
        seed: args.seed as number | undefined,
        workers: args.workers as number | undefined,
        backend,
        neurons: parseNeurons(args.neurons as string | undefined),
        onProgress: progressBar(io),
      });
    }
    const th = theory(spec, { backend });
    const c = compare(th, ensembles, { fit: args.fit as 'linear' | 'quadratic' | undefined });
    io.out(args.json ? JSON.stringify(c, jsonNumber) : compareTable(c));
    if (plot) await writePlot(plot, (await loadPlot()).comparePlot(c, { fit: args.fit as 'linear' | 'quadratic' | undefined }), args.json ? io.err : io.out);
    return 0;
  },
};

import { init } from '../../api/backend.js';
import { ensemble, type EnsembleOrder } from '../../api/ensemble.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { checkWritable, ensembleJson, ensembleTable, progressBar, writeState } from '../format.js';
import { parseNeurons, parseShard, samplingOptions, specFromArgs, specOptions } from '../options.js';
import { readInputs } from '../csv.js';
import { ConflictingOptionsError } from '../../api/errors.js';
import type { MultiInputNetworkSpec } from '../../api/theory.js';

const options = {
  ...specOptions,
  ...samplingOptions,
  order: { type: 'string', description: 'z | ntk | dntk | ddntk (default ddntk: everything)' },
  shard: { type: 'string', description: 'i/N: compute only shard i (1-based) of N; combine with `wideflow merge`' },
  inputs: { type: 'string', description: 'N inputs (a JSON file [[x…], …] or a CSV file, one input per row): every statistic with sample indices (n₀ = the row length)' },
  out: { type: 'string', description: 'write the full result (mergeable) to this JSON file' },
  help: { type: 'boolean', description: 'this help' },
} as const;

export const command: Command = {
  summary: 'sample finite-width networks and measure every statistic with jackknife errors',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(
        helpText(
          'wideflow ensemble --activation gelu --depth 3 --width 32 --input-width 4 --samples 20000 --seed 7 --workers 2 [--json] [--shard 3/64 --out part-3.json]\n' +
            '   or: wideflow ensemble --activation tanh --depth 3 --width 16 --inputs inputs.json --samples 4000 [--json] [--out ens-16.json]',
          options,
        ),
      );
      return 0;
    }
    const X = args.inputs !== undefined ? readInputs(args.inputs as string) : undefined;
    if (X) {
      for (const o of ['x', 'x2'] as const) {
        if (args[o] !== undefined) throw new ConflictingOptionsError(`--${o}`, 'given with --inputs', 'used without --inputs (it describes a single input; --inputs gives the N inputs)');
      }
    }
    const inputWidth = args['input-width'] ?? (X && args.widths === undefined ? X[0]?.length : undefined);
    const single = specFromArgs({ ...args, 'input-width': inputWidth } as unknown as typeof args);
    const spec = X ? ({ ...single, input: { X } } as MultiInputNetworkSpec) : single;
    await checkWritable(args.out as string | undefined);
    if (args['output-width'] !== undefined) spec.outputWidth = args['output-width'] as number;
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    if (backend === 'wasm') await init();
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    try {
      const r = await ensemble(spec as MultiInputNetworkSpec, {
        samples: args.samples as number,
        seed: args.seed as number | undefined,
        workers: args.workers as number | undefined,
        backend,
        neurons: parseNeurons(args.neurons as string | undefined),
        order: args.order as EnsembleOrder | undefined,
        shard: parseShard(args.shard as string | undefined),
        signal: ac.signal,
        onProgress: progressBar(io),
      });
      if (args.out) await writeState(args.out as string, r);
      if (args.json) io.out(JSON.stringify(ensembleJson(r)));
      else io.out(ensembleTable(r));
      return 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

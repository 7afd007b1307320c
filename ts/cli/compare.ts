import { init } from '../backend.js';
import { compare, type CompareResult } from '../compare.js';
import { ensemble, ensembleSpec, type EnsembleResult } from '../ensemble.js';
import { InvalidParameterError } from '../errors.js';
import { theory } from '../theory.js';
import type { NetworkSpec } from '../spec.js';
import { helpText, parseArgs, type Command } from './args.js';
import { progressBar, readState } from './ensemble-output.js';
import { mergeEnsembles } from '../ensemble.js';
import { fmt, samplingOptions, specFromArgs, specOptions } from './spec-options.js';
import { parseNeurons } from './ensemble.js';
import { jsonNumber } from './theory.js';
import { loadPlot, plotOption, plotPath, writePlot } from './plot-output.js';

const options = {
  ...specOptions,
  ...samplingOptions,
  'hidden-widths': { type: 'list', description: 'run one ensemble per hidden width (e.g. 16,32,64); the input and output widths stay fixed' },
  fit: { type: 'string', description: 'linear (X∞ + c/n, default) or quadratic (+ d/n², needs ≥ 4 widths)' },
  ...plotOption,
  help: { type: 'boolean', description: 'this help' },
} as const;

/**
 * Runs ensembles of `spec` at several hidden widths (input and output widths fixed) and returns them
 * with the theory: the data `compare()` needs.
 */
export async function runWidths(
  spec: NetworkSpec,
  hiddenWidths: number[],
  o: { samples: number; seed?: number; workers?: number; backend?: 'wasm' | 'js'; neurons?: number | number[] | 'all'; onProgress?: (p: { done: number; total: number }) => void },
): Promise<EnsembleResult[]> {
  const out: EnsembleResult[] = [];
  for (const w of hiddenWidths) {
    const s: NetworkSpec = { ...spec, widths: undefined, width: w, inputWidth: spec.inputWidth ?? spec.widths?.[0] };
    out.push(await ensemble(s, { ...o }));
  }
  return out;
}

export function compareTable(c: CompareResult): string {
  const lines = ['layer  qty        theory   extrapolated     ± stderr        z   per-width n·E[…] (n: value ± err)'];
  for (const r of c.rows) {
    const pts = r.points.map((p) => `${p.n}: ${fmt(p.value, 0)}±${fmt(p.stderr, 0)}`).join('  ');
    const z = Number.isFinite(r.z) ? r.z.toFixed(2) : String(r.z);
    lines.push(`${String(r.layer).padStart(5)}  ${r.quantity.padEnd(5)}${fmt(r.theory)}${fmt(r.extrapolated, 15)} ±${fmt(r.stderr, 11)} ${z.padStart(8)}   ${pts}`);
  }
  lines.push(`max |z| = ${c.maxAbsZ.toFixed(2)} over ${c.rows.length} comparisons`);
  return lines.join('\n');
}

export const command: Command = {
  summary: 'theory vs ensembles at several widths, extrapolated in 1/n, with z-scores',
  async run(argv, io) {
    const args = parseArgs(argv, options);
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
      ensembles = await Promise.all(args._.map(async (f) => mergeEnsembles([await readState(f)])));
      spec = ensembleSpec(ensembles[0].state);
    } else {
      spec = specFromArgs({ ...args, width: (args['hidden-widths'] as number[] | undefined)?.[0] ?? args.width } as unknown as typeof args);
      if (args['output-width'] !== undefined) spec.outputWidth = args['output-width'] as number;
      const hw = args['hidden-widths'] as number[] | undefined;
      if (!hw || hw.length < 1) throw new InvalidParameterError('--hidden-widths', hw, 'a comma-separated list of hidden widths (at least 2 for an extrapolation)');
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

import { init } from '../../api/backend.js';
import { theory, normalized, STAT_KEYS } from '../../api/theory.js';
import { helpText, parseArgs, type Command, type Parsed } from '../args.js';
import { readInputs } from '../csv.js';
import { writeFile } from 'node:fs/promises';
import type { SampleTensor } from '../../api/multi.js';
import { fmt, jsonNumber, depthToWidthLines, checkWritable } from '../format.js';
import { specFromArgs, specOptions } from '../options.js';
import { criticalSpec, depthToWidth } from '../../api/critical.js';
import { ConflictingOptionsError, InvalidParameterError } from '../../api/errors.js';
import { loadPlot, plotOption, plotPath, writePlot } from '../plot-output.js';
import type { FlowQuantity } from '../../plot/index.js';

const options = {
  ...specOptions,
  degree: { type: 'number', description: 'Gauss–Hermite degree (default: the library default)' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  normalized: { type: 'boolean', description: 'also print V/(nK²), A/(nΘ²), … (the forms users plot)' },
  critical: { type: 'boolean', description: 'C_b, C_W at the critical point of σ (and x² so that K⁽¹⁾ = K* for a K* > 0 point, unless --x2/--x)' },
  inputs: { type: 'string', description: 'N inputs (a JSON file [[x…], …] or a CSV file, one input per row): the statistics with sample indices (n₀ = the row length)' },
  out: { type: 'string', description: 'with --inputs: write the JSON result (every tensor, row-major) to this file' },
  ...plotOption,
  'plot-overlay': {
    type: 'string',
    description: "more networks drawn in the same --plot: 'cw=0.9; cw=1.1' or 'activation=relu cw=2; activation=gelu' (options without --, networks separated by ;)",
  },
  'plot-quantities': { type: 'string', description: "panels of --plot, e.g. K,Theta,norm.V,chiPerp (norm.X = the normalized form of X; default K,Theta,norm.V,norm.A,norm.B,norm.D)" },
  help: { type: 'boolean', description: 'this help' },
} as const;

export const command: Command = {
  summary: 'every recursion of the Principle of Sparsity (K, Θ, G1, H1, V, A, B, D, F, P, Q, R, S, T, U) per layer',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(helpText('wideflow theory --activation tanh --depth 5 --width 64 --input-width 8 --cb 0 --cw 1 --lambda-b 1 --lambda-w 1 --x2 1 [--json]\n   or: wideflow theory --activation relu --depth 3 --width 64 --cw 2 --inputs inputs.json [--json | --out result.json]', options));
      return 0;
    }
    const plot = plotPath(args.plot);
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    if (backend === 'wasm') await init();
    if (args.inputs !== undefined) return runMulti(args, backend, io);
    if (args.out !== undefined) throw new InvalidParameterError('--out', args.out, 'used with --inputs (the single-input result is printed, or --json)');
    const spec = specFromArgs(args);
    if (args.critical) {
      if (args.cb !== undefined || args.cw !== undefined) throw new InvalidParameterError('--critical', true, 'used without --cb/--cw (it sets them)');
      const { spec: cs } = criticalSpec(spec.activation, { depth: spec.depth }, { backend, degree: args.degree as number | undefined });
      spec.Cb = cs.Cb;
      spec.CW = cs.CW;
      if (args.x2 === undefined && args.x === undefined) spec.input = cs.input;
    }
    const r = theory(spec, { degree: args.degree as number | undefined, backend });
    const norm = args.normalized ? normalized(r) : undefined;
    if (plot) {
      const P = await loadPlot();
      const q = (args['plot-quantities'] as string | undefined)?.split(',').map((x) => x.trim()).filter(Boolean);
      const bad = q?.find((x) => !(P.FLOW_QUANTITIES as readonly string[]).includes(x));
      if (bad !== undefined) throw new InvalidParameterError('--plot-quantities', bad, `a comma-separated list of ${P.FLOW_QUANTITIES.join(', ')}`);
      const series = [{ argv: [] as string[], result: r }];
      for (const group of ((args['plot-overlay'] as string | undefined) ?? '').split(';').map((g) => g.trim()).filter(Boolean)) {
        const extra = group.split(/\s+/).flatMap((kv) => {
          const m = /^([a-z0-9-]+)=(.+)$/i.exec(kv);
          if (!m || m[1].startsWith('plot') || !(m[1] in specOptions)) throw new InvalidParameterError('--plot-overlay', kv, `name=value with a network option (${Object.keys(specOptions).join(', ')})`);
          return [`--${m[1]}`, m[2]];
        });
        // The overlay's options override the command line's; a new activation drops the old one's parameter.
        const base = extra.includes('--activation') ? stripActivationParameters(argv) : argv;
        const o = parseArgs([...base, ...extra], options);
        series.push({ argv: extra, result: theory(specFromArgs(o), { degree: o.degree as number | undefined, backend }) });
      }
      const keys = [...new Set(series.flatMap((x) => x.argv.filter((_, i) => i % 2 === 0)))].map((k) => k.slice(2));
      const labelled = series.map((x) => ({ label: overlayLabel(parseArgs([...argv, ...x.argv], options), keys), result: x.result }));
      await writePlot(plot, P.flowsPlot(series.length > 1 ? labelled : r, { quantities: q as FlowQuantity[] | undefined }), args.json ? io.err : io.out);
    }
    if (args.json) {
      const layers = r.layers.map((l, i) => {
        const { layer, ...rest } = l;
        return { layer, ...rest, ...(norm ? { normalized: { ...norm[i], layer: undefined } } : {}) };
      });
      const d = depthToWidth(r);
      const depthToWidthJson = { ratio: d.ratio, max: d.max, level: d.level, warnings: d.warnings };
      io.out(JSON.stringify({ degree: r.degree, backend: r.backend, warnings: [...r.warnings, ...d.warnings], overflowLayer: r.overflowLayer, ...(args.critical ? { Cb: spec.Cb, CW: spec.CW, input: spec.input } : {}), depthToWidth: depthToWidthJson, layers }, jsonNumber));
      return 0;
    }
    const cols = ['layer', 'n', ...STAT_KEYS, 'chiParallel', 'chiPerp'] as const;
    io.out(cols.map((c) => (c === 'layer' || c === 'n' ? c.padStart(6) : c.padStart(12))).join(''));
    for (const l of r.layers) {
      io.out(cols.map((c) => (c === 'layer' || c === 'n' ? String(l[c]).padStart(6) : fmt(l[c]))).join(''));
    }
    if (norm) {
      io.out('\nnormalized (n = n_{ℓ−1}):');
      const nk = Object.keys(norm[0]);
      io.out(nk.map((c) => (c === 'layer' ? c.padStart(6) : c.padStart(12))).join(''));
      for (const row of norm) io.out(nk.map((c) => (c === 'layer' ? String(row.layer).padStart(6) : fmt(row[c as keyof typeof row] ?? undefined))).join(''));
    }
    const d = depthToWidth(r);
    io.out('');
    for (const line of depthToWidthLines(d)) io.out(line);
    for (const w of [...r.warnings, ...d.warnings]) io.err(`warning: ${w}`);
    return 0;
  },
};

/** `--inputs`: the many-input theory (docs/theory/multi.md), as tables or JSON. */
async function runMulti(args: Parsed, backend: 'wasm' | 'js', io: Parameters<Command['run']>[1]): Promise<number> {
  for (const o of ['x', 'x2', 'critical', 'normalized', 'plot', 'plot-overlay', 'plot-quantities'] as const) {
    if (args[o] !== undefined) throw new ConflictingOptionsError(`--${o}`, 'given with --inputs', 'used without --inputs (it describes a single input; --inputs gives the N inputs)');
  }
  await checkWritable(args.out as string | undefined);
  const X = readInputs(args.inputs as string);
  const n0 = X[0].length;
  const spec = specFromArgs({ ...args, 'input-width': args['input-width'] ?? (args.widths === undefined ? n0 : undefined) } as unknown as Parsed);
  const r = theory({ ...spec, input: { X } }, { degree: args.degree as number | undefined, backend });
  const N = r.inputs;
  const rows = (m: Float64Array) => Array.from({ length: N }, (_, a) => Array.from(m.subarray(a * N, (a + 1) * N)));
  const json = () => ({
    inputs: N,
    inputWidth: r.inputWidth,
    degree: r.degree,
    backend: r.backend,
    warnings: r.warnings,
    overflowLayer: r.overflowLayer,
    missing: r.missing,
    indexOrder: 'K, Theta, G1, H1: [δ1][δ2]; 4-index tensors: row-major N⁴ in the order of their subscripts (docs/theory/multi.md §1)',
    layers: r.layers.map((l) => {
      const out: Record<string, unknown> = { layer: l.layer, n: l.n, K: rows(l.K), Theta: rows(l.Theta), G1: rows(l.G1), H1: rows(l.H1) };
      for (const k of MULTI_TENSORS) {
        const t = (l as unknown as Record<string, SampleTensor | undefined>)[k];
        if (t) out[k] = { symmetry: t.symmetry, shape: [N, N, N, N], values: Array.from(t.toArray()) };
      }
      return out;
    }),
  });
  if (args.out) await writeFile(args.out as string, JSON.stringify(json(), jsonNumber) + '\n');
  if (args.json) {
    io.out(JSON.stringify(json(), jsonNumber));
  } else {
    for (const l of r.layers) {
      io.out(`layer ${l.layer} (n = n_{ℓ−1} = ${l.n})`);
      for (const [name, m] of [['K', l.K], ['Theta', l.Theta], ['G1', l.G1], ['H1', l.H1]] as const) {
        rows(m).forEach((row, a) => io.out(`${a === 0 ? name.padEnd(6) : ''.padEnd(6)}${row.map((v) => fmt(v)).join('')}`));
      }
    }
    io.out(`\n${MULTI_TENSORS.filter((k) => !r.missing.includes(k)).join(', ')} with sample indices: --json or --out FILE`);
  }
  for (const w of r.warnings) io.err(`warning: ${w}`);
  return 0;
}

/** The 4-index tensors with sample indices, in the book's order. */
const MULTI_TENSORS = ['V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const;

const ACTIVATION_PARAMETERS = ['slope', 'alpha', 'a', 'p'];

function stripActivationParameters(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2).split('=')[0] : '';
    if (ACTIVATION_PARAMETERS.includes(name)) {
      if (!argv[i].includes('=')) i++;
      continue;
    }
    out.push(argv[i]);
  }
  return out;
}

const SYMBOL: Record<string, string> = { cb: 'C_b', cw: 'C_W', 'lambda-b': 'λ_b', 'lambda-w': 'λ_W', x2: 'x²', depth: 'L', width: 'n', 'input-width': 'n₀' };

/** Legend label of one overlaid network: its activation and the options that the overlays vary. */
function overlayLabel(a: Record<string, unknown>, keys: string[]): string {
  const param = ACTIVATION_PARAMETERS.find((k) => a[k] !== undefined);
  const parts = [`${a.activation}${param ? `(${param} = ${a[param]})` : ''}`];
  for (const k of keys) {
    if (k === 'activation' || ACTIVATION_PARAMETERS.includes(k)) continue;
    const v = a[k];
    parts.push(`${SYMBOL[k] ?? k} = ${Array.isArray(v) ? v.join(',') : v ?? (k === 'cb' ? 0 : k === 'x2' ? 1 : k.startsWith('c') || k.startsWith('lambda') ? 1 : '')}`);
  }
  return parts.join(', ');
}


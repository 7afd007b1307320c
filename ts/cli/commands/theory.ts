import { init } from '../../api/backend.js';
import { theory, normalized, STAT_KEYS } from '../../api/theory.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { fmt, jsonNumber, depthToWidthLines } from '../format.js';
import { specFromArgs, specOptions } from '../options.js';
import { criticalSpec, depthToWidth } from '../../api/critical.js';
import { InvalidParameterError } from '../../api/errors.js';

const options = {
  ...specOptions,
  degree: { type: 'number', description: 'Gauss–Hermite degree (default: the library default)' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  normalized: { type: 'boolean', description: 'also print V/(nK²), A/(nΘ²), … (the forms users plot)' },
  critical: { type: 'boolean', description: 'C_b, C_W at the critical point of σ (and x² so that K⁽¹⁾ = K* for a K* > 0 point, unless --x2/--x)' },
  help: { type: 'boolean', description: 'this help' },
} as const;

export const command: Command = {
  summary: 'every recursion of the Principle of Sparsity (K, Θ, G1, H1, V, A, B, D, F, P, Q, R, S, T, U) per layer',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(helpText('wideflow theory --activation tanh --depth 5 --width 64 --input-width 8 --cb 0 --cw 1 --lambda-b 1 --lambda-w 1 --x2 1 [--json]', options));
      return 0;
    }
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    if (backend === 'wasm') await init();
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
      for (const row of norm) io.out(nk.map((c) => (c === 'layer' ? String(row.layer).padStart(6) : fmt(row[c as keyof typeof row]))).join(''));
    }
    const d = depthToWidth(r);
    io.out('');
    for (const line of depthToWidthLines(d)) io.out(line);
    for (const w of [...r.warnings, ...d.warnings]) io.err(`warning: ${w}`);
    return 0;
  },
};

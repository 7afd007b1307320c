import { init } from '../../api/backend.js';
import { theory, normalized, STAT_KEYS } from '../../api/theory.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { fmt, jsonNumber } from '../format.js';
import { specFromArgs, specOptions } from '../options.js';

const options = {
  ...specOptions,
  degree: { type: 'number', description: 'Gauss–Hermite degree (default: the library default)' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  normalized: { type: 'boolean', description: 'also print V/(nK²), A/(nΘ²), … (the forms users plot)' },
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
    const spec = specFromArgs(args);
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    if (backend === 'wasm') await init();
    const r = theory(spec, { degree: args.degree as number | undefined, backend });
    const norm = args.normalized ? normalized(r) : undefined;
    if (args.json) {
      const layers = r.layers.map((l, i) => {
        const { layer, ...rest } = l;
        return { layer, ...rest, ...(norm ? { normalized: { ...norm[i], layer: undefined } } : {}) };
      });
      io.out(JSON.stringify({ degree: r.degree, backend: r.backend, warnings: r.warnings, overflowLayer: r.overflowLayer, layers }, jsonNumber));
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
    for (const w of r.warnings) io.err(`warning: ${w}`);
    return 0;
  },
};

/**
 * `wideflow critical --activation gelu [--json]`: the critical point(s) and universality class of σ
 * (PDLT ch. 5), optionally with the large-depth asymptotics checked against the class's closed forms.
 */
import { init } from '../../api/backend.js';
import { critical, criticalAsymptotics, susceptibilities, type CriticalPoint, type CriticalResult } from '../../api/critical.js';
import { loadPlot, plotOption, plotPath, writePlot } from '../plot-output.js';
import { ACTIVATIONS } from '../../api/activation.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { activationFromArgs, activationOptions } from '../options.js';
import { fmt } from '../format.js';
import { ConflictingOptionsError, InvalidParameterError } from '../../api/errors.js';

const options = {
  ...activationOptions,
  json: { type: 'boolean', description: 'machine-readable output on stdout' },
  all: { type: 'boolean', description: 'one line per builtin activation (default parameters) instead of --activation' },
  asymptotics: { type: 'boolean', description: 'also run the recursions to --depth at the critical point and compare with the closed forms' },
  depth: { type: 'number', description: 'depth for --asymptotics (default 10000)' },
  'lambda-b': { type: 'number', description: 'λ_b for --asymptotics (default 1)' },
  'lambda-w': { type: 'number', description: 'λ_W for --asymptotics (default 1)' },
  kmin: { type: 'number', description: 'lower end of the K* > 0 search (default 1e-3)' },
  kmax: { type: 'number', description: 'upper end of the K* > 0 search (default 1e3)' },
  degree: { type: 'number', description: 'quadrature degree (default: the library default)' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  ...plotOption,
  help: { type: 'boolean', description: 'this help' },
} as const;

/**
 * χ∥(K) and χ⊥(K) on a log grid of K, at the critical C_W of the first critical point (C_W = 1 when
 * there is none), marking K* when it is positive: the picture of PDLT §5 (both curves through 1 at K*).
 */
function susceptibilityCurve(c: CriticalResult, activation: Parameters<typeof susceptibilities>[0], opts: { backend: 'wasm' | 'js'; degree?: number }) {
  const p = c.points[0];
  const CW = p?.CW ?? 1;
  const center = p?.Kstar && p.Kstar > 0 ? p.Kstar : 1;
  const K: number[] = [];
  for (let i = 0; i <= 80; i++) K.push(center * 10 ** (-3 + (5 * i) / 80));
  const chi = K.map((k) => susceptibilities(activation, k, { CW, ...opts }));
  return { K, chiParallel: chi.map((x) => x.chiParallel), chiPerp: chi.map((x) => x.chiPerp), CW };
}

function describe(p: CriticalPoint): string[] {
  switch (p.kind) {
    case 'scale-invariant':
      return [`a₊ = ${p.aPlus}, a₋ = ${p.aMinus}; critical line: any K* = C_W·x²; ν = ${fmt(p.nu).trim()} (V/(nK²) = ν(ℓ−1)/n)`, p.note];
    case 'K*=0':
      return [
        `σ(0) = ${p.taylor.sigma0}, σ′(0) = ${p.taylor.right[0]}${p.taylor.left[0] !== p.taylor.right[0] ? ` / ${p.taylor.left[0]} (right/left)` : ''}; c = ${fmt(p.c).trim()}, a₁ = ${fmt(p.a1).trim()}, b₁ = ${fmt(p.b1).trim()}`,
        `K ≈ ${fmt(p.kappa).trim()}/ℓ^${p.pK}, χ⊥ ≈ 1 − ${fmt(p.pPerp).trim()}/ℓ, ν = ${fmt(p.nu).trim()} (V/(nK²) ≈ νℓ/n); stable`,
        p.note,
      ];
    case 'K*>0':
      return [`b = ½dχ∥/dK = ${p.b.toExponential(4)}; ${p.stability}, attracted from ${p.attractedFrom}; ν = ${fmt(p.nu).trim()}; |χ − 1| ≤ ${p.residual.toExponential(1)}`, p.note];
  }
}

export const command: Command = {
  summary: 'critical initialization (C_b, C_W, K*) and universality class of an activation (PDLT ch. 5)',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(helpText('wideflow critical --activation gelu [--json] [--asymptotics --depth 10000]   |   wideflow critical --all', options));
      return 0;
    }
    const backend = (args.backend as 'wasm' | 'js' | undefined) ?? 'wasm';
    if (backend !== 'wasm' && backend !== 'js') throw new InvalidParameterError('--backend', backend, "'wasm' or 'js'");
    if (backend === 'wasm') await init();
    const opts = { backend, degree: args.degree as number | undefined, Kmin: args.kmin as number | undefined, Kmax: args.kmax as number | undefined };
    const plot = plotPath(args.plot);
    if (plot && args.all) throw new ConflictingOptionsError('--plot', plot, 'used with --activation (one activation per figure), not --all');
    if (args.all) {
      const all = Object.keys(ACTIVATIONS).map((name) => critical(name, opts));
      if (args.json) {
        io.out(JSON.stringify(all));
        return 0;
      }
      io.out(`${'activation'.padEnd(13)}${'class'.padEnd(17)}${'C_b'.padStart(22)}${'C_W'.padStart(22)}${'K*'.padStart(22)}  stability`);
      for (const c of all) {
        const v = (x: number | null) => (x === null ? (c.kind === 'scale-invariant' ? 'line' : '—') : String(x)).padStart(22);
        io.out(`${c.activation.padEnd(13)}${c.kind.padEnd(17)}${v(c.Cb)}${v(c.CW)}${v(c.Kstar)}  ${c.point?.stability ?? ''}`);
      }
      return 0;
    }
    const activation = activationFromArgs(args);
    const c = critical(activation, opts);
    if (plot) {
      const P = await loadPlot();
      const curve = susceptibilityCurve(c, activation, { backend, degree: opts.degree });
      await writePlot(plot, P.susceptibilityPlot(curve), args.json ? io.err : io.out);
    }
    const asy =
      args.asymptotics && c.kind !== 'none'
        ? criticalAsymptotics(activation, { ...opts, depth: (args.depth as number | undefined) ?? 10_000, lambdaB: args['lambda-b'] as number | undefined, lambdaW: args['lambda-w'] as number | undefined })
        : null;
    if (args.json) {
      io.out(JSON.stringify({ ...c, ...(asy ? { asymptotics: { depth: asy.depth, checks: asy.checks } } : {}) }));
      return 0;
    }
    io.out(`activation ${c.activation}: ${c.kind === 'none' ? 'no critical point' : `class ${c.kind}`}`);
    if (c.kind === 'none') io.out(`  reason: ${c.reason}`);
    if (c.points.length) {
      io.out(['', 'class'.padEnd(16), 'C_b'.padStart(20), 'C_W'.padStart(20), 'K*'.padStart(20), '  stability'].join(''));
      for (const p of c.points) {
        const num = (v: number | null) => (v === null ? 'line' : String(v)).padStart(20);
        io.out([p.kind.padEnd(16), num(p.Cb), num(p.CW), num(p.Kstar), `  ${p.stability}`].join(''));
        for (const line of describe(p)) io.out(`    ${line}`);
      }
    }
    for (const r of c.rejected) io.out(`rejected ${r.kind} (C_b = ${fmt(r.Cb).trim()}, C_W = ${fmt(r.CW).trim()}, K* = ${fmt(r.Kstar).trim()}): ${r.reason}`);
    io.out(`K* bracketed to ${c.tolerance} relative; K* > 0 searched on [${c.searched[0]}, ${c.searched[1]}]; ${c.backend} backend, degree ${c.degree}`);
    if (asy) {
      io.out(`\nasymptotics at depth ${asy.depth} (layers ${asy.depth / 2} and ${asy.depth}):`);
      io.out(`${'quantity'.padEnd(44)}${'measured'.padStart(14)}${'closed form'.padStart(14)}${'rel. error'.padStart(12)}`);
      for (const k of asy.checks) {
        io.out(`${k.quantity.padEnd(44)}${fmt(k.measured, 14)}${k.predicted === null ? '—'.padStart(14) : fmt(k.predicted, 14)}${k.relError === null ? ''.padStart(12) : k.relError.toExponential(1).padStart(12)}`);
      }
    }
    return 0;
  },
};

import { init, info } from '../../api/backend.js';
import { compare } from '../../api/compare.js';
import { theory, normalized } from '../../api/theory.js';
import type { NetworkSpec } from '../../api/spec.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { runWidths } from '../../api/sweep.js';
import { compareTable, fmt, progressBar } from '../format.js';
import { loadPlot, plotPath, writePlot } from '../plot-output.js';

const options = {
  samples: { type: 'number', description: 'networks per width (default 20000)' },
  workers: { type: 'number', description: 'worker threads (default 2)' },
  json: { type: 'boolean', description: 'machine-readable output' },
  plot: { type: 'string', description: 'write the figures as SVG: FILE.svg (theory vs ensembles) and FILE-flows.svg (flows with depth)' },
  help: { type: 'boolean', description: 'this help' },
} as const;

/** The default network of the report: tanh at criticality (C_b = 0, C_W = 1), three layers. */
export const REPORT_SPEC: NetworkSpec = {
  activation: 'tanh',
  depth: 3,
  inputWidth: 4,
  width: 16,
  outputWidth: 4,
  Cb: 0,
  CW: 1,
  lambdaB: 1,
  lambdaW: 1,
  input: { x2: 1 },
};
export const REPORT_WIDTHS = [16, 32, 64];

export const command: Command = {
  summary: 'the main job of `npm start`: theory vs sampled networks on a default network, side by side',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(helpText('wideflow report [--samples N] [--workers W] [--json] [--plot FILE.svg]', options));
      return 0;
    }
    const plot = plotPath(args.plot);
    await init();
    const t0 = performance.now();
    const th = theory(REPORT_SPEC);
    const ens = await runWidths(REPORT_SPEC, REPORT_WIDTHS, {
      samples: (args.samples as number | undefined) ?? 20000,
      workers: (args.workers as number | undefined) ?? 2,
      seed: 1,
      onProgress: progressBar(io),
    });
    const all = compare(th, ens);
    // Layer 1 is exact by construction (Gaussian z, deterministic Ĥ): show the layers that test something.
    const c = { ...all, rows: all.rows.filter((r) => r.layer >= 2) };
    c.maxAbsZ = Math.max(...c.rows.map((r) => Math.abs(r.z)).filter(Number.isFinite));
    const seconds = (performance.now() - t0) / 1000;
    const plots = async (say: (s: string) => void) => {
      if (!plot) return;
      const P = await loadPlot();
      await writePlot(plot, P.comparePlot(c, { title: `wideflow report: theory vs ${ens[0].samples} sampled networks per width, layer ${REPORT_SPEC.depth} (max |z| over layers 2–${REPORT_SPEC.depth}: ${c.maxAbsZ.toFixed(2)})` }), say);
      const flows = plot.replace(/\.svg$/i, '-flows.svg');
      await writePlot(flows, P.flowsPlot(th, { title: 'wideflow report: flows with depth (theory, n = ∞ and 1/n tensors)' }), say);
    };
    if (args.json) {
      io.out(JSON.stringify({ spec: REPORT_SPEC, widths: REPORT_WIDTHS, theory: th.layers, compare: c, seconds }));
      await plots(io.err);
      return 0;
    }
    const b = info();
    io.out(`wideflow report — tanh MLP at criticality (C_b = 0, C_W = 1, λ_b = λ_W = 1, x² = 1), depth 3, n₀ = 4, n_L = 4`);
    io.out(`backend: wasm (${b.simd ? 'simd128' : 'scalar'}); ${ens[0].samples} networks per hidden width ${REPORT_WIDTHS.join(', ')}\n`);
    io.out('theory (n = ∞ and the 1/n coefficients), normalized V/(nK²) for the depth trend:');
    const norm = normalized(th);
    io.out(['layer', 'K', 'Theta', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'].map((c, i) => (i ? c.padStart(12) : c.padStart(6))).join(''));
    for (const l of th.layers) io.out([String(l.layer).padStart(6), ...(['K', 'Theta', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const).map((k) => fmt(l[k]))].join(''));
    io.out(`V/(nK²) per layer: ${norm.map((r) => (r.V === null ? 'none' : r.V.toPrecision(4))).join(', ')}\n`);
    io.out('ensembles extrapolated in 1/n against theory:');
    io.out(compareTable(c));
    io.out(`\n${seconds.toFixed(1)} s`);
    await plots(io.out);
    return 0;
  },
};

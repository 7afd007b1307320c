/**
 * `wideflow gauss`: the bundle of Gaussian expectations ⟨·⟩_K of one activation, with its error
 * estimate — the numbers every recursion of `wideflow theory` is built from.
 */
import { init } from '../../api/backend.js';
import { gaussianExpectations, MOMENT_NAMES } from '../../api/gauss.js';
import { InvalidParameterError } from '../../api/errors.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { activationFromArgs, activationOptions } from '../options.js';

const options = {
  ...activationOptions,
  K: { type: 'number', description: 'variance K ≥ 0 of the preactivation z' },
  degree: { type: 'number', description: 'quadrature degree 1…1000 (default 64)' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  json: { type: 'boolean', description: 'machine-readable output on stdout' },
  help: { type: 'boolean', description: 'this help' },
} as const;

const LABELS: Record<(typeof MOMENT_NAMES)[number], string> = {
  sigma: '⟨σ⟩',
  sigma2: '⟨σσ⟩',
  sigma4: '⟨σ⁴⟩',
  dsigma2: '⟨σ′σ′⟩',
  dsigma4: '⟨σ′⁴⟩',
  sigma2dsigma2: '⟨σ²σ′²⟩',
  zsigmadsigma: '⟨zσσ′⟩',
  zdsigmaddsigma: '⟨zσ′σ″⟩',
  sigma2He2: '⟨σ²(z²−K)⟩',
  dsigma2He2: '⟨σ′²(z²−K)⟩',
  sigma2He4: '⟨σ²He₄⟩',
  sigmadsigma2ddsigma: '⟨σσ′²σ″⟩',
  dsigma3dddsigma: '⟨σ′³σ‴⟩',
  dsigma2ddsigma2: '⟨σ′²σ″²⟩',
};

export const command: Command = {
  summary: 'Gaussian expectations ⟨σσ⟩_K, ⟨σ′σ′⟩_K, … of one activation, with an error estimate',
  async run(argv, io) {
    const args = parseArgs(argv, options);
    if (args.help) {
      io.out(helpText('wideflow gauss --activation tanh --K 1.5 [--degree 64] [--backend wasm|js] [--json]', options));
      return 0;
    }
    const activation = activationFromArgs(args);
    if (args.K === undefined) throw new InvalidParameterError('--K', undefined, 'given (the variance, e.g. --K 1.5)');
    const backend = args.backend as string | undefined;
    if (backend !== undefined && backend !== 'wasm' && backend !== 'js') throw new InvalidParameterError('--backend', backend, "'wasm' or 'js'");
    if (backend !== 'js') await init();
    const r = gaussianExpectations({
      activation,
      K: args.K as number,
      degree: args.degree as number | undefined,
      backend: (backend as 'wasm' | 'js' | undefined) ?? 'wasm',
    });
    if (args.json) {
      io.out(JSON.stringify(r));
      return 0;
    }
    io.out(`activation ${r.activation}   K = ${r.K}   degree ${r.degree}   backend ${r.backend}`);
    io.out(`${'moment'.padEnd(16)}${'value'.padStart(24)}${'error estimate'.padStart(16)}`);
    for (const m of MOMENT_NAMES) {
      io.out(`${LABELS[m].padEnd(16)}${r[m].toPrecision(17).padStart(24)}${r.errors[m].toExponential(1).padStart(16)}`);
    }
    return 0;
  },
};

/**
 * The options shared by the `wideflow` commands (network, activation, sampling, shards, neurons) and
 * their mapping to a {@link NetworkSpec}. Hyperparameters accept one value or a comma-separated list (one per layer).
 */
import type { NetworkSpec } from '../api/spec.js';
import type { ActivationSpec } from '../api/activation.js';
import { exclusive, type OptionSpec, type Parsed } from './args.js';
import { ConflictingOptionsError, InvalidParameterError } from '../api/errors.js';

/** σ and its parameter, for every command that takes an activation. */
export const activationOptions: Record<string, OptionSpec> = {
  activation: { type: 'string', description: 'σ: linear relu leaky_relu tanh erf sigmoid softplus gelu swish sin elu scaled_tanh monomial' },
  slope: { type: 'number', description: 'leaky_relu negative-side slope (default 0.01)' },
  alpha: { type: 'number', description: 'elu α (default 1)' },
  a: { type: 'number', description: 'scaled_tanh: σ = tanh(a·x) (default 1)' },
  p: { type: 'number', description: 'monomial: σ = x^p, p = 1…8 (default 3)' },
};

/** The activation spec named by --activation and its parameter option, if any. */
export function activationFromArgs(args: Parsed): ActivationSpec {
  const name = args.activation as string | undefined;
  if (name === undefined) throw new InvalidParameterError('--activation', undefined, 'given (e.g. --activation tanh)');
  const params: Record<string, number> = {};
  // Each parameter option belongs to one activation: --slope with tanh is a mistake, not a no-op.
  const owner: Record<string, string> = { slope: 'leaky_relu', alpha: 'elu', a: 'scaled_tanh', p: 'monomial' };
  for (const k of ['slope', 'alpha', 'a', 'p']) {
    if (args[k] === undefined) continue;
    if (owner[k] !== name) throw new ConflictingOptionsError(`--${k}`, `given with --activation ${name}`, `used only with --activation ${owner[k]}`);
    params[k] = args[k] as number;
  }
  return (Object.keys(params).length ? { name, ...params } : name) as ActivationSpec;
}

export const specOptions: Record<string, OptionSpec> = {
  ...activationOptions,
  depth: { type: 'number', description: 'L, number of layers' },
  width: { type: 'number', description: 'hidden width n₁ = … = n_{L−1}' },
  'input-width': { type: 'number', description: 'input width n₀' },
  widths: { type: 'list', description: 'n₀,n₁,…,n_{L−1} (instead of --width/--input-width)' },
  cb: { type: 'list', description: 'C_b (one value, or one per layer)' },
  cw: { type: 'list', description: 'C_W (one value, or one per layer)' },
  'lambda-b': { type: 'list', description: 'λ_b (one value, or one per layer)' },
  'lambda-w': { type: 'list', description: 'λ_W (one value, or one per layer)' },
  x2: { type: 'number', description: 'x² = |x|²/n₀ of the input' },
  x: { type: 'list', description: 'the input vector x (length n₀), instead of --x2' },
  json: { type: 'boolean', description: 'machine-readable output on stdout' },
};

/** σ, depth and the hyperparameters of the commands whose inputs fix the widths (kernels, train, predict). */
export const hyperOptions: Record<string, OptionSpec> = {
  ...activationOptions,
  depth: { type: 'number', description: 'L, number of layers' },
  cb: { type: 'list', description: 'C_b (one value, or one per layer; default 0)' },
  cw: { type: 'list', description: 'C_W (one value, or one per layer; default 1)' },
  'lambda-b': { type: 'list', description: 'λ_b (one value, or one per layer; default 1)' },
  'lambda-w': { type: 'list', description: 'λ_W (one value, or one per layer; default 1)' },
};

/** The data files and the network of the training commands (`train`, `predict`): widths come from the data. */
export const dataNetworkOptions: Record<string, OptionSpec> = {
  train: { type: 'string', description: 'training set CSV: n₀ input columns, then the label columns' },
  test: { type: 'string', description: 'test inputs CSV: n₀ columns' },
  outputs: { type: 'number', description: 'n_L, the number of label columns in --train (default 1)' },
  ...hyperOptions,
};

/** Options of every command that samples networks (`ensemble`, `compare`). */
export const samplingOptions: Record<string, OptionSpec> = {
  'output-width': { type: 'number', description: 'n_L, width of the last layer (default: the hidden width)' },
  samples: { type: 'number', description: 'number of sampled networks (per width for compare)' },
  seed: { type: 'number', description: 'RNG seed (default 0)' },
  workers: { type: 'number', description: 'worker threads (default 1); results do not depend on it' },
  backend: { type: 'string', description: 'wasm (default) or js' },
  neurons: { type: 'string', description: "neurons per layer whose pairs are used: a number (default 8), a list, or 'all'" },
};

function perLayer(args: Parsed, name: string, fallback?: number): number | number[] {
  const v = args[name] as number[] | undefined;
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InvalidParameterError(`--${name}`, undefined, 'given (a number, or a comma-separated list with one value per layer)');
  }
  return v.length === 1 ? v[0] : v;
}

export function specFromArgs(args: Parsed): NetworkSpec {
  exclusive(args, 'x', 'x2');
  exclusive(args, 'widths', 'width');
  exclusive(args, 'widths', 'input-width');
  const activation = activationFromArgs(args);
  let input: NetworkSpec['input'];
  if (args.x !== undefined) input = { x: args.x as number[] };
  else input = { x2: (args.x2 as number | undefined) ?? 1 };
  const spec: NetworkSpec = {
    activation,
    depth: args.depth as number,
    Cb: perLayer(args, 'cb', 0),
    CW: perLayer(args, 'cw', 1),
    lambdaB: perLayer(args, 'lambda-b', 1),
    lambdaW: perLayer(args, 'lambda-w', 1),
    input,
  };
  if (args.widths !== undefined) spec.widths = args.widths as number[];
  else {
    spec.width = args.width as number;
    spec.inputWidth = (args['input-width'] as number | undefined) ?? (args.x ? (args.x as number[]).length : undefined);
  }
  if (spec.depth === undefined) throw new InvalidParameterError('--depth', undefined, 'given (the number of layers L)');
  return spec;
}

export function parseShard(s: string | undefined): { index: number; count: number } | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m) throw new InvalidParameterError('--shard', s, 'i/N with integers 1 ≤ i ≤ N (e.g. 3/64)');
  return { index: Number(m[1]), count: Number(m[2]) };
}

export function parseNeurons(s: string | undefined): number | number[] | 'all' | undefined {
  if (s === undefined || s === 'all') return s;
  const parts = s.split(',').map((v) => (/^\d+$/.test(v) ? Number(v) : NaN));
  if (parts.some((v) => !Number.isInteger(v))) throw new InvalidParameterError('--neurons', s, "an integer, a comma-separated list, or 'all'");
  return parts.length === 1 ? parts[0] : parts;
}

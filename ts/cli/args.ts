/**
 * A small, strict argument parser for the `wideflow` CLI: `--name value`, `--name=value`, `--flag`.
 * Unknown options are errors (a typo must not silently fall back to a default).
 */
import { ConflictingOptionsError, InvalidParameterError, WideflowError } from '../api/errors.js';

export interface OptionSpec {
  /** 'string' | 'number' | 'boolean' | 'list' (comma-separated numbers) */
  type: 'string' | 'number' | 'boolean' | 'list';
  description: string;
}

export type Parsed = Record<string, string | number | boolean | number[] | undefined> & { _: string[] };

/**
 * Parses `argv` against the command's options (a repeated option: the last one wins, which is how
 * plot overlays and scripts override a base command line). Strict: an unknown option, a malformed number (decimal only: `0x10`, `1e`, `1,,2` are refused, not reinterpreted) and, unless the
 * command takes them (`positional`), any word that is not an option are errors.
 */
export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, opts: { positional?: string } = {}): Parsed {
  const out: Parsed = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (!opts.positional) throw new InvalidParameterError('arguments', arg, 'options of the form --name value only (this command takes no other words; see --help)');
      out._.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const s = spec[name];
    if (!s) throw new WideflowError(`wideflow: unknown option --${name} (see --help)`);
    if (s.type === 'boolean') {
      if (value !== undefined && value !== 'true' && value !== 'false') throw new InvalidParameterError(`--${name}`, value, 'a flag (no value, or =true / =false)');
      out[name] = value === undefined ? true : value === 'true';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new InvalidParameterError(`--${name}`, undefined, `followed by a ${s.type}`);
    }
    if (s.type === 'string') out[name] = value;
    else if (s.type === 'number') out[name] = toNumber(name, value);
    else {
      const parts = value.split(',');
      if (parts.some((v) => v.trim() === '')) throw new InvalidParameterError(`--${name}`, value, 'a comma-separated list of numbers without empty entries (e.g. 1,2,3)');
      out[name] = parts.map((v) => toNumber(name, v));
    }
  }
  return out;
}

/** Decimal numbers only: Number() would also read '0x10', '0b1', ' 1 ' or '' (as 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(name: string, v: string): number {
  const x = Number(v);
  if (!DECIMAL.test(v) || !Number.isFinite(x)) throw new InvalidParameterError(`--${name}`, v, 'a finite decimal number');
  return x;
}

/** Throws if more than one of `names` was given (e.g. --x and --x2). */
export function exclusive(args: Parsed, ...names: string[]): void {
  const given = names.filter((n) => args[n] !== undefined);
  if (given.length > 1) throw new ConflictingOptionsError(`--${given[0]}`, `given with --${given[1]}`, `used without --${given.slice(1).join(', --')} (they say the same thing in two ways)`);
}

export function helpText(usage: string, spec: Record<string, OptionSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => `  --${k}${s.type === 'boolean' ? '' : ` <${s.type}>`}`.padEnd(30) + s.description);
  return `${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}

/** What a subcommand module exports. It returns the process exit code. */
export interface Command {
  summary: string;
  run(argv: string[], io: { out: (s: string) => void; err: (s: string) => void; isTTY: boolean }): Promise<number>;
}

/**
 * A small, strict argument parser for the `wideflow` CLI: `--name value`, `--name=value`, `--flag`.
 * Unknown options are errors (a typo must not silently fall back to a default).
 */
import { InvalidParameterError, WideflowError } from '../api/errors.js';

export interface OptionSpec {
  /** 'string' | 'number' | 'boolean' | 'list' (comma-separated numbers) */
  type: 'string' | 'number' | 'boolean' | 'list';
  description: string;
}

export type Parsed = Record<string, string | number | boolean | number[] | undefined> & { _: string[] };

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): Parsed {
  const out: Parsed = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
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
      out[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new InvalidParameterError(`--${name}`, undefined, `followed by a ${s.type}`);
    }
    if (s.type === 'string') out[name] = value;
    else if (s.type === 'number') out[name] = toNumber(name, value);
    else out[name] = value.split(',').filter((v) => v !== '').map((v) => toNumber(name, v));
  }
  return out;
}

function toNumber(name: string, v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new InvalidParameterError(`--${name}`, v, 'a finite number');
  return x;
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

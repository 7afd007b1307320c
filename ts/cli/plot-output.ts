/**
 * `--plot FILE.svg` for the CLI commands (issue 12): loads `wideflow/plot` only when asked, so a run
 * without --plot loads nothing of Observable Plot or linkedom.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidParameterError } from '../api/errors.js';
import type { OptionSpec } from './args.js';

type PlotModule = typeof import('../plot/index.js');

export const plotOption: Record<string, OptionSpec> = {
  plot: { type: 'string', description: 'also write the figure as an SVG file (e.g. --plot out.svg)' },
};

/**
 * The package's own `wideflow/plot` entry, resolved by name (Node resolves a package's self-reference
 * through its "exports"): the bundled Node build dist/plot/node.js, whatever directory this file is in.
 */
export async function loadPlot(): Promise<PlotModule> {
  const name = 'wideflow/plot';
  return (await import(name)) as PlotModule;
}

/** Checks the --plot value before any long computation, so a typo fails at once. */
export function plotPath(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/\.svg$/i.test(v)) throw new InvalidParameterError('--plot', v, 'a file name ending in .svg');
  return v;
}

/** Writes `svg` and says where (to stderr when stdout carries --json). */
export async function writePlot(file: string, svg: string, say: (s: string) => void): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, svg);
  say(`plot: wrote ${file}`);
}

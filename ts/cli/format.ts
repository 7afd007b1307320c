/**
 * Output shared by the `wideflow` commands: number formatting, tables, JSON, ensemble files and the
 * progress bar.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidParameterError } from '../api/errors.js';
import { ENSEMBLE_KEYS } from '../stats/estimator.js';
import { checkState, type EnsembleResult, type EnsembleState } from '../api/ensemble.js';
import { checkMultiState, isMultiState, MULTI_TENSORS, type EnsembleMultiResult, type EnsembleMultiState } from '../api/ensemble-multi.js';
import type { CompareResult } from '../api/compare.js';
import type { CompareMultiResult } from '../api/compare-multi.js';
import type { DepthToWidthResult } from '../api/critical.js';

/** The JSON printed by `--json`: samples and per-layer { mean, stderr } of every statistic. */
export function ensembleJson(r: EnsembleResult | EnsembleMultiResult): object {
  if (isMulti(r)) return ensembleMultiJson(r);
  return {
    samples: r.samples,
    seed: r.seed,
    order: r.order,
    backend: r.backend,
    layers: r.layers.map((l) => {
      const o: Record<string, unknown> = { layer: l.layer, n: l.n, width: l.width, neurons: l.neurons };
      for (const k of ENSEMBLE_KEYS) if (l[k]) o[k] = l[k];
      return o;
    }),
  };
}

export function ensembleTable(r: EnsembleResult | EnsembleMultiResult): string {
  if (isMulti(r)) return ensembleMultiTable(r);
  const keys = ENSEMBLE_KEYS.filter((k) => r.layers[0][k]);
  const lines = [`${r.samples} networks, seed ${r.seed}, backend ${r.backend}; each cell: mean ± stderr`];
  lines.push(['layer', ...keys].map((c, i) => (i === 0 ? c.padStart(6) : c.padStart(25))).join(''));
  for (const l of r.layers) {
    lines.push([String(l.layer).padStart(6), ...keys.map((k) => `${fmt(l[k]!.mean, 12)} ±${fmt(l[k]!.stderr, 10)}`.padStart(25))].join(''));
  }
  return lines.join('\n');
}

/** Writes a result (with its mergeable state) to a file. */
export async function writeState(path: string, r: EnsembleResult | EnsembleMultiResult): Promise<void> {
  await writeFile(path, JSON.stringify({ ...ensembleJson(r), state: r.state }) + '\n');
}

export async function readState(path: string): Promise<EnsembleState | EnsembleMultiState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InvalidParameterError('file', path, 'a readable ensemble JSON file (from --out)');
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new InvalidParameterError('file', path, "a JSON file written by 'wideflow ensemble --out' or 'wideflow merge --out'");
  }
  const s = j && typeof j === 'object' && 'state' in j ? (j as { state: unknown }).state : j;
  // Every field is checked (version, checksum, lengths, the counts its shards must hold), and the error
  // names the file and the first bad field.
  return isMultiState(s) ? checkMultiState(s, path) : checkState(s, path);
}

function isMulti(r: EnsembleResult | EnsembleMultiResult): r is EnsembleMultiResult {
  return typeof (r as EnsembleMultiResult).inputs === 'number';
}

/**
 * `--json` of a multi-input ensemble: G, Gdirect, Graw, H, Hdirect as N × N { value, stderr } rows [δ1][δ2]; each 4-index
 * tensor as row-major N⁴ arrays in the order of its subscripts (the same layout as `wideflow theory --inputs --json`).
 */
export function ensembleMultiJson(r: EnsembleMultiResult): object {
  const N = r.inputs;
  const rows = (m: Float64Array) => Array.from({ length: N }, (_, a) => Array.from(m.subarray(a * N, (a + 1) * N)));
  return {
    inputs: N,
    samples: r.samples,
    seed: r.seed,
    order: r.order,
    backend: r.backend,
    warnings: r.warnings,
    indexOrder: 'G, Gdirect, Graw, H, Hdirect: [δ1][δ2]; 4-index tensors: row-major N⁴ in the order of their subscripts (docs/theory/ensembles.md §5)',
    layers: r.layers.map((l) => {
      const o: Record<string, unknown> = { layer: l.layer, n: l.n, width: l.width, neurons: l.neurons };
      for (const k of ['G', 'Gdirect', 'Graw', 'H', 'Hdirect'] as const) if (l[k]) o[k] = { value: rows(l[k]!.value), stderr: rows(l[k]!.stderr) };
      for (const k of MULTI_TENSORS) {
        const t = l[k];
        if (t) o[k] = { symmetry: t.value.symmetry, shape: [N, N, N, N], value: Array.from(t.value.toArray()), stderr: Array.from(t.stderr.toArray()) };
      }
      return o;
    }),
  };
}

/** The table of a multi-input ensemble: G and H per layer (the 4-index tensors: --json or --out). */
export function ensembleMultiTable(r: EnsembleMultiResult): string {
  const N = r.inputs;
  const lines = [`${r.samples} networks on N = ${N} inputs, seed ${r.seed}, backend ${r.backend}; each cell: mean ± stderr`];
  for (const l of r.layers) {
    lines.push(`layer ${l.layer} (n = n_{ℓ−1} = ${l.n})`);
    for (const k of ['G', 'H'] as const) {
      const m = l[k];
      if (!m) continue;
      for (let a = 0; a < N; a++) {
        const cells = Array.from({ length: N }, (_, b) => `${fmt(m.value[a * N + b], 12)} ±${fmt(m.stderr[a * N + b], 10)}`);
        lines.push(`${a === 0 ? k.padEnd(6) : ''.padEnd(6)}${cells.join('')}`);
      }
    }
  }
  const present = MULTI_TENSORS.filter((k) => r.layers[r.layers.length - 1][k]);
  if (present.length) lines.push(`\n${present.join(', ')} with sample indices: --json or --out FILE`);
  return lines.join('\n');
}

/**
 * Fails before a long run if `path` cannot be written (missing folder, no permission), instead of
 * after it. Nothing is created.
 */
export async function checkWritable(path: string | undefined, option = '--out'): Promise<void> {
  if (path === undefined) return;
  if (typeof path !== 'string' || path === '') throw new InvalidParameterError(option, path, 'a file path');
  try {
    await access(dirname(resolve(path)), fsConstants.W_OK);
    await access(path, fsConstants.W_OK).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  } catch {
    throw new InvalidParameterError(option, path, 'a path in an existing, writable folder');
  }
}

/** A progress bar on stderr when it is a terminal; silent otherwise. */
export function progressBar(io: { err: (s: string) => void; isTTY: boolean }): ((p: { done: number; total: number }) => void) | undefined {
  if (!io.isTTY) return undefined;
  const start = Date.now();
  let last = 0;
  return ({ done, total }) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const frac = done / total;
    const w = 30;
    const bar = '█'.repeat(Math.round(frac * w)).padEnd(w, '·');
    const rate = done / Math.max(1e-3, (now - start) / 1000);
    process.stderr.write(`\r${bar} ${done}/${total} networks  ${rate.toFixed(0)}/s ${done === total ? '\n' : ''}`);
  };
}

/** Formats numbers for the readable tables. */
export function fmt(v: number | undefined, width = 12): string {
  if (v === undefined) return ''.padStart(width);
  if (!Number.isFinite(v)) return String(v).padStart(width);
  const a = Math.abs(v);
  const s = a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(4) : v.toPrecision(6);
  return s.padStart(width);
}

/** JSON has no Infinity: write ±Infinity as strings so overflowed layers stay visible. */
export function jsonNumber(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

export function compareTable(c: CompareResult | CompareMultiResult): string {
  if ('missing' in c) return compareMultiTable(c);
  const lines = ['layer  qty        theory   extrapolated     ± stderr        z  fit        per-width n·E[…] (n: value ± err)'];
  for (const r of c.rows) {
    const pts = r.points.map((p) => `${p.n}: ${fmt(p.value, 0)}±${fmt(p.stderr, 0)}`).join('  ');
    const z = Number.isFinite(r.z) ? r.z.toFixed(2) : String(r.z);
    lines.push(`${String(r.layer).padStart(5)}  ${r.quantity.padEnd(5)}${fmt(r.theory)}${fmt(r.extrapolated, 15)} ±${fmt(r.stderr, 11)} ${z.padStart(8)}  ${(r.fit ?? '').padEnd(10)} ${pts}`);
  }
  lines.push(`max |z| = ${c.maxAbsZ.toFixed(2)} over ${c.rows.length} comparisons`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** compare() with sample indices: one line per component (the orbit's first index). */
export function compareMultiTable(c: CompareMultiResult): string {
  const lines = ['layer  qty  index          theory   extrapolated     ± stderr        z  fit'];
  for (const r of c.rows) {
    const z = Number.isFinite(r.z) ? r.z.toFixed(2) : String(r.z);
    lines.push(`${String(r.layer).padStart(5)}  ${r.quantity.padEnd(4)} ${r.index.join(',').padEnd(8)}${fmt(r.theory)}${fmt(r.extrapolated, 15)} ±${fmt(r.stderr, 11)} ${z.padStart(8)}  ${r.fit ?? ''}`);
  }
  lines.push(`max |z| = ${c.maxAbsZ.toFixed(2)} over ${c.rows.length} comparisons`);
  for (const m of c.missing) lines.push(`not compared: ${m}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** The depth-to-width diagnostics printed next to `wideflow theory` output (PDLT §5.4, §9.3). */
export function depthToWidthLines(d: DepthToWidthResult): string[] {
  const m = d.max;
  const label = { V: 'V/(nK²)', A: 'A/(nΘ²)', B: 'B/(nΘ²)' }[m.quantity];
  return [
    `depth-to-width: r = Σ 1/n = ${d.ratio.toPrecision(4)}; largest relative 1/n correction ${label} = ${m.value.toPrecision(4)} at layer ${m.layer} (${d.level})`,
  ];
}

/**
 * CSV data files of the training commands (`wideflow train`, `wideflow predict`): one input per line,
 * comma-separated numbers; blank lines and lines starting with '#' are skipped, and a first line
 * with a non-numeric field is a header. A training file holds n₀ input columns followed by the
 * label columns; a test file holds the n₀ input columns (label columns after them are ignored).
 */
import { readFileSync } from 'node:fs';
import { InvalidParameterError } from '../api/errors.js';

/** Rows of numbers from a CSV file (all rows the same length); errors name file:line. */
export function readCsv(file: string, option: string): { rows: number[][]; cols: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidParameterError(option, file, `a readable file (${(e as Error).message})`);
  }
  const rows: number[][] = [];
  let cols = -1;
  let first = true;
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.trim();
    if (s === '' || s.startsWith('#')) return;
    const fields = s.split(',').map((f) => f.trim());
    const nums = fields.map(Number);
    const numeric = fields.every((f, j) => f !== '' && Number.isFinite(nums[j]));
    if (first && !numeric && fields.some((f) => f !== '' && Number.isNaN(Number(f)) && !/^[+-]?(nan|inf)/i.test(f))) {
      first = false; // a header
      return;
    }
    first = false;
    if (!numeric) {
      const j = fields.findIndex((f, jj) => f === '' || !Number.isFinite(nums[jj]));
      throw new InvalidParameterError(`${file}:${i + 1} column ${j + 1}`, fields[j], 'a finite number');
    }
    if (cols >= 0 && fields.length !== cols) throw new InvalidParameterError(`${file}:${i + 1}`, `${fields.length} columns`, `${cols} columns (as the first row)`);
    cols = fields.length;
    rows.push(nums);
  });
  if (rows.length === 0) throw new InvalidParameterError(option, file, 'a CSV file with at least one row of numbers');
  return { rows, cols };
}

/**
 * N inputs from a file: JSON (an array of equal-length number arrays) when the text starts with '[',
 * otherwise CSV as {@link readCsv} (one input per row). Row lengths and finiteness are checked by the API.
 */
export function readInputs(file: string, option = '--inputs'): number[][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidParameterError(option, file, `a readable JSON or CSV file (${(e as Error).message})`);
  }
  if (!/^\s*\[/.test(text)) return readCsv(file, option).rows;
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    throw new InvalidParameterError(option, file, 'valid JSON: an array of number arrays');
  }
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r))) {
    throw new InvalidParameterError(option, file, 'a non-empty list of inputs (rows of numbers)');
  }
  return rows as number[][];
}

/** Splits a training file into inputs and labels, and a test file into inputs (dropping label columns). */
export function trainTestFromCsv(trainFile: string, testFile: string | undefined, outputs: number, note: (s: string) => void) {
  if (!Number.isInteger(outputs) || outputs < 1) throw new InvalidParameterError('--outputs', outputs, 'an integer ≥ 1');
  const train = readCsv(trainFile, '--train');
  const n0 = train.cols - outputs;
  if (n0 < 1) throw new InvalidParameterError('--outputs', outputs, `less than the ${train.cols} columns of ${trainFile} (n₀ input columns come first)`);
  let test: number[][] | undefined;
  if (testFile !== undefined) {
    const t = readCsv(testFile, '--test');
    if (t.cols === n0 + outputs) {
      note(`note: ${testFile} has ${t.cols} columns; the last ${outputs} (labels) are ignored`);
      test = t.rows.map((r) => r.slice(0, n0));
    } else if (t.cols === n0) test = t.rows;
    else throw new InvalidParameterError('--test', `${t.cols} columns`, `n₀ = ${n0} columns (the inputs of ${trainFile}), or n₀ + ${outputs} with labels`);
  }
  return { X: train.rows.map((r) => r.slice(0, n0)), y: train.rows.map((r) => r.slice(n0)), test, n0 };
}

/**
 * The book's symbols (PDLT) for axis labels, legends and captions, and the quantities a flow plot can
 * show: the raw statistics of `theory()` and their dimensionless forms (`normalized()`).
 */
import type { TheoryLayer } from '../index.js';

/** Raw per-layer statistics of `theory()` that a flow plot can show. */
export type RawQuantity = Exclude<keyof TheoryLayer, 'layer' | 'n'>;
/** Normalized forms of `normalized()`, e.g. `'V/(nK²)'` is written `'norm.V'`. */
export type NormalizedQuantity = `norm.${'G1' | 'H1' | 'V' | 'A' | 'B' | 'D' | 'F' | 'P' | 'Q' | 'R' | 'S' | 'T' | 'U'}`;
export type FlowQuantity = RawQuantity | NormalizedQuantity;

/** Book symbol of each statistic (G1 = K^{{1}} and H1 = Θ^{{1}} are written G¹, H¹ as in the README). */
export const SYMBOLS: Record<RawQuantity, string> = {
  K: 'K',
  Theta: 'Θ',
  G1: 'G¹',
  H1: 'H¹',
  V: 'V',
  A: 'A',
  B: 'B',
  D: 'D',
  F: 'F',
  P: 'P',
  Q: 'Q',
  R: 'R',
  S: 'S',
  T: 'T',
  U: 'U',
  chiParallel: 'χ∥',
  chiPerp: 'χ⊥',
};

/** The dimensionless forms of `normalized()` (n = n_{ℓ−1}). */
export const NORMALIZED_LABELS: Record<NormalizedQuantity, string> = {
  'norm.G1': 'G¹/(nK)',
  'norm.H1': 'H¹/(nΘ)',
  'norm.V': 'V/(nK²)',
  'norm.A': 'A/(nΘ²)',
  'norm.B': 'B/(nΘ²)',
  'norm.D': 'D/(nKΘ)',
  'norm.F': 'F/(nKΘ)',
  'norm.P': 'P/(nΘ²)',
  'norm.Q': 'Q/(nΘ²)',
  'norm.R': 'R·K/(nΘ³)',
  'norm.S': 'S·K/(nΘ³)',
  'norm.T': 'T·K/(nΘ³)',
  'norm.U': 'U·K/(nΘ³)',
};

/** What each quantity is, for captions. */
const MEANING: Partial<Record<RawQuantity, string>> = {
  K: 'kernel',
  Theta: 'NTK mean',
  G1: 'kernel 1/n correction',
  H1: 'NTK 1/n correction',
  V: 'four-point vertex',
  A: 'NTK variance (A)',
  B: 'NTK variance (B)',
  D: 'NTK–z² cross (D)',
  F: 'NTK–z² cross (F)',
  P: 'dNTK (P)',
  Q: 'dNTK (Q)',
  R: 'ddNTK (R)',
  S: 'ddNTK (S)',
  T: 'ddNTK (T)',
  U: 'ddNTK (U)',
  chiParallel: 'parallel susceptibility',
  chiPerp: 'perpendicular susceptibility',
};

export function isNormalized(q: string): q is NormalizedQuantity {
  return q.startsWith('norm.');
}

/** Symbol of a quantity with the layer superscript: K⁽ℓ⁾, V/(nK²)… */
export function label(q: FlowQuantity): string {
  return isNormalized(q) ? NORMALIZED_LABELS[q] : SYMBOLS[q];
}

/** A caption such as "K — kernel" or "V/(nK²) — four-point vertex". */
export function caption(q: FlowQuantity): string {
  const base = isNormalized(q) ? (q.slice(5) as RawQuantity) : q;
  const m = MEANING[base];
  return m ? `${label(q)} — ${m}` : label(q);
}

/** Every quantity name accepted by `flowsPlot`. */
export const FLOW_QUANTITIES: readonly FlowQuantity[] = [
  ...(Object.keys(SYMBOLS) as RawQuantity[]),
  ...(Object.keys(NORMALIZED_LABELS) as NormalizedQuantity[]),
];

/**
 * Reads and writes boundary buffers by field name, driven by the generated layouts of
 * `bindings/layout.ts` (from `schema/layout.json`). No offset is written by hand anywhere else: a
 * config is `pack(ensembleConfig, { depth, widths, hyper: [...], ... })`, a result record is
 * `unpack(theoryLayer, raw, {}, offset)`.
 *
 * Validation of user input belongs to the API layer (typed InvalidParameterError); the checks here
 * only catch a caller that disagrees with the schema (wrong vector length, missing field), which is
 * a programming error, hence a RangeError.
 */
import type { Dim } from './layout.js';

/** A layout as generated: offsets, counts, sub-records and the dims some fields define. */
export interface Layout {
  readonly name: string;
  readonly at: { readonly [field: string]: number | ((d: never) => number) };
  readonly count: { readonly [field: string]: number | ((d: never) => number) };
  readonly of: { readonly [field: string]: Layout };
  readonly defines: { readonly [field: string]: Dim | { readonly [D in Dim]?: number } };
  readonly len: number | ((d: never) => number);
}

/** The dimensions of one buffer (only those its layout uses need be given). */
export type Dims = { [D in Dim]?: number };

type FieldValue<Lay extends Layout, K extends keyof Lay['at']> = K extends keyof Lay['of']
  ? Lay['count'][K] extends 1
    ? Values<Lay['of'][K]>
    : Values<Lay['of'][K]>[]
  : Lay['count'][K] extends 1
    ? number
    : ArrayLike<number>;

/** The values of a buffer by field: a number, a vector, a record or an array of records. */
export type Values<Lay extends Layout> = { -readonly [K in keyof Lay['at']]: FieldValue<Lay, K> };

/** Unpacked values: vectors come back as Float64Array views (no copy). */
export type Unpacked<Lay extends Layout> = {
  -readonly [K in keyof Lay['at']]: K extends keyof Lay['of']
    ? Lay['count'][K] extends 1
      ? Unpacked<Lay['of'][K]>
      : Unpacked<Lay['of'][K]>[]
    : Lay['count'][K] extends 1
      ? number
      : Float64Array;
};

const val = (v: number | ((d: never) => number), d: Dims): number => (typeof v === 'number' ? v : (v as (d: Dims) => number)(d));

/** Offset of `field` in a buffer of `layout` with dimensions `d`. */
export function offsetOf<Lay extends Layout>(layout: Lay, field: keyof Lay['at'] & string, d: Dims = {}): number {
  return val(layout.at[field], d);
}

/** Length (f64 values) of a buffer of `layout` with dimensions `d`. */
export function lengthOf(layout: Layout, d: Dims = {}): number {
  return val(layout.len, d);
}

/** The dims a set of values defines (through the layout's `defines`), merged over `given`. */
export function dimsOf<Lay extends Layout>(layout: Lay, values: Partial<Values<Lay>>, given: Dims = {}): Dims {
  const d: Dims = { ...given };
  for (const [field, def] of Object.entries(layout.defines)) {
    const v = (values as Record<string, unknown>)[field];
    if (typeof def === 'string') d[def] = v as number;
    else for (const [dim, i] of Object.entries(def) as [Dim, number][]) d[dim] = (v as ArrayLike<number>)[i];
  }
  return d;
}

// Each layout is compiled once into a list of steps (its fields in order, numbers where the offset or
// count is constant): packing a 1000-layer config must cost no more than writing it by hand.
type Fn = (d: Dims) => number;
interface Step {
  name: string;
  at: number | Fn;
  count: number | Fn;
  sub: Compiled | null;
}
interface Compiled {
  layout: Layout;
  steps: Step[];
  /** Every step a scalar at a constant offset (e.g. `hyper`): records are written field by field. */
  flat: boolean;
}
const compiled = new WeakMap<Layout, Compiled>();
function compile(layout: Layout): Compiled {
  let c = compiled.get(layout);
  if (!c) {
    const steps = Object.keys(layout.at).map((name) => ({
      name,
      at: layout.at[name] as number | Fn,
      count: layout.count[name] as number | Fn,
      sub: layout.of[name] ? compile(layout.of[name]) : null,
    }));
    c = { layout, steps, flat: steps.every((s) => typeof s.at === 'number' && s.count === 1 && !s.sub) };
    compiled.set(layout, c);
  }
  return c;
}

function write(c: Compiled, values: Record<string, unknown>, d: Dims, out: Float64Array, base: number): void {
  if (c.flat) {
    for (const s of c.steps) {
      const v = values[s.name];
      if (typeof v !== 'number') throw new RangeError(`pack(${c.layout.name}): field ${s.name} is missing`);
      out[base + (s.at as number)] = v;
    }
    return;
  }
  for (const s of c.steps) {
    const v = values[s.name];
    const at = base + val(s.at, d);
    const n = val(s.count, d);
    if (v === undefined) throw new RangeError(`pack(${c.layout.name}): field ${s.name} is missing`);
    if (s.sub) {
      const stride = val(s.sub.layout.len, d);
      if (s.count === 1) write(s.sub, v as Record<string, unknown>, d, out, at);
      else {
        const recs = v as ArrayLike<Record<string, unknown>>;
        if (recs.length !== n) throw new RangeError(`pack(${c.layout.name}): ${s.name} has ${recs.length} records, the layout ${n}`);
        for (let i = 0; i < n; i++) write(s.sub, recs[i], d, out, at + i * stride);
      }
    } else if (s.count === 1) {
      out[at] = v as number;
    } else {
      const vec = v as ArrayLike<number>;
      if (vec.length !== n) throw new RangeError(`pack(${c.layout.name}): ${s.name} has ${vec.length} values, the layout ${n}`);
      for (let i = 0; i < n; i++) out[at + i] = vec[i];
    }
  }
}

/**
 * Packs `values` into a new Float64Array laid out as `layout` (or into `out` at `offset`). Dims come
 * from the fields that define them, then from `dims`.
 */
export function pack<Lay extends Layout>(layout: Lay, values: Values<Lay>, dims: Dims = {}, out?: Float64Array, offset = 0): Float64Array {
  const d = dimsOf(layout, values, dims);
  const buf = out ?? new Float64Array(lengthOf(layout, d));
  if (buf.length < offset + lengthOf(layout, d)) throw new RangeError(`pack(${layout.name}): buffer of ${buf.length} values is too short`);
  write(compile(layout), values as Record<string, unknown>, d, buf, offset);
  return buf;
}

function read(layout: Layout, buf: Float64Array, d: Dims, base: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const field of Object.keys(layout.at)) {
    const at = base + val(layout.at[field], d);
    const n = val(layout.count[field], d);
    const sub = layout.of[field];
    if (sub) {
      const stride = val(sub.len, d);
      o[field] = layout.count[field] === 1 ? read(sub, buf, d, at) : Array.from({ length: n }, (_, i) => read(sub, buf, d, at + i * stride));
    } else {
      o[field] = layout.count[field] === 1 ? buf[at] : buf.subarray(at, at + n);
    }
    // a field that defines a dim makes the rest of the buffer readable without being told it
    const def = layout.defines[field];
    if (typeof def === 'string') d[def] = o[field] as number;
    else if (def) for (const [dim, i] of Object.entries(def) as [Dim, number][]) d[dim] = (o[field] as Float64Array)[i];
  }
  return o;
}

/**
 * Reads a buffer of `layout` starting at `offset` into named fields (vectors are subarray views of
 * `buf`, not copies). Dims the buffer does not define itself (e.g. L of an output) go in `dims`.
 */
export function unpack<Lay extends Layout>(layout: Lay, buf: Float64Array, dims: Dims = {}, offset = 0): Unpacked<Lay> {
  return read(layout, buf, { ...dims }, offset) as Unpacked<Lay>;
}

/** The field names of a layout, in buffer order (e.g. the statistic keys of a result record). */
export function keysOf<Lay extends Layout>(layout: Lay): (keyof Lay['at'] & string)[] {
  return Object.keys(layout.at) as (keyof Lay['at'] & string)[];
}

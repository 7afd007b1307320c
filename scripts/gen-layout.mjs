#!/usr/bin/env node
// Generates the two mirrors of schema/layout.json, the one description of every f64 buffer that
// crosses the wasm boundary:
//   crates/core/src/ffi/layout.rs   Rust consts / const fns of the offsets, with the schema's docs
//   bindings/layout.ts              the same offsets for TypeScript (`as const`), read by bindings/pack.ts
// Usage: node scripts/gen-layout.mjs          writes both files
//        node scripts/gen-layout.mjs --check  exits 1 if a committed file differs (test/layout.test.ts does the same)
// Plain Node, no dependencies. Rules for editing the schema: schema/README.md.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA = 'schema/layout.json';
export const OUTPUTS = { rust: 'crates/core/src/ffi/layout.rs', ts: 'bindings/layout.ts' };

// ---- polynomials over the dims: Map<monomial ("" | "L" | "N*N" …), integer coefficient> ----

function parseCount(expr, dims, where) {
  const p = new Map();
  if (expr === undefined) return p.set('', 1), p;
  if (typeof expr === 'number') {
    if (!Number.isInteger(expr) || expr < 0) throw new Error(`${where}: count ${expr} is not an integer ≥ 0`);
    return p.set('', expr), p;
  }
  for (const term of String(expr).replace(/\s+/g, '').split('+')) {
    let coef = 1;
    const vars = [];
    for (const f of term.split('*')) {
      if (/^\d+$/.test(f)) coef *= Number(f);
      else if (dims.includes(f)) vars.push(f);
      else throw new Error(`${where}: '${f}' in count '${expr}' is neither an integer nor a dim (${dims.join(', ')})`);
    }
    vars.sort((a, b) => dims.indexOf(a) - dims.indexOf(b));
    const key = vars.join('*');
    p.set(key, (p.get(key) ?? 0) + coef);
  }
  return p;
}
const add = (a, b) => {
  const p = new Map(a);
  for (const [k, v] of b) p.set(k, (p.get(k) ?? 0) + v);
  return p;
};
// Monomials list their dims in schema order, so equal monomials have equal keys however they arose.
let dimOrder = [];
const mul = (a, b) => {
  const p = new Map();
  for (const [ka, va] of a) for (const [kb, vb] of b) {
    const k = [...ka.split('*'), ...kb.split('*')].filter(Boolean).sort((x, y) => dimOrder.indexOf(x) - dimOrder.indexOf(y)).join('*');
    p.set(k, (p.get(k) ?? 0) + va * vb);
  }
  return p;
};
const isConst = (p) => [...p].every(([k, v]) => k === '' || v === 0);
const constOf = (p) => p.get('') ?? 0;
const dimsOf = (p, dims) => dims.filter((d) => [...p].some(([k, v]) => v !== 0 && k.split('*').includes(d)));
/** Renders a polynomial with `ref(dim)` for each dim: constant first, then by degree. */
function render(p, ref) {
  const terms = [...p].filter(([, v]) => v !== 0).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.split('*').length - b.split('*').length));
  if (terms.length === 0) return '0';
  return terms.map(([k, v]) => (k === '' ? String(v) : [...(v === 1 ? [] : [String(v)]), ...k.split('*').map(ref)].join(' * '))).join(' + ');
}
const showCount = (p) => render(p, (d) => d);

// ---- naming ----
/** lambdaB → LAMBDA_B, chiParallel → CHI_PARALLEL, Qnull → QNULL, hab2 → HAB2, CW → CW */
const upper = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const snake = (s) => upper(s).toLowerCase();
const rustDim = (d) => d.toLowerCase();

// ---- the resolved model ----

/** Resolves every layout: fields with offset/count polynomials, in an order where records precede their users. */
export function resolve(schema) {
  const dims = Object.keys(schema.dims);
  dimOrder = dims;
  const layouts = new Map();
  const resolving = new Set();
  const get = (name, from) => {
    if (layouts.has(name)) return layouts.get(name);
    const spec = schema.layouts[name];
    if (!spec) throw new Error(`${from}: unknown layout '${name}'`);
    if (resolving.has(name)) throw new Error(`layout '${name}' contains itself`);
    resolving.add(name);
    let at = new Map();
    const fields = [];
    const seen = new Set();
    for (const f of spec.fields) {
      const where = `layouts.${name}.${f.name}`;
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(f.name)) throw new Error(`${where}: a field name is a plain identifier`);
      if (seen.has(f.name)) throw new Error(`${where}: duplicate field`);
      seen.add(f.name);
      const count = parseCount(f.count, dims, where);
      const sub = f.of ? get(f.of, where) : null;
      const size = sub ? mul(count, sub.len) : count;
      fields.push({ name: f.name, doc: f.doc ?? '', at, count, of: f.of ?? null, defines: f.defines ?? null, scalar: f.count === undefined && !sub });
      at = add(at, size);
    }
    const out = { name, doc: spec.doc ?? '', fields, len: at };
    resolving.delete(name);
    layouts.set(name, out);
    return out;
  };
  for (const name of Object.keys(schema.layouts)) get(name, 'layouts');
  return { dims, layouts: [...layouts.values()] };
}

const header = (c) => `${c} GENERATED by scripts/gen-layout.mjs from schema/layout.json: do not edit. Change the schema and run
${c} \`node scripts/gen-layout.mjs\` (test/layout.test.ts fails while this file is stale; rules: schema/README.md).`;

// ---- Rust ----

function rustConst(name, p, dims, doc, ind) {
  const lines = doc.map((d) => `${ind}/// ${d}`);
  if (isConst(p)) lines.push(`${ind}pub const ${upper(name)}: usize = ${constOf(p)};`);
  else {
    const args = dimsOf(p, dims).map((d) => `${rustDim(d)}: usize`).join(', ');
    lines.push(`${ind}pub const fn ${snake(name)}(${args}) -> usize {`, `${ind}    ${render(p, rustDim)}`, `${ind}}`);
  }
  return lines.join('\n');
}

export function generateRust(schema) {
  const { dims, layouts } = resolve(schema);
  const out = [header('//!'), '//!',
    '//! Offsets of every f64 buffer crossing the boundary, in f64 elements from the start of the buffer. An',
    `//! offset or length that depends on the dimensions (${dims.map((d) => `${rustDim(d)} = ${schema.dims[d]}`).join('; ')})`,
    '//! is a `const fn` of them; a field repeated as records starts at the given offset, record i at',
    '//! offset + i·<record>::LEN.', '#![allow(dead_code)]', ''];
  for (const [name, l] of Object.entries(schema.limits ?? {})) out.push(`/// ${l.doc}`, `pub const ${name}: usize = ${l.value};`, '');
  for (const l of layouts) {
    out.push(`/// ${l.doc}`, `pub mod ${snake(l.name)} {`);
    for (const f of l.fields) {
      const what = f.of ? `${showCount(f.count) === '1' ? 'one record' : `${showCount(f.count)} records`} of [\`super::${snake(f.of)}\`]` : f.scalar ? '1 value' : `${showCount(f.count)} values`;
      const def = f.defines ? (typeof f.defines === 'string' ? `; defines ${f.defines}` : `; ${Object.entries(f.defines).map(([d, i]) => `element ${i} defines ${d}`).join(', ')}`) : '';
      out.push(rustConst(f.name, f.at, dims, [`\`${f.name}\` (${what}${def}): ${f.doc}`], '    '));
    }
    out.push(rustConst('len', l.len, dims, ['Length of the whole buffer (f64 values).'], '    '), '}', '');
  }
  for (const [name, fl] of Object.entries(schema.flags ?? {})) {
    out.push(`/// ${fl.doc}`, `pub mod ${snake(name)} {`);
    for (const [b, v] of Object.entries(fl.bits)) out.push(`    /// ${v.doc}`, `    pub const ${upper(b)}: u32 = ${v.value};`);
    out.push('}', '');
  }
  if (schema.status) {
    out.push(`/// ${schema.status.doc}`, 'pub mod status {');
    for (const [c, v] of Object.entries(schema.status.codes)) out.push(`    /// ${v.doc}`, `    pub const ${upper(c)}: i32 = ${v.value};`);
    out.push('}', '');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

// ---- TypeScript ----

const q = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
function tsValue(p, dims) {
  if (isConst(p)) return String(constOf(p));
  const used = dimsOf(p, dims);
  return `(d: { ${used.map((x) => `${x}: number`).join('; ')} }) => ${render(p, (x) => `d.${x}`)}`;
}

export function generateTs(schema) {
  const { dims, layouts } = resolve(schema);
  const out = [header('//'), '//',
    '// Offsets of every f64 buffer crossing the boundary. Each layout lists its fields in buffer order:',
    '//   at[field]     offset (a number, or a function of the dims it depends on)',
    '//   count[field]  values (1 for a scalar; records for a field with `of`)',
    '//   of[field]     the record layout of a repeated field',
    '//   defines       which field (element) gives each dim, so a packed buffer describes itself',
    '// Read and write buffers by field name with bindings/pack.ts; never by a literal offset.', '',
    `/** The dimensions a layout may depend on: ${dims.map((d) => `${d} = ${schema.dims[d]}`).join('; ')}. */`,
    `export type Dim = ${dims.map(q).join(' | ')};`, ''];
  for (const [name, l] of Object.entries(schema.limits ?? {})) out.push(`/** ${l.doc} */`, `export const ${name} = ${l.value};`, '');
  for (const l of layouts) {
    out.push(`/** ${l.doc} */`, `export const ${l.name} = {`, `  name: ${q(l.name)},`, '  at: {');
    for (const f of l.fields) out.push(`    /** ${f.doc} */`, `    ${f.name}: ${tsValue(f.at, dims)},`);
    out.push('  },', '  count: {');
    for (const f of l.fields) out.push(`    ${f.name}: ${tsValue(f.count, dims)},`);
    const ofs = l.fields.filter((f) => f.of).map((f) => `${f.name}: ${f.of}`);
    out.push('  },', `  of: {${ofs.length ? ` ${ofs.join(', ')} ` : ''}},`);
    const defs = l.fields.filter((f) => f.defines).map((f) => `${f.name}: ${typeof f.defines === 'string' ? q(f.defines) : `{ ${Object.entries(f.defines).map(([d, i]) => `${d}: ${i}`).join(', ')} }`}`);
    out.push(`  defines: {${defs.length ? ` ${defs.join(', ')} ` : ''}},`);
    out.push(`  /** Length of the whole buffer (f64 values). */`, `  len: ${tsValue(l.len, dims)},`, '} as const;', '');
  }
  for (const [name, fl] of Object.entries(schema.flags ?? {})) {
    out.push(`/** ${fl.doc} */`, `export const ${name} = {`);
    for (const [b, v] of Object.entries(fl.bits)) out.push(`  /** ${v.doc} */`, `  ${b}: ${v.value},`);
    out.push('} as const;', '');
  }
  if (schema.status) {
    out.push(`/** ${schema.status.doc} */`, 'export const status = {');
    for (const [c, v] of Object.entries(schema.status.codes)) out.push(`  /** ${v.doc} */`, `  ${c}: ${v.value},`);
    out.push('} as const;', '', '/** What each status code means. */', 'export const statusText: Readonly<Record<number, string>> = {');
    for (const v of Object.values(schema.status.codes)) out.push(`  [${v.value}]: ${q(v.doc)},`);
    out.push('};', '');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

/** Both generated files, as { path: text }, from the schema on disk (or the one given). */
export function generate(schema = JSON.parse(readFileSync(join(root, SCHEMA), 'utf8'))) {
  return { [OUTPUTS.rust]: generateRust(schema), [OUTPUTS.ts]: generateTs(schema) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of Object.entries(generate())) {
    const file = join(root, path);
    let old = null;
    try { old = readFileSync(file, 'utf8'); } catch { /* new file */ }
    if (old === text) continue;
    if (check) { console.error(`gen-layout: ${path} is stale`); stale++; continue; }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.error(`gen-layout: wrote ${path}`);
  }
  process.exit(stale ? 1 : 0);
}

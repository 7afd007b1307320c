import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The CLI as users run it: the built bin (npm test builds first).
const cli = fileURLToPath(new URL('../dist/ts/cli.js', import.meta.url));
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const net = ['--activation', 'tanh', '--depth', '3', '--cb', '0.1', '--cw', '1.5', '--lambda-b', '0.5', '--lambda-w', '1.5', '--x2', '1'];

describe('wideflow theory', () => {
  test('--json prints every quantity per layer with the documented keys', () => {
    const r = run('theory', ...net, '--width', '64', '--input-width', '8', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.layers).toHaveLength(3);
    for (const k of ['layer', 'K', 'Theta', 'G1', 'H1', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U', 'chiParallel', 'chiPerp']) {
      expect(typeof j.layers[2][k], k).toBe('number');
    }
    expect(j.layers[0].layer).toBe(1);
  });

  test('--widths, per-layer lists and --x give the same as the equivalent spec', () => {
    const a = JSON.parse(run('theory', ...net, '--widths', '4,32,32', '--json').out);
    const b = JSON.parse(run('theory', ...net.slice(0, 4), '--cb', '0.1,0.1,0.1', '--cw', '1.5', '--lambda-b', '0.5', '--lambda-w', '1.5', '--x', '1,-1,1,-1', '--widths', '4,32,32', '--json').out);
    expect(b.layers[2].V).toBeCloseTo(a.layers[2].V, 12);
  });

  test('a readable table without --json, normalized forms with --normalized', () => {
    const r = run('theory', ...net, '--width', '16', '--input-width', '4', '--normalized');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/layer.*K.*Theta/);
    expect(r.out).toMatch(/normalized/);
  });

  test('bad input: message on stderr naming the parameter, non-zero exit, nothing on stdout', () => {
    const r = run('theory', ...net, '--width', '16', '--input-width', '4', '--cw', '-1');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/CW must be/);
    expect(r.out).toBe('');
    expect(run('theory', '--activation', 'nope', '--depth', '2', '--width', '4', '--input-width', '2').err).toMatch(/activation/);
    expect(run('theory', ...net, '--wdith', '4').err).toMatch(/unknown option --wdith/);
    expect(run('frobnicate').code).toBe(2);
  });
});

describe('wideflow theory --inputs (N inputs, sample indices)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wf-cli-multi-'));
  const X = [[1, 0.5, 0], [0.2, 1, 0.3], [0, -1, 1]];
  const json = join(dir, 'x.json');
  const csv = join(dir, 'x.csv');
  writeFileSync(json, JSON.stringify(X));
  writeFileSync(csv, 'a,b,c\n' + X.map((r) => r.join(',')).join('\n') + '\n');
  const relu = ['--activation', 'relu', '--depth', '3', '--width', '32', '--cw', '2', '--cb', '0.1'];

  test('JSON and CSV inputs give the same tensors; --out writes what --json prints; shapes and symmetries as documented', async () => {
    const a = run('theory', ...relu, '--inputs', json, '--json');
    expect(a.code, a.err).toBe(0);
    const j = JSON.parse(a.out);
    const out = join(dir, 'r.json');
    const b = run('theory', ...relu, '--inputs', csv, '--out', out);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/layer 3 \(n = n_\{ℓ−1\} = 32\)/);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(j);
    expect(j.inputs).toBe(3);
    expect(j.layers).toHaveLength(3);
    const l3 = j.layers[2];
    expect(l3.K).toHaveLength(3);
    expect(l3.V.shape).toEqual([3, 3, 3, 3]);
    const V = (a: number, b: number, c: number, d: number) => l3.V.values[((a * 3 + b) * 3 + c) * 3 + d];
    expect(V(0, 1, 2, 0)).toBe(V(2, 0, 1, 0)); // (δ1δ2) ↔ (δ3δ4) and within-pair swaps
    // the API on the same inputs, and the single-input theory on the diagonal
    const { theory, init } = await import('../dist/ts/node.js');
    await init();
    const r = theory({ activation: 'relu', depth: 3, width: 32, inputWidth: 3, CW: 2, Cb: 0.1, lambdaB: 1, lambdaW: 1, input: { X } });
    expect(l3.B.values).toEqual(Array.from(r.layers[2].B.toArray()));
    const one = theory({ activation: 'relu', depth: 3, width: 32, inputWidth: 3, CW: 2, Cb: 0.1, lambdaB: 1, lambdaW: 1, input: { x: X[1] } });
    expect(l3.K[1][1]).toBeCloseTo(one.layers[2].K, 13);
    expect(V(1, 1, 1, 1)).toBeCloseTo(one.layers[2].V, 11);
  });

  test('wideflow kernels --workers 2 prints the same bits as one thread; --workers 0 is refused', () => {
    const a = run('kernels', '--activation', 'tanh', '--depth', '3', '--inputs', json, '--json', '--workers', '2');
    expect(a.code, a.err).toBe(0);
    expect(a.out).toBe(run('kernels', '--activation', 'tanh', '--depth', '3', '--inputs', json, '--json').out);
    expect(run('kernels', '--activation', 'tanh', '--depth', '3', '--inputs', json, '--workers', '0').err).toMatch(/workers must be an integer in 1 … 256/);
  });

  test('bad input: single-input options, a ragged file, a wrong --input-width', () => {
    expect(run('theory', ...relu, '--inputs', json, '--x2', '1').err).toMatch(/--x2 must be used without --inputs/);
    const ragged = join(dir, 'ragged.json');
    writeFileSync(ragged, '[[1,2,3],[1,2]]');
    expect(run('theory', ...relu, '--inputs', ragged).err).toMatch(/input\.X\[1\] must be an array of n₀ = 3/);
    expect(run('theory', ...relu, '--inputs', json, '--input-width', '4').err).toMatch(/input\.X\[0\]/);
    expect(run('theory', ...relu, '--inputs', join(dir, 'missing.json')).err).toMatch(/--inputs must be a readable/);
    expect(run('theory', ...relu, '--x2', '1', '--out', join(dir, 'o.json')).err).toMatch(/--out/);
  });
});

describe('wideflow ensemble / compare --inputs (N inputs, sample indices)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wf-cli-ens-multi-'));
  const X = [[1, 0.2, -0.4], [0.9, 0.45, -0.3], [-0.2, 0.9, 0.5]];
  const json = join(dir, 'x.json');
  const csv = join(dir, 'x.csv');
  writeFileSync(json, JSON.stringify(X));
  writeFileSync(csv, '# three inputs\n' + X.map((r) => r.join(',')).join('\n') + '\n');
  const tanh = ['--activation', 'tanh', '--depth', '3', '--cb', '0.1', '--cw', '1.5', '--lambda-b', '0.5', '--lambda-w', '1.2'];
  const sampling = ['--samples', '1500', '--seed', '5', '--order', 'ntk', '--neurons', '4'];

  test('--out files (JSON or CSV inputs) hold what --json prints and what the API computes; compare reads them, and equals compare --inputs', async () => {
    const e8 = join(dir, 'e8.json'), e16 = join(dir, 'e16.json');
    const a = run('ensemble', ...tanh, '--width', '8', '--inputs', json, ...sampling, '--out', e8, '--json');
    expect(a.code, a.err).toBe(0);
    const j = JSON.parse(a.out);
    expect(j.inputs).toBe(3);
    expect(j.layers[2].G.value).toHaveLength(3);
    expect(j.layers[2].V.shape).toEqual([3, 3, 3, 3]);
    const file = JSON.parse(readFileSync(e8, 'utf8'));
    expect(file.layers).toEqual(j.layers);
    expect(file.state.format).toBe('wideflow-ensemble-multi/2');
    const b = run('ensemble', ...tanh, '--width', '8', '--inputs', csv, ...sampling, '--json');
    expect(JSON.parse(b.out).layers).toEqual(j.layers);
    const t = run('ensemble', ...tanh, '--width', '8', '--inputs', csv, ...sampling);
    expect(t.out).toMatch(/N = 3 inputs/);
    const { ensemble, init } = await import('../dist/ts/node.js');
    await init();
    const r = await ensemble({ activation: 'tanh', depth: 3, width: 8, inputWidth: 3, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.2, input: { X } }, { samples: 1500, seed: 5, order: 'ntk', neurons: 4 });
    expect(j.layers[2].B.value).toEqual(Array.from(r.layers[2].B!.value.toArray()));
    expect(run('ensemble', ...tanh, '--width', '16', '--inputs', json, ...sampling, '--out', e16).code).toBe(0);
    const c = run('compare', e8, e16, '--json');
    expect(c.code, c.err).toBe(0);
    const cj = JSON.parse(c.out);
    const l3 = cj.rows.filter((row: { layer: number }) => row.layer === 3);
    expect(l3.map((row: { quantity: string }) => row.quantity)).toEqual(expect.arrayContaining(['G1', 'H1', 'V', 'A', 'B', 'D', 'F']));
    expect(l3.find((row: { quantity: string }) => row.quantity === 'B').index).toHaveLength(4);
    // fixed seeds: theory and ensembles agree (4σ) at every component
    expect(cj.maxAbsZ).toBeLessThan(4);
    expect(cj.missing).toContain('P (not measured by the ensembles: their order)');
    // the same sweep run by compare itself (same seed at each width) gives the same comparison
    const d = run('compare', ...tanh, '--hidden-widths', '8,16', '--inputs', json, ...sampling, '--json');
    expect(d.code, d.err).toBe(0);
    expect(JSON.parse(d.out).rows).toEqual(cj.rows);
    const table = run('compare', e8, e16);
    expect(table.out).toMatch(/^ +3 +B +\d,\d,\d,\d /m);
    expect(table.out).toMatch(/not compared: P/);
  });

  test('bad input: single-input options with --inputs, mixed or conflicting files', () => {
    expect(run('ensemble', ...tanh, '--width', '8', '--inputs', json, '--x2', '1', ...sampling).err).toMatch(/--x2 must be used without --inputs/);
    expect(run('compare', ...tanh, '--hidden-widths', '8,16', '--inputs', json, '--x2', '1', ...sampling).err).toMatch(/--x2 must be used without --inputs/);
    const single = join(dir, 's.json');
    expect(run('ensemble', ...tanh, '--width', '8', '--input-width', '3', '--samples', '300', '--out', single).code).toBe(0);
    const m = join(dir, 'm.json');
    expect(run('ensemble', ...tanh, '--width', '8', '--inputs', json, '--samples', '300', '--order', 'z', '--out', m).code).toBe(0);
    expect(run('compare', single, m).err).toMatch(/files must be ensemble files of one kind/);
    expect(run('compare', m, m, '--inputs', json).err).toMatch(/--inputs must be used only when compare runs the ensembles/);
    expect(run('merge', m, single).err).toMatch(/parts\[1\]/);
  });
});

describe('wideflow ensemble / merge', () => {
  const ens = ['ensemble', ...net, '--widths', '4,8,8', '--output-width', '4', '--samples', '300', '--seed', '7'];

  test('--json prints samples and per-layer { mean, stderr }', () => {
    const r = run(...ens, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.samples).toBe(300);
    for (const k of ['G', 'H', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U']) {
      expect(typeof j.layers[2][k].mean, k).toBe('number');
      expect(typeof j.layers[2][k].stderr, k).toBe('number');
    }
  });

  test('shards written with --out and merged equal the unsharded run exactly; workers do not change it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-shards-'));
    const whole = JSON.parse(run(...ens, '--json').out);
    const two = JSON.parse(run(...ens, '--workers', '2', '--json').out);
    expect(two.layers).toEqual(whole.layers);
    for (const i of [1, 2, 3]) expect(run(...ens, '--shard', `${i}/3`, '--out', join(dir, `part-${i}.json`)).code).toBe(0);
    const files = readdirSync(dir).map((f) => join(dir, f));
    const merged = run('merge', ...files, '--json');
    expect(merged.code, merged.err).toBe(0);
    expect(JSON.parse(merged.out).layers).toEqual(whole.layers);
    const missing = run('merge', files[0], files[1]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/missing shards/);
  });
});

describe('wideflow compare / report', () => {
  test('compare runs ensembles at several widths, or reads them from --out files, and prints z-scores', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-compare-'));
    const common = [...net, '--input-width', '4', '--output-width', '4', '--samples', '400', '--seed', '3'];
    const direct = run('compare', ...common, '--hidden-widths', '8,16', '--json');
    expect(direct.code, direct.err).toBe(0);
    const j = JSON.parse(direct.out);
    const row = j.rows.find((r: { layer: number; quantity: string }) => r.layer === 3 && r.quantity === 'B');
    expect(row.points.map((p: { n: number }) => p.n)).toEqual([8, 16]);
    for (const k of ['theory', 'extrapolated', 'stderr', 'z']) expect(typeof row[k], k).toBe('number');
    for (const w of [8, 16]) expect(run('ensemble', ...common, '--width', String(w), '--seed', String(3), '--out', join(dir, `e${w}.json`)).code).toBe(0);
    const files = run('compare', join(dir, 'e8.json'), join(dir, 'e16.json'), '--json');
    expect(files.code, files.err).toBe(0);
    const f = JSON.parse(files.out).rows.find((r: { layer: number; quantity: string }) => r.layer === 3 && r.quantity === 'B');
    expect(f.theory).toBe(row.theory);
  });

  test("--fit auto|linear|quadratic: auto (default) is quadratic with ≥ 4 widths, and the table says which fit each row used", () => {
    const common = [...net, '--depth', '2', '--input-width', '3', '--output-width', '3', '--samples', '300', '--seed', '5', '--order', 'ntk', '--hidden-widths', '6,8,12,16'];
    const rowsOf = (...extra: string[]) => {
      const r = run('compare', ...common, ...extra, '--json');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out).rows.filter((x: { layer: number }) => x.layer === 2) as Array<{ fit: string; extrapolated: number }>;
    };
    const auto = rowsOf();
    expect(auto.length).toBeGreaterThan(0);
    expect(auto.every((x) => x.fit === 'quadratic')).toBe(true);
    expect(rowsOf('--fit', 'auto')).toEqual(auto);
    expect(rowsOf('--fit', 'linear').every((x) => x.fit === 'linear')).toBe(true);
    expect(rowsOf('--fit', 'quadratic').map((x) => x.extrapolated)).toEqual(auto.map((x) => x.extrapolated));
    const table = run('compare', ...common);
    expect(table.out).toMatch(/z  fit/);
    expect(table.out).toMatch(/ quadratic /);
    const bad = run('compare', ...common, '--fit', 'cubic');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/fit must be 'auto', 'linear' or 'quadratic'/);
  });

  test('report (the job of npm start) prints theory next to extrapolated ensembles', () => {
    const r = run('report', '--samples', '300', '--workers', '1', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.theory).toHaveLength(3);
    expect(j.compare.rows.length).toBeGreaterThan(20);
  });
});

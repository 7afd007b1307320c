/**
 * wideflow as a user gets it: `npm pack` the built package, install the tarball into a scratch project
 * (offline: it has no runtime dependencies), import it by name and run its bin. Also checks that the
 * `exports` conditions resolve (node → tsc output, browser → the bundle) and that the repository can
 * import itself by name after a build (package self-reference).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt, root } from './fixtures/browser/built.js';

const run = promisify(execFile);
const built = ['dist/ts/node.js', 'dist/ts/node.d.ts', 'dist/ts/cli.js', 'dist/browser/wideflow.js', 'wasm/wideflow.simd.wasm', 'wasm/wideflow.wasm'];

/**
 * The environment for child npm/node processes. Under `npm test`, npm exports its own context
 * (npm_config_local_prefix=<repo>, npm_package_*, npm_lifecycle_*), which would make a nested
 * `npm install` act on this repository instead of the scratch project.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(config_local_prefix|config_prefix|package_|lifecycle_|command$|config_call$)/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/** Runs an ES module snippet with `node`, in `cwd`, and parses the JSON it prints. */
async function nodeJson(cwd: string, code: string, nodeArgs: string[] = []): Promise<any> {
  const { stdout } = await run(process.execPath, [...nodeArgs, '--input-type=module', '-e', code], { cwd, env: cleanEnv() });
  return JSON.parse(stdout);
}

// Imports wideflow by name, initializes it and computes ⟨relu(z)²⟩ at K = 2 (exactly K/2 = 1).
const probe = `
import * as wf from 'wideflow';
const info = await wf.init();
const { sigma2 } = wf.gaussianExpectations({ activation: 'relu', K: 2 });
console.log(JSON.stringify({ resolved: import.meta.resolve('wideflow'), info, sigma2, hasInit: typeof wf.init }));
`;

// The suite never builds (pretest does, once): a missing output is an error naming the fix.
beforeAll(() => requireBuilt(built));

describe('the repository itself, after a build', () => {
  test("`import * as wf from 'wideflow'` works from the repo root (self-reference) and resolves to the Node entry", async () => {
    const out = await nodeJson(root, probe);
    expect(out.resolved).toMatch(/\/dist\/ts\/node\.js$/);
    expect(out.info).toEqual({ wasm: true, simd: true, defaultBackend: 'wasm' });
    expect(Math.abs(out.sigma2 - 1)).toBeLessThan(1e-12);
  });

  test('the "browser" export condition resolves to the self-contained bundle, which also runs in Node', async () => {
    const out = await nodeJson(root, probe, ['--conditions=browser']);
    expect(out.resolved).toMatch(/\/dist\/browser\/wideflow\.js$/);
    expect(Math.abs(out.sigma2 - 1)).toBeLessThan(1e-12);
  });
});

describe('the packed tarball, installed into a scratch project', () => {
  let dir: string;
  let project: string;
  let files: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wideflow-pack-'));
    // --ignore-scripts: pack what was built, never rebuild here (a prepack script would).
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, env: cleanEnv() });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed.files.map((f) => f.path);
    project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '0.0.0', private: true, type: 'module' }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, packed.filename)], { cwd: project, env: cleanEnv() });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the tarball holds the Node entry, its types, the CLI, the browser bundle and both wasm files, and no sources', () => {
    for (const f of [...built, 'package.json']) expect(files).toContain(f);
    expect(files.filter((f) => /^(ts|test|crates|bindings|scripts)\//.test(f) || f.endsWith('.test.js'))).toEqual([]);
  });

  test("`import * as wf from 'wideflow'` in the scratch project initializes the wasm core and gives ⟨relu(z)²⟩ = 1 at K = 2", async () => {
    const out = await nodeJson(project, probe);
    expect(out.resolved).toMatch(/\/node_modules\/wideflow\/dist\/ts\/node\.js$/);
    expect(out.info).toEqual({ wasm: true, simd: true, defaultBackend: 'wasm' });
    expect(Math.abs(out.sigma2 - 1)).toBeLessThan(1e-12);
  });

  test("`wideflow/plot` works from the tarball with no dependency installed (Plot and linkedom are bundled into it)", async () => {
    expect(files).toEqual(expect.arrayContaining(['dist/plot/node.js', 'dist/plot/browser.js', 'dist/ts/plot/index.d.ts']));
    expect(files.filter((f) => f.startsWith('dist/explorer/'))).toEqual([]);
    const out = await nodeJson(
      project,
      `
import * as wf from 'wideflow';
import { flowsPlot } from 'wideflow/plot';
await wf.init();
const r = wf.theory({ activation: 'tanh', depth: 3, width: 16, inputWidth: 4, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 } });
const svg = flowsPlot(r, { quantities: ['K'] });
console.log(JSON.stringify({ resolved: import.meta.resolve('wideflow/plot'), head: svg.slice(0, 40), dots: (svg.match(/<circle /g) ?? []).length }));
`,
    );
    expect(out.resolved).toMatch(/\/node_modules\/wideflow\/dist\/plot\/node\.js$/);
    expect(out.head).toBe('<svg xmlns="http://www.w3.org/2000/svg" ');
    expect(out.dots).toBe(3);
    // Nothing but wideflow itself was installed.
    expect(readdirSync(join(project, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['wideflow']);
  });

  test('the installed bin: `wideflow gauss --activation relu --K 2 --json` prints σ² = 1', async () => {
    const bin = join(project, 'node_modules', '.bin', 'wideflow');
    const { stdout } = await run(bin, ['gauss', '--activation', 'relu', '--K', '2', '--json'], { cwd: project, env: cleanEnv() });
    const out = JSON.parse(stdout);
    expect(Math.abs(out.sigma2 - 1)).toBeLessThan(1e-12);
  });
});

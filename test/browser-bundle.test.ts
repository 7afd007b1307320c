/**
 * The browser bundle (dist/browser/wideflow.js, built by `npm run build:ts`) is one self-contained ES
 * module: both wasm artifacts are inlined, so it runs wherever ES modules and WebAssembly do — here,
 * in Node, with no file next to it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, expect, test } from 'vitest';

const bundle = fileURLToPath(new URL('../dist/browser/wideflow.js', import.meta.url));

beforeAll(() => {
  // The suite never builds (pretest does, once); say so instead of failing on a missing import.
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first (npm test does it in pretest)`);
});

test('the bundle is self-contained: no import, require, fetch or Node built-in, and both wasm artifacts inlined', () => {
  const src = readFileSync(bundle, 'utf8');
  expect(src).not.toMatch(/^\s*import\s/m);
  expect(src).not.toMatch(/\bimport\s*\(/);
  expect(src).not.toMatch(/\brequire\s*\(/);
  expect(src).not.toMatch(/\bfetch\s*\(/);
  expect(src).not.toMatch(/['"]node:/);
  expect(src).not.toMatch(/\.wasm['"]/);
  // "AGFzbQEAAAA" is base64 of the wasm header (\0asm, version 1): one per inlined artifact.
  expect(src.match(/AGFzbQEAAAA/g)).toHaveLength(2);
});

test('imported in Node, the bundle initializes its inlined SIMD artifact and gives ⟨relu(z)²⟩ = 1 at K = 2', async () => {
  const wf = await import(/* @vite-ignore */ pathToFileURL(bundle).href);
  expect(await wf.init()).toEqual({ wasm: true, simd: true, defaultBackend: 'wasm' });
  const { sigma2 } = wf.gaussianExpectations({ activation: 'relu', K: 2 });
  // ⟨relu(z)²⟩ over z ~ N(0, K) is K/2: half of the Gaussian's second moment.
  expect(Math.abs(sigma2 - 1)).toBeLessThan(1e-12);
});

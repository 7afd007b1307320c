/**
 * The browser bundle (dist/browser/wideflow.js, built by `npm run build:ts`) is one self-contained ES
 * module: both wasm artifacts are inlined, so it runs wherever ES modules and WebAssembly do — here,
 * in Node, with no file next to it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, expect, test } from 'vitest';
import { requireBuilt } from './fixtures/browser/built.js';

const bundle = fileURLToPath(new URL('../dist/browser/wideflow.js', import.meta.url));

beforeAll(() => requireBuilt(['dist/browser/wideflow.js']));

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

test('the bundle also carries a working scalar artifact: init({ simd: false }) gives the same ⟨relu(z)²⟩', async () => {
  // A query string makes a second, uninitialized module instance (init() is once per instance).
  const wf = await import(/* @vite-ignore */ `${pathToFileURL(bundle).href}?scalar`);
  expect(await wf.init({ simd: false })).toEqual({ wasm: true, simd: false, defaultBackend: 'wasm' });
  const { sigma2 } = wf.gaussianExpectations({ activation: 'relu', K: 2 });
  expect(Math.abs(sigma2 - 1)).toBeLessThan(1e-12);
});

/**
 * Backend selection and the idempotent async `init()`.
 *
 * Two backends compute every hot loop: `'wasm'` (the Rust core, SIMD build when the engine supports
 * simd128, scalar build otherwise) and `'js'` (the pure-TypeScript twin: the fallback and the
 * benchmark yardstick). The environment entry (`node.ts`, `browser.ts`) registers how to fetch the
 * module bytes; `init()` instantiates once and caches the promise, so it can be awaited any number of
 * times from anywhere.
 */
import { WasmCore, instantiate, simdSupported } from '../../bindings/core.js';
import { BackendUnavailableError, InvalidParameterError, NotInitializedError } from './errors.js';

export type Backend = 'wasm' | 'js';

/** Returns the bytes (or a compiled module) of the SIMD or the scalar artifact. */
export type WasmLoader = (simd: boolean) => Promise<BufferSource | WebAssembly.Module>;

export interface InitOptions {
  /** Force the SIMD (true) or scalar (false) artifact; default: a runtime feature probe decides. */
  simd?: boolean;
  /** Module bytes or a compiled module to use instead of the environment's loader. */
  wasm?: BufferSource | WebAssembly.Module;
}

export interface BackendInfo {
  /** True once `init()` resolved with a wasm instance. */
  wasm: boolean;
  /** True when the loaded artifact was built with simd128. */
  simd: boolean;
  /** The backend used when an options object does not name one. */
  defaultBackend: Backend;
}

let loader: WasmLoader | null = null;
let pending: Promise<BackendInfo> | null = null;
let core: WasmCore | null = null;

/** Called by the environment entry point; not part of the public API. */
export function registerLoader(l: WasmLoader): void {
  loader = l;
}

/**
 * Loads and instantiates the wasm core. Idempotent: later calls return the first call's promise.
 * When WebAssembly is missing the promise still resolves, with `wasm: false`, and every function
 * defaults to the `'js'` backend.
 */
export function init(options: InitOptions = {}): Promise<BackendInfo> {
  if (pending) return pending;
  pending = (async () => {
    if (typeof WebAssembly !== 'object') return info();
    const simd = options.simd ?? simdSupported();
    let source = options.wasm;
    if (!source) {
      if (!loader) throw new BackendUnavailableError('wideflow: no wasm loader registered for this environment');
      source = await loader(simd);
    }
    core = await instantiate(source);
    warmUp(core);
    return info();
  })();
  pending.catch(() => {
    pending = null; // a failed load may be retried
  });
  return pending;
}

/** What is loaded now. */
export function info(): BackendInfo {
  return { wasm: core !== null, simd: core?.simd ?? false, defaultBackend: core ? 'wasm' : 'js' };
}

/** The instantiated core; throws a typed error naming `what` before `init()` resolved. */
export function wasmCore(what: string): WasmCore {
  if (!core) throw new NotInitializedError(what);
  return core;
}

/**
 * Validates a `backend` option. Undefined means wasm when it is loaded and WebAssembly exists, and
 * js otherwise; an explicit `'wasm'` before `init()` is an error, never a silent fallback.
 */
export function resolveBackend(backend: unknown, what: string): Backend {
  if (backend === undefined) return core ? 'wasm' : typeof WebAssembly === 'object' ? (wasmCore(what), 'wasm') : 'js';
  if (backend !== 'wasm' && backend !== 'js') throw new InvalidParameterError('backend', backend, "'wasm' or 'js'");
  if (backend === 'wasm') wasmCore(what);
  return backend;
}

// V8 runs the first long call of an export in its baseline tier; a tiny call of each hot export at
// init lets the optimizing tier compile in the background before real work arrives.
const warmers: Array<(c: WasmCore) => void> = [];
export function registerWarmUp(f: (c: WasmCore) => void): void {
  warmers.push(f);
}
function warmUp(c: WasmCore): void {
  for (const f of warmers) f(c);
}

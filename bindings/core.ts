/**
 * The thin wasm boundary: one instantiated module, its memory, and scratch buffers.
 * Exports are flat C-ABI functions (`wf_*`) on f64/u32 buffers in linear memory; nothing here
 * knows about networks or statistics.
 */
export interface RawExports {
  memory: WebAssembly.Memory;
  wf_alloc(bytes: number): number;
  wf_free(ptr: number, bytes: number): void;
  wf_has_simd(): number;
  [name: string]: unknown;
}

/** A typed handle on a block of linear memory owned by the caller. */
export interface Block {
  ptr: number;
  bytes: number;
}

export class WasmCore {
  readonly exports: RawExports;
  readonly simd: boolean;
  private buffer: ArrayBuffer | null = null;
  private f64view = new Float64Array(0);

  /** The compiled module: workers instantiate it again instead of fetching or decoding the bytes. */
  readonly module: WebAssembly.Module;

  constructor(instance: WebAssembly.Instance, module: WebAssembly.Module) {
    this.module = module;
    this.exports = instance.exports as unknown as RawExports;
    this.simd = this.exports.wf_has_simd() === 1;
  }

  /** A Float64Array over all of memory, re-created when memory grows (growth detaches old views). */
  get f64(): Float64Array {
    const buf = this.exports.memory.buffer as ArrayBuffer;
    if (buf !== this.buffer) {
      this.buffer = buf;
      this.f64view = new Float64Array(buf);
    }
    return this.f64view;
  }

  alloc(bytes: number): Block {
    const ptr = this.exports.wf_alloc(bytes);
    if (ptr === 0) throw new RangeError(`wideflow: wasm allocation of ${bytes} bytes failed`);
    return { ptr, bytes };
  }

  free(b: Block): void {
    this.exports.wf_free(b.ptr, b.bytes);
  }

  /** Allocates an f64 block and copies `data` in. */
  allocF64(data: ArrayLike<number> | number): Block {
    const n = typeof data === 'number' ? data : data.length;
    const b = this.alloc(Math.max(8, n * 8));
    if (typeof data !== 'number') this.f64.set(data, b.ptr / 8);
    return b;
  }

  /** Copies `n` f64 values out of a block into a new Float64Array. */
  readF64(b: Block, n: number, offset = 0): Float64Array {
    const start = b.ptr / 8 + offset;
    return this.f64.slice(start, start + n);
  }

  /** Calls an export by name; throws if the module lacks it (an old committed artifact). */
  call(name: string, ...args: number[]): number {
    const fn = this.exports[name];
    if (typeof fn !== 'function') throw new TypeError(`wideflow: wasm export ${name} is missing (rebuild wasm/)`);
    return (fn as (...a: number[]) => number)(...args);
  }
}

/**
 * True when this engine validates a module that uses simd128 (a 1-function module whose body is
 * `v128.const 0; drop`). Checked once, before choosing which artifact to load.
 */
export function simdSupported(): boolean {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false;
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 23, 1, 21, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 26, 11,
  ]);
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

export async function instantiate(bytes: BufferSource | WebAssembly.Module): Promise<WasmCore> {
  if (bytes instanceof WebAssembly.Module) return new WasmCore(await WebAssembly.instantiate(bytes, {}), bytes);
  const { instance, module } = await WebAssembly.instantiate(bytes as BufferSource, {});
  return new WasmCore(instance, module);
}

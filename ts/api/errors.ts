/**
 * The error hierarchy of wideflow. Everything thrown at the API edge is a {@link WideflowError};
 * the CLI prints `message` (no stack) and exits non-zero.
 */
export class WideflowError extends Error {
  override name = 'WideflowError';
}

/** A parameter is outside its allowed range; the message names it, the range and the value received. */
export class InvalidParameterError extends WideflowError {
  override name = 'InvalidParameterError';
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`wideflow: ${parameter} must be ${allowed} (got ${formatValue(value)})`);
  }
  /** The value received (same as `value`). */
  get got(): unknown {
    return this.value;
  }
}

/** Two options that cannot be used together, or an option that does not apply to the rest of the call. */
export class ConflictingOptionsError extends InvalidParameterError {
  override name = 'ConflictingOptionsError';
}

/**
 * A run would need more memory (or more of some other resource) than the machine or the engine
 * allows. Raised before anything is allocated; `needed` and `limit` are in bytes where they are memory.
 */
export class ResourceLimitError extends InvalidParameterError {
  override name = 'ResourceLimitError';
  constructor(
    parameter: string,
    value: unknown,
    allowed: string,
    readonly needed: number,
    readonly limit: number,
  ) {
    super(parameter, value, allowed);
  }
}

/** Two results that were asked to be combined (compare, merge) do not describe the same run/network. */
export class MismatchError extends WideflowError {
  override name = 'MismatchError';
  constructor(
    readonly parameter: string,
    readonly expected: unknown,
    readonly got: unknown,
  ) {
    super(`wideflow: ${parameter} differs: expected ${formatValue(expected)}, got ${formatValue(got)}`);
  }
}

/** A user-supplied activation returned a non-finite value where a finite one was needed. */
export class ActivationValueError extends WideflowError {
  override name = 'ActivationValueError';
  constructor(
    readonly z: number,
    readonly what: string,
    readonly got: number,
  ) {
    super(`wideflow: the custom activation's ${what} returned ${got} at z = ${z}`);
  }
}

/** Bytes as a short human string (for memory plans in error messages). */
export function formatBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(1)} GB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} kB`;
  return `${b} bytes`;
}

/** A wasm-backed function was called before `init()` resolved. */
export class NotInitializedError extends WideflowError {
  override name = 'NotInitializedError';
  constructor(what: string) {
    super(`wideflow: ${what} needs the wasm backend; await init() first (or pass backend: 'js')`);
  }
}

/** The wasm backend cannot run here (no WebAssembly, or the module failed to load). */
export class BackendUnavailableError extends WideflowError {
  override name = 'BackendUnavailableError';
}

/** A long run was cancelled through its AbortSignal. */
export class AbortError extends WideflowError {
  override name = 'AbortError';
  constructor() {
    super('wideflow: the run was aborted');
  }
}

/** A value as it appears in a message: never longer than ~200 characters, whatever was passed. */
export function formatValue(v: unknown): string {
  const s = formatRaw(v);
  return s.length > 200 ? `${s.slice(0, 160)}… (${s.length} characters)` : s;
}

function formatRaw(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    const head = v.slice(0, 12).map(formatRaw).join(', ');
    return v.length > 12 ? `[${head}, … ${v.length} entries]` : `[${head}]`;
  }
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v == null) return String(v);
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

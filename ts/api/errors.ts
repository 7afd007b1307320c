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

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v == null) return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

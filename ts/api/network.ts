/**
 * The backend adapter of the sampled-network kernel: runs ensemble chunks on the wasm export
 * `wf_ensemble_chunk` or on its TS twin (`ts/twin/sampling/network/`), and owns everything that
 * touches the wasm core for it (status messages, warm-up, releasing workspaces). The twin itself
 * imports nothing from the backend.
 */
import { registerWarmUp, wasmCore, type Backend } from './backend.js';
import { WideflowError } from './errors.js';
import type { Activation } from '../twin/numerics/activation.js';
import { ensembleChunk, packConfig, releaseWorkspace } from '../twin/sampling/network/mod.js';
import { releaseMultiWorkspace } from '../twin/sampling/multi/mod.js';
import type { WasmCore } from '../../bindings/core.js';
import { ensembleConfig, ensembleOutput, statusText } from '../../bindings/layout.js';
import type { ChunkTask } from '../parallel/workers.js';

/**
 * Status codes of the wasm export `wf_ensemble_chunk` (0 = success), with what they mean: the one
 * status table of schema/layout.json, shared with every other export.
 */
export const CHUNK_STATUS: Readonly<Record<number, string>> = statusText;

/** Computes chunk sums in this thread with the chosen backend. */
export function chunkRunner(cfg: Float64Array, backend: Backend, activation?: Activation): ((t: ChunkTask) => Float64Array) & { free(): void } {
  const outLen = ensembleOutput.len({ L: cfg[ensembleConfig.at.depth] });
  if (backend === 'js') {
    const f = (t: ChunkTask) => {
      const out = new Float64Array(outLen);
      // A custom activation (kind −1) is a function: the config cannot carry it, the caller does.
      ensembleChunk(cfg, t.first, t.count, out, activation);
      return out;
    };
    return Object.assign(f, { free() {} });
  }
  const core = wasmCore('ensemble()');
  const cfgB = core.allocF64(cfg);
  const outB = core.allocF64(outLen);
  const f = (t: ChunkTask) => {
    const status = core.ensembleChunk(cfgB, t.first, t.count, outB);
    if (status !== 0) throw new ChunkStatusError(status);
    return core.readF64(outB, outLen);
  };
  return Object.assign(f, {
    free() {
      core.free(cfgB);
      core.free(outB);
    },
  });
}

/**
 * Drops the cached workspaces of the js twin and, when given, of a wasm core (`wf_ensemble_release`),
 * e.g. after a run with many probed neurons, whose workspace grows like k_ℓ²·n.
 */
export function releaseNetworkWorkspace(core?: WasmCore): void {
  releaseWorkspace();
  releaseMultiWorkspace();
  core?.ensembleRelease();
  core?.ensembleMultiRelease();
}

/** A readable message for a nonzero status of `wf_ensemble_chunk`. */
export function chunkStatusMessage(status: number): string {
  return `wideflow: wf_ensemble_chunk failed with status ${status} (${CHUNK_STATUS[status] ?? 'unknown status'})`;
}

/** Thrown when the wasm export reports a malformed config (should not happen after packConfig). */
export class ChunkStatusError extends WideflowError {
  override name = 'ChunkStatusError';
  constructor(readonly status: number) {
    super(chunkStatusMessage(status));
  }
}

// V8 runs the first long call of an export in its baseline tier (measured: the first chunk of
// width-256 networks ~3× slower); one tiny call at init starts the optimizing compile early.
registerWarmUp((core) => {
  try {
    const cfg = packConfig({
      widths: [4, 8, 8, 4], Cb: [0.1, 0.1, 0.1], CW: [1, 1, 1], lambdaB: [1, 1, 1], lambdaW: [1, 1, 1],
      kind: 3, a: 0, order: 3, seed: 0, neurons: [2, 2, 2], x: [1, 1, 1, 1],
    });
    const cb = core.allocF64(cfg);
    const ob = core.allocF64(ensembleOutput.len({ L: 3 }));
    core.ensembleChunk(cb, 0, 1, ob);
    core.free(cb);
    core.free(ob);
  } catch {
    // an older artifact without the export: the first real call reports it
  }
});

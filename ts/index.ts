/**
 * wideflow — finite-width statistics of deep MLPs at initialization.
 * The public API, shared by the Node and browser entry points.
 */
export { init, info } from './backend.js';
export type { Backend, BackendInfo, InitOptions } from './backend.js';
export * from './errors.js';

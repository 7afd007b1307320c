/** Browser build of `wideflow/plot`: Plot renders into the page's own `document`. */
export * from './index.js';

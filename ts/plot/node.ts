/**
 * Node build of `wideflow/plot`: Plot renders into a linkedom document (a small DOM without layout),
 * so the figures are produced without a browser.
 */
import { parseHTML } from 'linkedom';
import { setDocument } from './figure.js';

setDocument(parseHTML('<!doctype html><html><head></head><body></body></html>').document as unknown as Document);

export * from './index.js';

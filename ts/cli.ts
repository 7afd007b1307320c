#!/usr/bin/env node
// Kept so that `node dist/ts/cli.js` (older docs and scripts) still runs the CLI: ts/cli/main.ts.
import './cli/main.js';

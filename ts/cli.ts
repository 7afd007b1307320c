#!/usr/bin/env node
/**
 * The `wideflow` command line. Each subcommand lives in ts/cli/<name>.ts. `--json` prints
 * machine-readable output to stdout; errors go to stderr (message only) with exit code 1 (2 for usage).
 */
import './node.js';
import { WideflowError } from './errors.js';
import type { Command } from './cli/args.js';

const commands: Record<string, () => Promise<{ command: Command }>> = {
  gauss: () => import('./cli/gauss.js'),
  theory: () => import('./cli/theory.js'),
  ensemble: () => import('./cli/ensemble.js'),
  compare: () => import('./cli/compare.js'),
  kernels: () => import('./cli/kernels.js'),
  merge: () => import('./cli/merge.js'),
  report: () => import('./cli/report.js'),
};

async function main(argv: string[]): Promise<number> {
  const io = {
    out: (s: string) => void process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
    err: (s: string) => void process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
    isTTY: Boolean(process.stderr.isTTY),
  };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = await Promise.all(
      Object.entries(commands).map(async ([k, load]) => `  ${k.padEnd(10)}${(await load().catch(() => null))?.command.summary ?? ''}`),
    );
    io.out(`wideflow <command> [options]   (wideflow <command> --help for its options)\n\nCommands:\n${lines.join('\n')}`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    io.err(`wideflow: unknown command '${name}' (one of: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  const { command } = await load();
  return command.run(rest, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write((e instanceof WideflowError ? e.message : e instanceof Error ? `wideflow: ${e.stack ?? e.message}` : String(e)) + '\n');
    process.exitCode = e instanceof WideflowError ? 1 : 70;
  },
);

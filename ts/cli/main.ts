#!/usr/bin/env node
/**
 * The `wideflow` command line. Each subcommand lives in ts/cli/commands/<name>.ts (commands never
 * import each other: what they share is in args.ts, options.ts and format.ts). `--json` prints
 * machine-readable output to stdout; errors go to stderr (message only) with exit code 1 (2 for usage).
 */
import '../node.js';
import { WideflowError } from '../api/errors.js';
import type { Command } from './args.js';

const commands: Record<string, () => Promise<{ command: Command }>> = {
  gauss: () => import('./commands/gauss.js'),
  theory: () => import('./commands/theory.js'),
  ensemble: () => import('./commands/ensemble.js'),
  compare: () => import('./commands/compare.js'),
  merge: () => import('./commands/merge.js'),
  report: () => import('./commands/report.js'),
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

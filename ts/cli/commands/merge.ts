import { mergeEnsembles } from '../../api/ensemble.js';
import { InvalidParameterError } from '../../api/errors.js';
import { helpText, parseArgs, type Command } from '../args.js';
import { checkWritable, ensembleJson, ensembleTable, readState, writeState } from '../format.js';

const options = {
  out: { type: 'string', description: 'write the merged result (mergeable again) to this JSON file' },
  json: { type: 'boolean', description: 'machine-readable output on stdout' },
  help: { type: 'boolean', description: 'this help' },
} as const;

export const command: Command = {
  summary: 'merge ensemble shards (--shard i/N --out …) exactly into the unsharded statistics',
  async run(argv, io) {
    const args = parseArgs(argv, options, { positional: 'files' });
    if (args.help) {
      io.out(helpText('wideflow merge part-*.json [--out merged.json] [--json]', options));
      return 0;
    }
    if (args._.length === 0) throw new InvalidParameterError('files', [], 'one or more shard files written by `wideflow ensemble --shard i/N --out FILE`');
    await checkWritable(args.out as string | undefined);
    const states = await Promise.all(args._.map(readState));
    // mergeEnsembles checks that the shards are of one kind (single- or multi-input) and one run
    const r = mergeEnsembles(states as Parameters<typeof mergeEnsembles>[0]);
    if (args.out) await writeState(args.out as string, r);
    io.out(args.json ? JSON.stringify(ensembleJson(r)) : ensembleTable(r));
    return 0;
  },
};

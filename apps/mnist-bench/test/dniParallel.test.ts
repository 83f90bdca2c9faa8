// The dni-parallel experiments on a tiny data set, their stages in worker threads of the built bench
// (dist/dniStage.js, which npm test builds first), on wasm: the sequential schedule in a worker repeats the in-process
// dni-synthetic-gradient and dni-backprop runs' training losses exactly (same seeds, same batches; their test
// accuracies differ, as those runs also update batch norm's population statistics when they measure training
// accuracy), lockstep repeats the sequential schedule exactly, and every contender reports its throughput.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@gradkit/backends';
import type { Experiment } from '@gradkit/experiment-runner';
import { testRunContext } from '@gradkit/experiment-runner/testing';
import { afterAll, describe, expect, test } from '@gradkit/test-harness';
import {
  dniParallelExperiment,
  dniParallelWideExperiment,
  type DniParallelConfig,
} from '../src/experiments/dniParallel';
import { dniExperiments, type SyntheticGradientConfig } from '../src/experiments/syntheticGradients';
import { loadDataset } from '../src/mnist';
import { writeTinyDataset } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'dni-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = loadDataset(writeTinyDataset(join(dir, 'data'), { train: 600, test: 100 }));
const wasm = { name: 'wasm', device: 'wasm' };

describe('dni-parallel (stages in worker threads, wasm)', () => {
  test('sequential schedule = the in-process dni runs; lockstep = sequential; all four contenders timed', async () => {
    await useBackend('wasm');
    const ctx = testRunContext(wasm, 5);
    const config: DniParallelConfig = {
      ...(dniParallelExperiment.profiles.smoke as DniParallelConfig),
      iterations: 12,
    };
    const out = await dniParallelExperiment.run(ctx, config, data);
    const m = out.metrics as Record<string, number>;
    // the same network, seeds and batches trained in this process by the sequential dni-* experiments: their mean
    // training loss over the 12 steps (Σ loss·batch / examples, in their order), against the per-step losses here
    const inProcess = async (name: string) => {
      const e = dniExperiments.find((x) => x.name === name) as Experiment<unknown, SyntheticGradientConfig>;
      const smoke = e.profiles.smoke as SyntheticGradientConfig;
      const r = await e.run(
        ctx,
        { ...smoke, iterations: 12, evalEvery: 12, hidden: 16, synthesizerHidden: [32] },
        data,
      );
      return r.curves?.find((c) => c.metric.startsWith('cross-entropy'))?.points.at(-1)?.value;
    };
    const meanLoss = (series: string) => {
      const points = out.curves?.find((c) => c.series === series)?.points ?? [];
      expect(points).toHaveLength(12);
      let sum = 0;
      for (const p of points) sum += p.value * config.batchSize;
      return sum / (points.length * config.batchSize);
    };
    expect(meanLoss('synthetic gradients, sequential (one thread)')).toBe(await inProcess('dni-synthetic-gradient'));
    expect(meanLoss('backprop, one thread')).toBe(await inProcess('dni-backprop'));
    const loss = (c: string) => m[`final training loss (mean of the last 50 steps), ${c}`];
    expect(loss('synthetic gradients, parallel lockstep (one thread per stage)')).toBe(
      loss('synthetic gradients, sequential (one thread)'),
    );
    expect(m['test accuracy, synthetic gradients, parallel lockstep (one thread per stage)']).toBe(
      m['test accuracy, synthetic gradients, sequential (one thread)'],
    );
    for (const k of ['pipelined / backprop', 'pipelined / sequential decoupled', 'lockstep / sequential decoupled'])
      expect(m[`throughput ratio, ${k}`]).toBeGreaterThan(0);
    expect(out.curves).toHaveLength(4);
  });

  test('the wide network: modules of two layers (stackModules), linear synthesizers', async () => {
    await useBackend('wasm');
    const out = await dniParallelWideExperiment.run(
      testRunContext(wasm, 2),
      { ...(dniParallelWideExperiment.profiles.smoke as DniParallelConfig), contenders: ['sequential', 'lockstep'] },
      data,
    );
    const m = out.metrics as Record<string, number>;
    expect(m['test accuracy, synthetic gradients, parallel lockstep (one thread per stage)']).toBe(
      m['test accuracy, synthetic gradients, sequential (one thread)'],
    );
    expect(Number.isFinite(m['examples/s, synthetic gradients, parallel lockstep (one thread per stage)'])).toBe(true);
  });
});

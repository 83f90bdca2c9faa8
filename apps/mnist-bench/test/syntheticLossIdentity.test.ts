// Post 8's synthetic loss as the post builds it (square output, zero-initialised last layer, zero bias) is exactly
// training without backprop: z = 0 for every input, so ∂ℓ̂/∂z = 2z = 0, every gradient of the synthesizer's own
// loss (ℓ̂ − L)² and every synthetic gradient ∂ℓ̂/∂h are exact zeros, and Adam turns a zero gradient into a zero
// step (m = v = 0, m̂/(√v̂ + ε) = 0). The modules keep their initial weights, as without backprop; only the head
// learns, from the same batches. This pins the identity bit for bit over 100 steps on every backend, which
// is why the README reports the paper-length synthetic-loss run as the no-backprop run (0.8879).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Experiment } from '@gradkit/experiment-runner';
import { testRunContext } from '@gradkit/experiment-runner/testing';
import { afterAll, describeBackends, expect, test } from '@gradkit/test-harness';
import { dniExperiments, type SyntheticGradientConfig } from '../src/experiments/syntheticGradients';
import { loadDataset, type Dataset } from '../src/mnist';
import { writeTinyDataset } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'synthetic-loss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = loadDataset(writeTinyDataset(join(dir, 'data'), { train: 600, test: 100 }));
const experiment = (name: string) =>
  dniExperiments.find((e) => e.name === name) as Experiment<Dataset, SyntheticGradientConfig>;

describeBackends('post 8: the synthetic loss with a zero-initialised output', (backend) => {
  test('trains exactly as no backprop: the same curves, bit for bit, over 100 steps (a synthesizer that starts alive does not)', async () => {
    const ctx = testRunContext(backend, 3);
    const run = (name: string) => {
      const e = experiment(name);
      return e.run(
        ctx,
        {
          ...(e.profiles.smoke as SyntheticGradientConfig),
          iterations: 100,
          evalEvery: 50,
          learningRate: 1e-3,
          batchSize: 50,
        },
        data,
      );
    };
    const curves = async (name: string) => (await run(name)).curves?.map((c) => [c.series, c.points]);
    const noBackprop = await curves('dni-no-backprop');
    expect(await curves('dni-synthetic-loss')).toEqual(noBackprop);
    // the same network with the synthesizer's output bias at 1 learns and moves the modules: not the same run
    expect(await curves('dni-synthetic-loss-live')).not.toEqual(noBackprop);
  });
});

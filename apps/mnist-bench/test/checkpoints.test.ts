// The synthetic-gradient runs (hours in the paper profile) continue from their checkpoints to the result of an
// uninterrupted run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fileCheckpoint, reportOnlyCheckpoint, type Experiment, type RunCheckpoint } from '@gradkit/experiment-runner';
import { interruptingCheckpoint, RunInterrupted, testRunContext } from '@gradkit/experiment-runner/testing';
import { afterAll, describeBackends, expect, test } from '@gradkit/test-harness';
import { dniExperiments } from '../src/experiments/syntheticGradients';
import { loadDataset, type Dataset } from '../src/mnist';
import { writeTinyDataset } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'mnist-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = loadDataset(writeTinyDataset(join(dir, 'data'), { train: 600, test: 100 }));

const cases = ['dni-cdni', 'dni-synthetic-loss-live', 'dni-backprop'].map(
  (name) =>
    [name, dniExperiments.find((e) => e.name === name)] as [
      string,
      Experiment<Dataset, { iterations: number; evalEvery: number }>,
    ],
);

describeBackends('checkpointed synthetic-gradient runs', (backend) => {
  test.each(cases)(
    "%s: stopped after period 1 of 2, reported as it stands (--partial) and resumed gives the uninterrupted run's curves",
    async (name, experiment) => {
      // a learning rate that moves the weights in 7 steps: the curves (per-period mean loss among them) show every
      // weight. Batches of 200 of the 600 training images: new epochs at steps 4 and 7, so the checkpoint (after step
      // 4) holds an RNG that has drawn two orders, and the resumed run draws the third from it
      const config = {
        ...experiment.profiles.smoke,
        iterations: 7,
        evalEvery: 4,
        learningRate: 1e-2,
        batchSize: 200,
      } as { iterations: number; evalEvery: number };
      const ctx = (checkpoint?: RunCheckpoint) => testRunContext(backend, 4, checkpoint);
      const straight = await experiment.run(ctx(), config, data);
      // evaluations after 4 and 7: two periods, the last a short one
      expect(straight.curves?.map((c) => c.points.map((p) => p.step))).toEqual([
        [4, 7],
        [4, 7],
        [4, 7],
      ]);

      const file = join(dir, `${name}-${backend.name}.ckpt`);
      const stopping = interruptingCheckpoint(file, config);
      const before = tf.memory().numTensors;
      await expect(experiment.run(ctx(stopping), config, data)).rejects.toThrow(RunInterrupted);
      expect(stopping.saves).toBe(1);
      tf.disposeVariables(); // what a killed process would have freed
      expect(tf.memory().numTensors).toBe(before);

      const progress: string[] = [];
      const partial = await experiment.run(
        ctx(reportOnlyCheckpoint(file, config, (p) => progress.push(p))),
        config,
        data,
      );
      expect(progress).toEqual(['after epoch 1 of 2']);
      expect(partial.curves?.map((c) => c.points)).toEqual(straight.curves?.map((c) => c.points.slice(0, 1)));
      tf.disposeVariables();
      expect(tf.memory().numTensors).toBe(before);

      const resumed = await experiment.run(ctx(fileCheckpoint(file, config, true)), config, data);
      const values = (o: typeof straight) => o.curves?.flatMap((c) => c.points.map((p) => p.value)) ?? [];
      expect(resumed.curves?.map((c) => c.points.map((p) => p.step))).toEqual(
        straight.curves?.map((c) => c.points.map((p) => p.step)),
      );
      expect(resumed.stepTimesMs?.length).toBe(straight.stepTimesMs?.length);
      // every backend repeats the arithmetic bit for bit: Adam's running powers are saved, not recomputed with pow()
      expect(values(resumed)).toEqual(values(straight));
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  test('after hundreds of steps too: Adam’s running powers come back as they were, so the resumed curves equal the uninterrupted ones', async () => {
    // 300 steps before the checkpoint: by then tfjs's pow(β, t+1) differs from the product it keeps in the last
    // bits, and a run resumed through tfjs's own setWeights drifts (the 0.90608897 vs 0.90608869 of a quick run)
    const experiment = cases.find(([name]) => name === 'dni-backprop')?.[1] as (typeof cases)[number][1];
    const config = {
      ...experiment.profiles.smoke,
      iterations: 400,
      evalEvery: 300,
      learningRate: 3e-3,
      batchSize: 50,
    } as { iterations: number; evalEvery: number };
    const ctx = (checkpoint?: RunCheckpoint) => testRunContext(backend, 2, checkpoint);
    // the uninterrupted run keeps its first checkpoint (after step 300) and goes on to 400
    const file = join(dir, `long-${backend.name}.ckpt`);
    const saving = fileCheckpoint(file, config, false);
    let saves = 0;
    const firstOnly: RunCheckpoint = { load: saving.load, save: (d) => (saves++ === 0 ? saving.save(d) : undefined) };
    const straight = await experiment.run(ctx(firstOnly), config, data);
    expect(saves).toBeGreaterThanOrEqual(1);
    tf.disposeVariables();
    const resumed = await experiment.run(ctx(fileCheckpoint(file, config, true)), config, data);
    expect(resumed.curves).toEqual(straight.curves);
  });
});

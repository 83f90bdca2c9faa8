// An interrupted long run continues from its checkpoint to the result of an uninterrupted one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fileCheckpoint, reportOnlyCheckpoint, type Experiment, type RunCheckpoint } from '@gradkit/experiment-runner';
import { interruptingCheckpoint, RunInterrupted, testRunContext } from '@gradkit/experiment-runner/testing';
import { afterAll, describeBackends, expect, expectValuesClose, test } from '@gradkit/test-harness';
import { sequenceData, type SequenceData } from '../src/data';
import { charLmExperiments } from '../src/experiments/charLm';
import { statesExperiments } from '../src/experiments/initialStates';

const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases: Array<[string, Experiment<SequenceData, { epochs: number }>]> = [
  [
    'states-noisy-variable (noise, trained initial state, Adam)',
    statesExperiments.find((e) => e.name === 'states-noisy-variable') as never,
  ],
  ['char-gru-80 (Adam)', charLmExperiments.find((e) => e.name === 'char-gru-80') as never],
];

describeBackends('checkpointed experiments', (backend) => {
  test.each(cases)(
    "%s: stopped after epoch 1 of 2, reported as it stands (--partial) and resumed gives the uninterrupted run's curves",
    async (_, experiment) => {
      const config = { ...experiment.profiles.smoke, epochs: 2 } as { epochs: number };
      const data = sequenceData(undefined);
      const ctx = (checkpoint?: RunCheckpoint) => testRunContext(backend, 3, checkpoint);
      const straight = await experiment.run(ctx(), config, data);

      const file = join(dir, `${experiment.name}-${backend.name}.ckpt`);
      const stopping = interruptingCheckpoint(file, config);
      const before = tf.memory().numTensors;
      await expect(experiment.run(ctx(stopping), config, data)).rejects.toThrow(RunInterrupted);
      expect(stopping.saves).toBe(1);
      // what a killed process would have freed
      tf.disposeVariables();
      expect(tf.memory().numTensors).toBe(before);

      // --partial: the run as it stood after epoch 1, from the checkpoint, training nothing
      const progress: string[] = [];
      const partial = await experiment.run(
        ctx(reportOnlyCheckpoint(file, config, (p) => progress.push(p))),
        config,
        data,
      );
      expect(progress).toEqual(['after epoch 1 of 2']);
      const firstEpoch = (o: typeof straight) =>
        o.curves
          ?.filter((c) => c.metric.includes('by epoch') || c.metric.includes('nats'))
          .map((c) => c.points[0]?.value);
      expect(
        partial.curves
          ?.filter((c) => c.metric.includes('by epoch') || c.metric.includes('nats'))
          .map((c) => c.points.length),
      ).toEqual([1, 1]);
      // bit for bit on every backend (on webgpu since gradkit's backends keep tfjs-webgpu's products off its
      // atomic split-K program, whose order of additions varied from run to run)
      expect(firstEpoch(partial)).toEqual(firstEpoch(straight));
      tf.disposeVariables();
      expect(tf.memory().numTensors).toBe(before);

      const resumed = await experiment.run(ctx(fileCheckpoint(file, config, true)), config, data);
      const values = (o: typeof straight) => o.curves?.flatMap((c) => c.points.map((p) => p.value)) ?? [];
      expect(resumed.curves?.map((c) => c.points.length)).toEqual(straight.curves?.map((c) => c.points.length));
      // cpu and wasm repeat the arithmetic bit for bit; webgpu's Adam restores its bias corrections with pow()
      if (backend.name === 'webgpu')
        expectValuesClose(values(resumed), values(straight), { rtol: 1e-4, what: 'curves' });
      else expect(values(resumed)).toEqual(values(straight));
    },
  );
});

// Post 2's toy RNN: the profiles are the post's settings, and the last-epoch summary (where the num_steps = 1 curve
// moves) is read off the run's own curve.
import * as tf from '@tensorflow/tfjs-core';
import { testRunContext } from '@gradkit/experiment-runner/testing';
import { describe, describeBackends, expect, test } from '@gradkit/test-harness';
import { sequenceData } from '../src/data';
import { rnnToyExperiment, type RnnToyConfig } from '../src/experiments/rnnToy';

describe('post 2: the rnn-toy profiles', () => {
  test("paper is the post's two settings; num-steps-1 is its num_steps = 1 figure (state 4, 2 epochs), with our or the post's initial weights", () => {
    const { paper, 'paper-tf1': paperTf1, 'num-steps-1': one, 'num-steps-1-tf1': oneTf1 } = rnnToyExperiment.profiles;
    // R2RT post 2 (RNNs in Tensorflow I): batch 200, a fresh 1,000,000-step sequence per epoch, Adagrad 0.1
    const post = { batch: 200, sequenceLength: 1_000_000, learningRate: 0.1 };
    expect(paper).toEqual({
      ...post,
      settings: [
        { state: 4, numSteps: 5, epochs: 1 },
        { state: 16, numSteps: 10, epochs: 10 },
      ],
    });
    expect(paperTf1).toEqual({ ...paper, init: 'tf1' });
    expect(one).toEqual({ ...post, settings: [{ state: 4, numSteps: 1, epochs: 2 }] });
    expect(oneTf1).toEqual({ ...post, settings: [{ state: 4, numSteps: 1, epochs: 2 }], init: 'tf1' });
  });
});

describeBackends('post 2: rnn-toy with 1-step windows', (backend) => {
  test('two epochs of 1-step windows: the last epoch’s mean, lowest and highest 100-step means are those of its curve', async () => {
    // 4,000 steps in 20 rows: 200 one-step windows per epoch; 100-step means at steps 100…400, those of the last
    // epoch at 300 and 400
    const config: RnnToyConfig = {
      ...(rnnToyExperiment.profiles['num-steps-1'] as RnnToyConfig),
      batch: 20,
      sequenceLength: 4_000,
    };
    const before = tf.memory().numTensors;
    const out = await rnnToyExperiment.run(
      testRunContext(backend, 5, undefined, 'num-steps-1'),
      config,
      sequenceData(undefined),
    );
    expect(tf.memory().numTensors).toBe(before);
    const points = out.curves?.[0]?.points ?? [];
    expect(points.map((p) => p.step)).toEqual([100, 200, 300, 400]);
    const [, , a, b] = points.map((p) => p.value) as [number, number, number, number];
    const name = 'state 4, 1-step windows, 2 epoch(s)';
    const metrics = out.metrics ?? {};
    expect(metrics[`${name}: last epoch, mean of its 100-step means`]).toBeCloseTo((a + b) / 2, 10);
    expect(metrics[`${name}: last epoch, lowest 100-step mean`]).toBe(Math.min(a, b));
    expect(metrics[`${name}: last epoch, highest 100-step mean`]).toBe(Math.max(a, b));
    expect(metrics[`${name}: mean loss of the last 100 steps`]).toBeCloseTo(b, 5);
  });
});

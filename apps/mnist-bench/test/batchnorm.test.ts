// Post 1's batchnorm experiment: the profiles are the post's setups (July 2016 as it stands, and the March-2016
// original with three hidden layers), and a three-hidden-layer run records what the March-2016 figure compares.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { testRunContext } from '@gradkit/experiment-runner/testing';
import { afterAll, describe, describeBackends, expect, test } from '@gradkit/test-harness';
import { batchnormExperiment, type BatchNormConfig } from '../src/experiments/batchnorm';
import { loadDataset } from '../src/mnist';
import { writeTinyDataset } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'batchnorm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = loadDataset(writeTinyDataset(join(dir, 'data'), { train: 600, test: 100 }));

describe('post 1: the batchnorm profiles', () => {
  test("paper and wrapper are the July-2016 post's 784-100-100-10; march-2016 is the original's three hidden layers for 10,000 steps", () => {
    const { paper, wrapper, 'march-2016': march } = batchnormExperiment.profiles;
    const post = { batchSize: 60, learningRate: 0.01, evalEvery: 50, singleExamples: 100, decay: 0.999 };
    expect(paper).toEqual({ ...post, hidden: [100, 100], steps: 40000 });
    expect(wrapper).toEqual({ ...post, hidden: [100, 100], steps: 10000 });
    // R2RT post 1, its March-2016 version (spitis/r2rt-pelican): three hidden layers of 100 sigmoid
    // units, the same N(0,1) weights, SGD 0.01, batch 60, 10,000 steps
    expect(march).toEqual({ ...post, hidden: [100, 100, 100], steps: 10000, postVersion: 'march-2016' });
  });
});

describeBackends('post 1: batchnorm with three hidden layers', (backend) => {
  test("a march-2016 run trains both nets, quotes the March-2016 post and reports the figure's second-half mean and smoothness from its curves", async () => {
    const config: BatchNormConfig = {
      ...(batchnormExperiment.profiles['march-2016'] as BatchNormConfig),
      hidden: [8, 8, 8],
      batchSize: 20,
      steps: 40,
      evalEvery: 5,
      singleExamples: 10,
    };
    const before = tf.memory().numTensors;
    const out = await batchnormExperiment.run(testRunContext(backend, 2, undefined, 'march-2016'), config, data);
    expect(tf.memory().numTensors).toBe(before);
    const metrics = out.metrics ?? {};
    expect(metrics['test accuracy without BN (March-2016 post, figure: ≈0.94–0.96 at 10k steps)']).toBeGreaterThan(0.1);
    expect(Object.keys(metrics).filter((k) => k.includes('July 2016'))).toHaveLength(3);
    expect(Object.keys(metrics).some((k) => k.includes('0.9721'))).toBe(false);
    const curve = (series: string) =>
      out.curves?.find((c) => c.metric === 'test accuracy' && c.series === series)?.points ?? [];
    // the sigmoid inputs of layer 2 (the post's third figure) are still recorded with a third hidden layer above it
    expect(out.curves?.filter((c) => c.metric === 'sigmoid input, layer 2')).toHaveLength(10);
    for (const [label, series] of [
      ['without BN', 'without BN'],
      ['with BN, batch statistics of the whole test set', 'with BN (batch statistics of the whole test set)'],
    ]) {
      // steps 25, 30, 35, 40: evaluations after the first half of the 40 steps
      const late = curve(series as string)
        .filter((p) => p.step > 20)
        .map((p) => p.value);
      expect(late).toHaveLength(4);
      const [a, b, c, d] = late as [number, number, number, number];
      const mean = (a + b + c + d) / 4;
      const change = (Math.abs(b - a) + Math.abs(c - b) + Math.abs(d - c)) / 3;
      expect(metrics[`second half of training, mean test accuracy ${label}`]).toBeCloseTo(mean, 10);
      expect(metrics[`second half of training, mean change between evaluations ${label}`]).toBeCloseTo(change, 10);
    }
  });
});

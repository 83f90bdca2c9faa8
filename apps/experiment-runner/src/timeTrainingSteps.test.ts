import * as tf from '@tensorflow/tfjs-core';
import {
  describeBackends,
  expect,
  expectNoLeaks,
  expectValuesClose,
  takeValues,
  test,
  valuesOf,
  variableOf,
} from '@gradkit/test-harness';
import { countStepKernels } from './countStepKernels';
import { countStepPrograms } from './countStepPrograms';
import { timeTrainingSteps } from './timeTrainingSteps';

describeBackends('timeTrainingSteps', () => {
  test('warm-up + timed steps of each contender, interleaved; times only the timed ones; frees its optimizers', async () => {
    const u = variableOf([1]);
    const v = variableOf([2]);
    const order: string[] = [];
    const progress: Array<[number, number]> = [];
    const contenders = [
      { name: 'u', vars: [u], loss: () => (order.push('u'), tf.sum(tf.square(u))) as tf.Scalar },
      { name: 'v', vars: [v], loss: () => (order.push('v'), tf.sum(tf.square(v))) as tf.Scalar },
    ];
    const times = await expectNoLeaks(
      () =>
        timeTrainingSteps(
          { progress: (d, t) => progress.push([d, t]), sampleMemory: () => undefined },
          contenders,
          { warmup: 2, timed: 3 },
          () => tf.train.sgd(0.1),
        ),
      'timeTrainingSteps',
    );
    expect(times.map((t) => t.length)).toEqual([3, 3]);
    expect(times.flat().every((ms) => ms >= 0)).toBe(true);
    expect(order).toEqual(['u', 'v', 'u', 'v', 'u', 'v', 'u', 'v', 'u', 'v']);
    expect(progress).toEqual([
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
      [5, 5],
    ]);
    // SGD on x²: x ← x − 0.1·2x = 0.8·x, five times
    expectValuesClose(await takeValues(tf.concat([u, v])), [0.8 ** 5, 2 * 0.8 ** 5], {
      what: 'variables after 5 steps',
    });
    tf.dispose([u, v]);
  });
});

describeBackends('timeTrainingSteps and countStepPrograms with per-contender optimizers', (backend) => {
  test("a contender's own optimizer is used; countStepPrograms counts one step on a GPU backend, null elsewhere", async () => {
    const u = variableOf(new Array(4096).fill(1));
    const v = variableOf(new Array(4096).fill(2));
    const contenders = [
      {
        name: 'own sgd 0.25',
        vars: [u],
        loss: () => tf.sum(tf.square(u)) as tf.Scalar,
        optimizer: () => tf.train.sgd(0.25),
      },
      { name: 'default sgd 0.1', vars: [v], loss: () => tf.sum(tf.square(v)) as tf.Scalar },
    ];
    await expectNoLeaks(
      () =>
        timeTrainingSteps(
          { progress: () => undefined, sampleMemory: () => undefined },
          contenders,
          { warmup: 0, timed: 1 },
          () => tf.train.sgd(0.1),
        ),
      'timeTrainingSteps',
    );
    // one SGD step on x²: x ← (1 − 2·lr)·x
    expectValuesClose((await valuesOf(u)).slice(0, 2), [0.5, 0.5], { what: 'u (own optimizer)' });
    expectValuesClose((await valuesOf(v)).slice(0, 2), [1.6, 1.6], { what: 'v (default optimizer)' });
    const counts = await expectNoLeaks(() => countStepPrograms(contenders, 1), 'countStepPrograms');
    if (backend.name === 'webgpu' || backend.name === 'webgl') {
      counts.forEach((n) => expect(n).toBeGreaterThanOrEqual(3)); // at least square, sum, the gradient and the update
    } else {
      expect(counts).toEqual([null, null]);
    }
    tf.dispose([u, v]);
  });
});

describeBackends('countStepKernels', () => {
  test('counts the kernels of one step: each extra negation adds exactly two (its forward and its gradient, −dy)', async () => {
    const u = variableOf([1, 2, 3]);
    const chain = (k: number) => ({
      name: `${k} negations`,
      vars: [u],
      loss: () => {
        let h: tf.Tensor = tf.square(u);
        for (let i = 0; i < k; i++) h = tf.neg(h);
        return tf.sum(h) as tf.Scalar;
      },
      optimizer: () => tf.train.sgd(0.01),
    });
    const counts = await expectNoLeaks(() => countStepKernels([chain(0), chain(3), chain(7)]), 'countStepKernels');
    expect(counts[0]).toBeGreaterThanOrEqual(3); // square, sum, and at least one kernel of the update
    expect([(counts[1] as number) - (counts[0] as number), (counts[2] as number) - (counts[0] as number)]).toEqual([
      6, 14,
    ]);
    u.dispose();
  });
});

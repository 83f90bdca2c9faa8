import * as tf from '@tensorflow/tfjs-core';
// the chained-op typings (x.square()) that tfjs-core declares by module augmentation
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { checkGradients, describeBackends, expect, randomInput, test } from '@gradkit/test-harness';
import { registerGradients } from './index';

describeBackends('registered gradients', () => {
  test('tfjs-core’s Node build gets its gradients: d/dx [x/(x+1)] matches finite differences', async () => {
    await checkGradients({
      f: (x) => tf.div(x, tf.add(x, 1)),
      reference: (x) => x.map((v) => v / (v + 1)),
      inputs: [randomInput([5], 1, 0.5, 3)],
    });
  });

  test('chained ops are registered (x.square().sum())', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const s = tf.tidy(() => x.square().sum());
    expect(Array.from(await s.data())).toEqual([14]);
    tf.dispose([x, s]);
  });

  test('registering again registers nothing and keeps a user’s own gradient', () => {
    const installed = ['Sign', 'Round', 'BatchMatMul', 'Sin'].map((k) => tf.getGradient(k));
    expect(registerGradients()).toEqual([]);
    // the very same gradients stay installed, gradkit's own included
    expect(['Sign', 'Round', 'BatchMatMul', 'Sin'].map((k) => tf.getGradient(k))).toEqual(installed);
    ['Sign', 'Round', 'BatchMatMul', 'Sin'].forEach((k, i) => expect(tf.getGradient(k)).toBe(installed[i]));
    const mine = tf.getGradient('Sin');
    tf.unregisterGradient('Sin');
    tf.registerGradient({
      kernelName: 'Sin',
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => ({ x: () => tf.mul(dy as tf.Tensor, 0) }),
    });
    const custom = tf.getGradient('Sin');
    expect(registerGradients()).toEqual([]);
    expect(tf.getGradient('Sin')).toBe(custom);
    tf.unregisterGradient('Sin');
    tf.registerGradient(mine as tf.GradConfig);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, test } from '@gradkit/test-harness';
import { makeWasmIdentityShared } from './wasmSharedIdentity';

describeBackends('Identity on wasm shares memory (makeWasmIdentityShared)', (backend) => {
  test('a clone reads the same values, outlives its source, and the buffer is freed with the last reference', async () => {
    if (backend.name === 'wasm') makeWasmIdentityShared('wasm');
    const buffersBefore = tf.engine().backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    // on wasm (as on cpu and webgpu) the clone is the same buffer, counted twice
    if (backend.name === 'wasm') expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
  });

  test('gradients through saved tensors are unchanged: d/dx Σ (x·x) = 2x', async () => {
    const x = tf.tensor1d([1.5, -2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, v)))(x);
    expect(Array.from(await g.data())).toEqual([3, -4, 6]);
    tf.dispose([x, g]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, test } from '@gradkit/test-harness';
import { unrollBatchMajor } from './unroll';

describeBackends('unrollBatchMajor', () => {
  test('masks made by tensor ops over ≥ 1,000 positions (on webgpu: computed on the GPU, where tfjs 4.22 transposes a rank-3 bool tensor to zeros): steps past each length are skipped', async () => {
    // a running sum h′ = h + x over batch 40 × 25 steps (1,000 mask positions), lengths 0…39 (capped at 25)
    const [B, T] = [40, 25];
    const lengths = Array.from({ length: B }, (_, b) => Math.min(b, T));
    const xs = Array.from({ length: B * T }, (_, i) => ((i * 7) % 11) - 5);
    const x = tf.tensor3d(xs, [B, T, 1]);
    const h0 = tf.zeros([B, 1]) as tf.Tensor2D;
    const lengthsTensor = tf.tensor1d(lengths, 'int32');
    // as rnn() makes them: m[b, t] = t < length[b]
    const masks = tf.tidy(() =>
      tf.expandDims(tf.less(tf.expandDims(tf.range(0, T, 1, 'int32'), 0), tf.expandDims(lengthsTensor, 1)), 2),
    );
    const { outputs, final } = tf.tidy(() =>
      unrollBatchMajor(
        ([p], [h]) => {
          const next = tf.add(h as tf.Tensor2D, p as tf.Tensor2D) as tf.Tensor2D;
          return { output: next, state: [next] };
        },
        x,
        [1],
        [h0],
        masks,
      ),
    );
    const out = await outputs.data();
    const last = await (final[0] as tf.Tensor).data();
    for (let b = 0; b < B; b++) {
      let sum = 0;
      for (let t = 0; t < T; t++) {
        if (t < (lengths[b] as number)) sum += xs[b * T + t] as number;
        expect((out[b * T + t] as number) + 0).toBe(t < (lengths[b] as number) ? sum : 0);
      }
      expect(last[b]).toBe(sum);
    }
    tf.dispose([x, h0, lengthsTensor, masks, outputs, ...final]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, describeBackends, expect, randomInput, test } from '@gradkit/test-harness';
import { EMBEDDING_GRAD, embeddingGradOp } from './embeddingGrad';

/** ∂table[v, :] = Σ_{p : ids[p] = v} dy[p, :] in float64, from the formula. */
const scatterAdd =
  (ids: number[], V: number, dim: number) =>
  (dy: number[]): number[] => {
    const out = new Array<number>(V * dim).fill(0);
    ids.forEach((v, p) => {
      for (let d = 0; d < dim; d++) out[v * dim + d] = (out[v * dim + d] as number) + (dy[p * dim + d] as number);
    });
    return out;
  };

describeBackends('GradkitEmbeddingGrad (the embedding gradient: a scatter-add in ascending order)', (backend) => {
  test.each([
    [7, 5, 3], // fewer columns than a thread's block
    [4, 37, 40], // 40 columns: two full blocks of 16 and a partial one; every id repeated
  ])(
    '%i rows, %i positions, %i columns: equals a float64 scatter-add (ids repeated, one row never used); its gradient gathers',
    async (V, P, dim) => {
      // ids cycle through 0..V−2: row V−1 gets zeros
      const idValues = Array.from({ length: P }, (_, p) => (p * 3) % (V - 1));
      const ids = tf.tensor1d(idValues, 'int32');
      await checkGradients({
        f: (dy) => embeddingGradOp({ ids, dy }, { vocabulary: V }),
        reference: scatterAdd(idValues, V, dim),
        inputs: [randomInput([P, dim], 1, -1, 1)],
      });
      ids.dispose();
    },
  );

  test('the same inputs give the same bits: 2,560 positions over 65 rows, ten runs', async () => {
    const [V, P, dim] = [65, 2560, 48];
    const ids = tf.tensor1d(
      Array.from({ length: P }, (_, p) => (p * 7919) % V),
      'int32',
    );
    const dy = tf.randomUniform([P, dim], -1, 1, 'float32', 3);
    const runs = new Set<string>();
    for (let r = 0; r < 10; r++) {
      const g = embeddingGradOp({ ids, dy }, { vocabulary: V });
      const v = await g.data();
      g.dispose();
      runs.add(Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length)).join(','));
    }
    expect(runs.size).toBe(1);
    tf.dispose([ids, dy]);
  });

  if (backend.name === 'webgpu')
    test('webgpu has its own kernel (tfjs-webgpu scatters with atomics)', () => {
      expect(tf.getKernel(EMBEDDING_GRAD, 'webgpu')).toBeDefined();
    });
});

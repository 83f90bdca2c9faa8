import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  describeBackends,
  expect,
  expectValuesClose,
  randomInput,
  takeValues,
  test,
} from '@gradkit/test-harness';
import { sparseSoftmaxCrossEntropy, useKernels } from './index';
import { sparseCeOp } from './sparseSoftmaxCrossEntropy';

/** float64: log Σ_j exp(z_ij) − z_{i,y_i} per row, the max subtracted first. */
function reference(z: number[], labels: number[], c: number): number[] {
  return labels.map((y, i) => {
    const row = z.slice(i * c, (i + 1) * c);
    const max = Math.max(...row);
    return max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - (row[y] as number);
  });
}

describeBackends('sparseSoftmaxCrossEntropy', () => {
  const labels = [2, 0, 4, 4, 1];
  const [n, c] = [5, 6];

  test('the formula in plain numbers, and its gradient softmax − onehot by finite differences', async () => {
    await checkGradients({
      f: (z) => sparseSoftmaxCrossEntropy(labels, z as tf.Tensor2D),
      reference: (z) => reference(z, labels, c),
      inputs: [randomInput([n, c], 21, -3, 3)],
    });
  });

  test.each([true, false])(
    'the loss op (kernels %s: the registered kernel, else its reference) is the formula, its gradient finite differences',
    async (kernels) => {
      const previous = useKernels(kernels);
      try {
        await checkGradients({
          f: (z) => sparseCeOp({ logits: z as tf.Tensor, labels: tf.tensor1d(labels, 'int32') }, { classes: c }),
          reference: (z) => reference(z, labels, c),
          inputs: [randomInput([n, c], 23, -3, 3)],
        });
      } finally {
        useKernels(previous);
      }
    },
  );

  test('the same values and gradients as tfjs losses.softmaxCrossEntropy with one-hot labels', async () => {
    const z = tf.tensor2d(randomInput([n, c], 22, -4, 4).values, [n, c]);
    const dy = tf.tensor1d([1, -0.5, 2, 0.25, 3]);
    const ours = tf.tidy(() =>
      tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(sparseSoftmaxCrossEntropy(Int32Array.from(labels), x as tf.Tensor2D), dy)),
      )(z),
    );
    const theirs = tf.tidy(() =>
      tf.grad((x: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.losses.softmaxCrossEntropy(
              tf.oneHot(tf.tensor1d(labels, 'int32'), c),
              x,
              undefined,
              undefined,
              tf.Reduction.NONE,
            ),
            dy,
          ),
        ),
      )(z),
    );
    expectValuesClose(await takeValues(ours), await takeValues(theirs), { what: 'gradient' });
    const lossOurs = tf.tidy(() => sparseSoftmaxCrossEntropy(labels, z));
    const lossTheirs = tf.tidy(() =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(labels, 'int32'), c),
        z,
        undefined,
        undefined,
        tf.Reduction.NONE,
      ),
    );
    expectValuesClose(await takeValues(lossOurs), await takeValues(lossTheirs), { what: 'loss' });
    tf.dispose([z, dy]);
  });

  test('stable for logits far from zero (±1000): finite, and the float64 values', async () => {
    const values = [1000, 999, -1000, 0, -1000, -1001, 1e-3, 1000];
    const z = tf.tensor2d(values, [2, 4]);
    const got = await takeValues(tf.tidy(() => sparseSoftmaxCrossEntropy([1, 2], z)));
    expectValuesClose(got, reference(values, [1, 2], 4), { what: 'loss' });
    expect(got.every(Number.isFinite)).toBe(true);
    z.dispose();
  });

  test('bad input: one-line errors naming the value', () => {
    const z = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => sparseSoftmaxCrossEntropy([0], z)).toThrow(
      'sparseSoftmaxCrossEntropy: 1 labels for 2 rows of logits, expected one per row',
    );
    expect(() => sparseSoftmaxCrossEntropy([0, 3], z)).toThrow(
      'sparseSoftmaxCrossEntropy: labels[1] = 3, expected an integer in [0, 3)',
    );
    expect(() => sparseSoftmaxCrossEntropy([0.5, 1], z)).toThrow('labels[0] = 0.5, expected an integer in [0, 3)');
    const cube = tf.zeros([2, 3, 1]);
    expect(() => sparseSoftmaxCrossEntropy([0, 1], cube as never)).toThrow(
      'sparseSoftmaxCrossEntropy: logits have shape [2,3,1], expected [rows, classes]',
    );
    expect(() => sparseSoftmaxCrossEntropy([0, 1], [[1, 2]] as never)).toThrow(/sparseSoftmaxCrossEntropy: logits/);
    tf.dispose([z, cube]);
  });
  test('the labels 0 and C − 1 are accepted, −1 is not', async () => {
    const values = [0.5, -1, 2, 1, 0, -0.5];
    const z = tf.tensor2d(values, [2, 3]) as tf.Tensor2D;
    const got = await takeValues(tf.tidy(() => sparseSoftmaxCrossEntropy([0, 2], z)));
    expectValuesClose(got, reference(values, [0, 2], 3), { what: 'loss' });
    expect(() => sparseSoftmaxCrossEntropy([-1, 0], z)).toThrow(
      'sparseSoftmaxCrossEntropy: labels[0] = -1, expected an integer in [0, 3)',
    );
    expect(() => sparseSoftmaxCrossEntropy([0, 1], [[1, 2]] as never)).toThrow(
      'sparseSoftmaxCrossEntropy: logits is array of length 1, expected a tf.Tensor',
    );
    z.dispose();
  });
});

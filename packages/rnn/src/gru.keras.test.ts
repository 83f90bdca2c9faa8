import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectValuesClose, test, valuesOf } from '@gradkit/test-harness';
import { gruCell, rnn } from './index';

// Golden values: scripts/keras_gru_golden.py (Keras's reset_after GRU formulas, run through PyTorch's identical
// nn.GRU in float64 because Keras cannot be installed here). Inputs are 0.5·sin(k·scale + offset).
const golden = {
  outputs: [
    0.1975719, 0.195136, 0.049618, -0.0992965, 0.2585086, 0.3101529, 0.1283911, -0.1027868, 0.2770974, 0.3884805,
    0.2033631, -0.0707148, 0.282966, 0.4251187, 0.2394672, -0.0695279, 0.2862388, 0.4132859, 0.2187802, -0.117553,
    0.1973536, 0.1875576, 0.0358592, -0.1117425, 0.2602202, 0.289023, 0.0925053, -0.1434661, 0.2790321, 0.3677703,
    0.1690492, -0.1102615, 0.2837469, 0.4217698, 0.230602, -0.0746739, 0.2852923, 0.4343803, 0.2444508, -0.0871085,
  ],
  final: [0.2862388, 0.4132859, 0.2187802, -0.117553, 0.2852923, 0.4343803, 0.2444508, -0.0871085],
};
const values = (n: number, scale: number, offset: number) =>
  Array.from({ length: n }, (_, k) => Math.round(0.5 * Math.sin(k * scale + offset) * 1e6) / 1e6);

describeBackends('GRU from Keras-layout weights', () => {
  test("gives Keras's numbers (reset_after=True, kernel/recurrent_kernel/bias)", async () => {
    const [inp, units, batch, steps] = [3, 4, 2, 5];
    const weights = {
      kernel: tf.tensor2d(values(inp * 3 * units, 0.7, 0.1), [inp, 3 * units]),
      recurrentKernel: tf.tensor2d(values(units * 3 * units, 1.3, 0.2), [units, 3 * units]),
      bias: tf.tensor2d(values(2 * 3 * units, 0.9, 0.3), [2, 3 * units]),
    };
    const cell = gruCell({ inputSize: inp, units, weights, resetAfter: true });
    const x = tf.tensor3d(values(batch * steps * inp, 0.37, 0.4), [batch, steps, inp]);
    const { outputs, finalState } = rnn(cell, x);
    expectValuesClose(await valuesOf(outputs), golden.outputs, { rtol: 1e-5, atol: 2e-6 });
    expectValuesClose(await valuesOf(finalState[0] as tf.Tensor), golden.final, { rtol: 1e-5, atol: 2e-6 });
    tf.dispose([x, outputs, ...finalState, ...Object.values(weights)]);
    cell.dispose();
  });
});

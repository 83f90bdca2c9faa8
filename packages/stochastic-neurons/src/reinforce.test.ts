import * as tf from '@tensorflow/tfjs-core';
import {
  describeBackends,
  expect,
  expectValuesClose,
  randomInput,
  test,
  valuesOf,
  variableOf,
} from '@gradkit/test-harness';
import {
  createReinforceBaseline,
  disposeReinforceBaseline,
  reinforceBaselineValue,
  reinforceBinaryNeuron,
} from './index';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describeBackends('reinforceBinaryNeuron', () => {
  test('a given sample b: the output is b and ∂/∂a = (b − p)·(L − c) with c the baseline’s value, even after the caller disposed the output', async () => {
    const input = randomInput([4, 2], 3, -2, 2);
    const a = tf.tensor2d(input.values, [4, 2]);
    const bitsGiven = [1, 0, 0, 1, 1, 1, 0, 0];
    const sample = tf.tensor2d(bitsGiven, [4, 2]);
    const L = tf.tensor1d([1.5, 0.25, 2, 0.5]);
    const baseline = createReinforceBaseline(2, 0.9);
    // one update of the baseline's EMAs with this batch, in plain numbers (numerator 0 and denominator 1 at start)
    const diff = input.values.map((v, i) => (bitsGiven[i] as number) - sigmoid(v));
    const l = [1.5, 0.25, 2, 0.5];
    const c = [0, 1].map((u) => {
      const rows = [0, 1, 2, 3];
      const num = 0.1 * (rows.reduce((s, r) => s + (diff[r * 2 + u] as number) ** 2 * (l[r] as number), 0) / 4);
      const den = 0.9 + 0.1 * (rows.reduce((s, r) => s + (diff[r * 2 + u] as number) ** 2, 0) / 4);
      return num / (den + 1e-4);
    });
    let output: tf.Tensor | undefined;
    const g = tf.grad((x: tf.Tensor) => {
      const n = reinforceBinaryNeuron(x, { sample, baseline });
      output = tf.keep(tf.clone(n.output));
      n.output.dispose();
      return n.surrogate(L);
    })(a);
    expect(await valuesOf(output as tf.Tensor)).toEqual(bitsGiven);
    const want = diff.map((d, i) => d * ((l[Math.floor(i / 2)] as number) - (c[i % 2] as number)));
    expectValuesClose(await valuesOf(g), want, { rtol: 1e-4, atol: 1e-6 });
    const value = reinforceBaselineValue(baseline);
    expectValuesClose(await valuesOf(value), c, { rtol: 1e-4, atol: 1e-7 });
    const wide = tf.zeros([4, 3]);
    expect(() => reinforceBinaryNeuron(a, { sample: wide })).toThrow(
      "reinforceBinaryNeuron: sample has shape [4,3], expected a's [4,2]",
    );
    tf.dispose([a, sample, L, g, value, wide, output as tf.Tensor]);
    disposeReinforceBaseline(baseline);
  });

  test('∂/∂a = (b − p)·(L − c) with c = 0, whatever the upstream gradient', async () => {
    const input = randomInput([5, 3], 1, -2, 2);
    const a = tf.tensor2d(input.values, [5, 3]);
    const L = tf.tensor1d([0.5, 2, 1, 0, 3]);
    let bits: tf.Tensor | undefined;
    const g = tf.grad((x: tf.Tensor) => {
      const n = reinforceBinaryNeuron(x, { randomness: 9 });
      bits = tf.keep(tf.clone(n.output));
      // the upstream gradient through b (×1000) is ignored
      return tf.add(tf.mul(tf.sum(n.output), 1000), n.surrogate(L));
    })(a);
    const b = await valuesOf(bits as tf.Tensor);
    const l = await valuesOf(L);
    const want = input.values.map((v, i) => ((b[i] as number) - sigmoid(v)) * (l[Math.floor(i / 3)] as number));
    expectValuesClose(await valuesOf(g), want);
    tf.dispose([a, L, g, bits as tf.Tensor]);
  });

  test('variance-adjusted baseline: the EMAs and c = num/(den + 1e-4) match a plain re-computation', async () => {
    const baseline = createReinforceBaseline(2, 0.95);
    let num = [0, 0];
    let den = [1, 1];
    for (let step = 0; step < 3; step++) {
      const input = randomInput([4, 2], 10 + step, -2, 2);
      const a = tf.tensor2d(input.values, [4, 2]);
      const L = tf.tensor1d([1, 2, 0.5, 3].map((v) => v * (step + 1)));
      let bits: tf.Tensor | undefined;
      const g = tf.grad((x: tf.Tensor) => {
        const n = reinforceBinaryNeuron(x, { randomness: 20 + step, baseline });
        bits = tf.keep(tf.clone(n.output));
        return n.surrogate(L);
      })(a);
      const b = await valuesOf(bits as tf.Tensor);
      const l = await valuesOf(L);
      const diff = input.values.map((v, i) => (b[i] as number) - sigmoid(v));
      num = num.map(
        (v, j) =>
          0.95 * v +
          (0.05 * [0, 1, 2, 3].reduce((s, r) => s + (diff[r * 2 + j] as number) ** 2 * (l[r] as number), 0)) / 4,
      );
      den = den.map(
        (v, j) => 0.95 * v + (0.05 * [0, 1, 2, 3].reduce((s, r) => s + (diff[r * 2 + j] as number) ** 2, 0)) / 4,
      );
      const c = num.map((v, j) => v / ((den[j] as number) + 1e-4));
      expectValuesClose(
        await valuesOf(g),
        diff.map((d, i) => d * ((l[Math.floor(i / 2)] as number) - (c[i % 2] as number))),
        { rtol: 1e-4, atol: 1e-6 },
      );
      expectValuesClose(await valuesOf(baseline.numerator), num, { rtol: 1e-4, atol: 1e-7 });
      expectValuesClose(await valuesOf(baseline.denominator), den, { rtol: 1e-5, atol: 1e-7 });
      tf.dispose([a, L, g, bits as tf.Tensor]);
    }
    disposeReinforceBaseline(baseline);
  });

  test('unbiased: the Monte Carlo mean is within 3 standard errors of d/dθ E[L]', async () => {
    // One neuron, a = θ for every sample; L(b) = (b − 0.3)². E[L] = p·0.49 + (1 − p)·0.09, so
    // dE[L]/dθ = σ′(θ)·0.4 = p(1 − p)·0.4.
    const theta = variableOf([0.4]);
    const n = 20000;
    let bits: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const a = tf.mul(tf.ones([n, 1]), theta);
      const neuron = reinforceBinaryNeuron(a, { randomness: 77 });
      bits = tf.keep(tf.clone(neuron.output));
      const L = tf.reshape(tf.square(tf.sub(neuron.output, 0.3)), [n]);
      return neuron.surrogate(L);
    }, [theta]);
    const estimate = ((await valuesOf(grads[theta.name] as tf.Tensor))[0] as number) / n;
    const p = sigmoid(0.4);
    const samples = (await valuesOf(bits as tf.Tensor)).map((b) => (b - p) * (b - 0.3) ** 2);
    const mean = samples.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(samples.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    // the estimator is exactly the mean of the per-sample (b − p)·L (float32 summation of 20,000 terms)
    expect(Math.abs(estimate - mean)).toBeLessThan(1e-3 * Math.abs(mean));
    expect(Math.abs(estimate - p * (1 - p) * 0.4)).toBeLessThan((3 * sd) / Math.sqrt(n));
    tf.dispose([value, theta, grads as never, bits as tf.Tensor]);
  });

  test('inside an optimizer step and deterministic evaluation', async () => {
    const w = variableOf([[0.1, -0.2, 0.3]]);
    const x = tf.ones([8, 1]);
    const sgd = tf.train.sgd(0.1);
    const before = await valuesOf(w);
    sgd.minimize(() => {
      const n = reinforceBinaryNeuron(tf.matMul(x, w), { randomness: 3 });
      const L = tf.sum(tf.square(tf.sub(n.output, 1)), 1);
      return tf.add(tf.sum(L), n.surrogate(L));
    });
    expect(await valuesOf(w)).not.toEqual(before);
    const a = tf.matMul(x, w);
    const det = reinforceBinaryNeuron(a, { stochastic: false });
    // deterministic evaluation rounds p = σ(a)
    expect(await valuesOf(det.output)).toEqual((await valuesOf(a)).map((v) => Math.round(sigmoid(v))));
    const zeros = tf.zeros([8]);
    expect(() => det.surrogate(zeros)).toThrow(/no REINFORCE gradient for a deterministic/);
    tf.dispose([w, x, a, zeros, det.output]);
    sgd.dispose();
  });
});

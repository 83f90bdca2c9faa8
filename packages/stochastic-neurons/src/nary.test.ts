import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  checkPseudoGradient,
  describeBackends,
  expect,
  randomInput,
  takeValues,
  test,
} from '@gradkit/test-harness';
import { naryNeuron, ternaryActivation, ternaryNeuron } from './index';

const f = (x: number) => 1.5 * Math.tanh(x) + 0.5 * Math.tanh(-3 * x);
const fPrime = (x: number) => 1.5 * (1 - Math.tanh(x) ** 2) - 1.5 * (1 - Math.tanh(3 * x) ** 2);

describeBackends('ternary and n-ary neurons', () => {
  test('ternary activation: f(x) = 1.5·tanh(x) + 0.5·tanh(−3x), its gradient by finite differences, f′(0) = 0', async () => {
    await checkGradients({
      f: (x) => ternaryActivation(x),
      reference: (x) => x.map(f),
      inputs: [randomInput([10], 1, -3, 3)],
    });
    expect(fPrime(0)).toBe(0);
  });

  test('deterministic: round(f(a)) ∈ {−1, 0, 1}; backward ∂L/∂a = ∂L/∂out · f′(a)', async () => {
    await checkPseudoGradient({
      f: (a) => ternaryNeuron(a, { stochastic: false }),
      inputs: [randomInput([4, 6], 2, -3, 3)],
      forward: (a) => a.map((v) => Math.round(f(v))),
      expected: ([a], u) => [(a as number[]).map((v, i) => (u[i] as number) * fPrime(v))],
      tolerance: { rtol: 1e-4, atol: 1e-6 },
    });
  });

  test('stochastic: only the two neighbouring levels, the upper one with probability frac(f(a)) (binomial test)', async () => {
    const inputs = [-1, -0.3, 0.2, 0.9];
    const n = 3000;
    const a = tf.tidy(() => tf.tile(tf.tensor2d([inputs]), [n, 1]));
    const out = await takeValues(ternaryNeuron(a, { randomness: 4 }));
    inputs.forEach((x, j) => {
      const v = f(x);
      const low = Math.floor(v);
      const column = out.filter((_, i) => i % inputs.length === j);
      expect(column.every((o) => o === low || o === low + 1)).toBe(true);
      const r = v - low;
      const freq = column.filter((o) => o === low + 1).length / n;
      expect(Math.abs(freq - r)).toBeLessThan(4 * Math.sqrt((r * (1 - r)) / n) + 1e-9);
    });
    a.dispose();
  });

  test('n-ary with a custom activation: 2·sigmoid gives levels 0, 1, 2 and the sigmoid’s gradient', async () => {
    const s = (x: number) => 2 / (1 + Math.exp(-x));
    await checkPseudoGradient({
      f: (a) => naryNeuron(a, { activation: (x) => tf.mul(tf.sigmoid(x), 2), stochastic: false }),
      inputs: [randomInput([3, 4], 5, -4, 4)],
      forward: (a) => a.map((v) => Math.round(s(v))),
      expected: ([a], u) => [(a as number[]).map((v, i) => (u[i] as number) * s(v) * (1 - s(v) / 2))],
      tolerance: { rtol: 1e-4, atol: 1e-6 },
    });
  });
});

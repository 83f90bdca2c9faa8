import * as tf from '@tensorflow/tfjs-core';
import {
  checkPseudoGradient,
  describeBackends,
  expect,
  expectValuesClose,
  randomInput,
  takeValues,
  test,
  valuesOf,
} from '@gradkit/test-harness';
import { oneHotNeuron, SeedStream } from './index';

function softmaxRows(z: number[], d: number, tau: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < z.length / d; r++) {
    const row = z.slice(r * d, (r + 1) * d).map((v) => v / tau);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

/** The softmax Jacobian applied to u, per group: (1/τ)·ŷ_j·(u_j − Σ_k ŷ_k·u_k). */
function softmaxVjp(y: number[], u: number[], d: number, tau: number): number[] {
  return y.map((yj, i) => {
    const r = Math.floor(i / d);
    const dot = y.slice(r * d, (r + 1) * d).reduce((s, yk, k) => s + yk * (u[r * d + k] as number), 0);
    return (yj * ((u[i] as number) - dot)) / tau;
  });
}

describeBackends('oneHotNeuron', () => {
  test('outputs are exactly one-hot per group; argmax when deterministic', async () => {
    const z = randomInput([5, 12], 1, -2, 2);
    const t = tf.tensor2d(z.values, [5, 12]);
    for (const stochastic of [true, false]) {
      const out = await takeValues(tf.tidy(() => oneHotNeuron(t, { categories: 4, stochastic, randomness: 2 })));
      for (let g = 0; g < 15; g++) {
        const group = out.slice(g * 4, g * 4 + 4);
        expect(group.filter((v) => v === 1)).toHaveLength(1);
        expect(group.filter((v) => v === 0)).toHaveLength(3);
        if (!stochastic) {
          const logits = z.values.slice(g * 4, g * 4 + 4);
          expect(group.indexOf(1)).toBe(logits.indexOf(Math.max(...logits)));
        }
      }
    }
    t.dispose();
  });

  test('sampling frequencies match softmax(z/τ) (per-category binomial test, fixed seed)', async () => {
    const logits = [1, 0, -1, 0.5];
    const tau = 0.7;
    const n = 3000;
    const z = tf.tidy(() => tf.tile(tf.tensor2d([logits]), [n, 1]));
    const out = await takeValues(
      tf.tidy(() => oneHotNeuron(z, { categories: 4, temperature: tau, randomness: new SeedStream(11) })),
    );
    const p = softmaxRows(logits, 4, tau);
    p.forEach((pj, j) => {
      const freq = out.filter((v, i) => i % 4 === j && v === 1).length / n;
      expect(Math.abs(freq - pj)).toBeLessThan(4 * Math.sqrt((pj * (1 - pj)) / n));
    });
    z.dispose();
  });

  test("Gumbel-softmax's hard sample is distributed as softmax(z) at any τ (argmax(z + g) does not see τ)", async () => {
    const logits = [1, 0, -1, 0.5];
    const n = 3000;
    const z = tf.tidy(() => tf.tile(tf.tensor2d([logits]), [n, 1]));
    const p = softmaxRows(logits, 4, 1);
    for (const tau of [0.5, 2]) {
      const out = await takeValues(
        tf.tidy(() =>
          oneHotNeuron(z, {
            categories: 4,
            temperature: tau,
            estimator: 'gumbel-softmax',
            randomness: new SeedStream(13),
          }),
        ),
      );
      p.forEach((pj, j) => {
        const freq = out.filter((v, i) => i % 4 === j && v === 1).length / n;
        expect(Math.abs(freq - pj)).toBeLessThan(4 * Math.sqrt((pj * (1 - pj)) / n));
      });
    }
    z.dispose();
  });

  test('straight-through backward: the softmax Jacobian of softmax(z/τ) applied to ∂L/∂out', async () => {
    const tau = 0.5;
    await checkPseudoGradient({
      f: (z) => oneHotNeuron(z, { categories: 3, temperature: tau, randomness: 5 }),
      inputs: [randomInput([2, 6], 3, -2, 2)],
      expected: ([z], u) => [softmaxVjp(softmaxRows(z as number[], 3, tau), u, 3, tau)],
      tolerance: { rtol: 1e-4, atol: 1e-6 },
    });
  });

  test('Gumbel-softmax: relaxed output sums to 1 per group; hard output is its argmax with the relaxed gradient', async () => {
    const tau = 0.8;
    const zIn = randomInput([3, 8], 6, -2, 2);
    const z = tf.tensor2d(zIn.values, [3, 8]);
    const u = tf.tensor2d(randomInput([3, 8], 7).values, [3, 8]);
    // the same seed gives the same Gumbel noise, so the relaxed output is the y behind the hard one
    const relaxed = tf.tidy(() =>
      oneHotNeuron(z, {
        categories: 4,
        temperature: tau,
        estimator: 'gumbel-softmax-relaxed',
        randomness: new SeedStream(9),
      }),
    );
    const y = await valuesOf(relaxed);
    for (let g = 0; g < 6; g++) expect(y.slice(g * 4, g * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const hard = await takeValues(
      tf.tidy(() =>
        oneHotNeuron(z, {
          categories: 4,
          temperature: tau,
          estimator: 'gumbel-softmax',
          randomness: new SeedStream(9),
        }),
      ),
    );
    for (let g = 0; g < 6; g++) {
      const ys = y.slice(g * 4, g * 4 + 4);
      expect(hard.slice(g * 4, g * 4 + 4).indexOf(1)).toBe(ys.indexOf(Math.max(...ys)));
    }
    const gHard = tf.grad((x: tf.Tensor) =>
      oneHotNeuron(x, { categories: 4, temperature: tau, estimator: 'gumbel-softmax', randomness: new SeedStream(9) }),
    )(z, u);
    const gRelaxed = tf.grad((x: tf.Tensor) =>
      oneHotNeuron(x, {
        categories: 4,
        temperature: tau,
        estimator: 'gumbel-softmax-relaxed',
        randomness: new SeedStream(9),
      }),
    )(z, u);
    const uv = await valuesOf(u);
    expectValuesClose(await valuesOf(gHard), softmaxVjp(y, uv, 4, tau), { rtol: 1e-4, atol: 1e-6 });
    expectValuesClose(await valuesOf(gRelaxed), softmaxVjp(y, uv, 4, tau), { rtol: 1e-4, atol: 1e-6 });
    tf.dispose([z, u, relaxed, gHard, gRelaxed]);
  });

  test('bad shapes and options are one-line errors', () => {
    const z = tf.zeros([2, 10]);
    expect(() => oneHotNeuron(z, { categories: 3 })).toThrow(
      'oneHotNeuron: z has shape [2,10], expected [batch, k·3] (a multiple of categories = 3)',
    );
    expect(() => oneHotNeuron(z, { categories: 5, temperature: 0 })).toThrow(
      'oneHotNeuron: temperature = 0, expected a finite number > 0',
    );
    expect(() => oneHotNeuron(z, { categories: 1 })).toThrow('oneHotNeuron: categories = 1, expected an integer ≥ 2');
    z.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import {
  describe,
  describeBackends,
  expect,
  expectValuesClose,
  randomInput,
  takeValues,
  test,
  valuesOf,
} from '@gradkit/test-harness';
import {
  binaryNeuron,
  BinaryNeuronLayer,
  createReinforceBaseline,
  disposeReinforceBaseline,
  naryNeuron,
  oneHotNeuron,
  OneHotNeuronLayer,
  reinforceBinaryNeuron,
  SeedStream,
  SlopeAnnealing,
  ternaryNeuron,
  TernaryNeuronLayer,
} from './index';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const ternary = (x: number) => 1.5 * Math.tanh(x) + 0.5 * Math.tanh(-3 * x);

/** A SeedStream whose "noise" is given values (cycled to the requested shape): exact control of U. */
class FixedStream extends SeedStream {
  constructor(private readonly values: number[]) {
    super(0);
  }

  override uniform(shape: number[]): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(
      Array.from({ length: n }, (_, i) => this.values[i % this.values.length] as number),
      shape,
    );
  }
}

describeBackends('stochastic neurons: options and defaults', () => {
  test('slopes: zero, negative, infinite and NaN slopes are rejected by every neuron that takes one', () => {
    const a = tf.zeros([2, 2]);
    for (const slope of [0, -1, Infinity, Number.NaN]) {
      expect(() => binaryNeuron(a, { estimator: 'sigmoid-adjusted', slope })).toThrow(
        `binaryNeuron: slope = ${slope}, expected a finite number > 0`,
      );
      expect(() => reinforceBinaryNeuron(a, { slope })).toThrow(
        `reinforceBinaryNeuron: slope = ${slope}, expected a finite number > 0`,
      );
    }
    a.dispose();
  });

  test('binaryNeuron: stochastic is the default, deterministic rounds; the slope sharpens p = σ(m·a) (binomial test)', async () => {
    const n = 4000;
    const a = tf.fill([n, 2], 0.5);
    const p1 = sigmoid(0.5);
    const p3 = sigmoid(1.5);
    const [soft, sharp] = await Promise.all(
      [undefined, 3].map((slope) =>
        takeValues(binaryNeuron(a, { estimator: 'pass-through', randomness: 17, ...(slope ? { slope } : {}) })),
      ),
    );
    const freq = (bits: number[]) => bits.reduce((s, v) => s + v, 0) / bits.length;
    const se = (p: number) => Math.sqrt((p * (1 - p)) / (2 * n));
    expect(Math.abs(freq(soft as number[]) - p1)).toBeLessThan(4.5 * se(p1));
    expect(Math.abs(freq(sharp as number[]) - p3)).toBeLessThan(4.5 * se(p3));
    expect(await takeValues(binaryNeuron(a, { estimator: 'pass-through', stochastic: false }))).toEqual(
      new Array(2 * n).fill(1),
    );
    a.dispose();
  });

  test('unseeded noise differs from call to call (neurons, layers)', async () => {
    const a = tf.zeros([40, 10]); // p = 1/2: 400 fair bits
    const [x, y] = await Promise.all([0, 1].map(() => takeValues(binaryNeuron(a, { estimator: 'pass-through' }))));
    expect(x).not.toEqual(y);
    const [l1, l2] = [new BinaryNeuronLayer(), new BinaryNeuronLayer()];
    const [u, v] = await Promise.all([l1, l2].map((l) => takeValues(l.apply(a, { training: true }) as tf.Tensor)));
    expect(u).not.toEqual(v);
    a.dispose();
  });

  test('n-ary: stochastic by default, deterministic rounds f(a); ternaryNeuron keeps the options it is given', async () => {
    const input = randomInput([300, 4], 31, -2, 2);
    const a = tf.tensor2d(input.values, [300, 4]);
    const rounded = input.values.map((v) => Math.round(ternary(v)));
    expect(await takeValues(ternaryNeuron(a, { stochastic: false }))).toEqual(rounded);
    expect(await takeValues(naryNeuron(a, { stochastic: false }))).toEqual(rounded);
    // stochastic by default: some outputs are the other neighbouring level
    const sampled = await takeValues(naryNeuron(a, { randomness: 3 }));
    expect(sampled).not.toEqual(rounded);
    // the same seed through ternaryNeuron and naryNeuron: the same samples
    expect(await takeValues(ternaryNeuron(a, { randomness: 3 }))).toEqual(sampled);
    a.dispose();
  });

  test('oneHotNeuron: bad options are one-line errors; two categories and τ > 0 are accepted', async () => {
    const z = tf.zeros([2, 6]);
    const z1 = tf.zeros([6]);
    const z3 = tf.zeros([1, 2, 6]);
    expect(() => oneHotNeuron(z, { categories: 1.5 })).toThrow(
      'oneHotNeuron: categories = 1.5, expected an integer ≥ 2',
    );
    expect(() => oneHotNeuron(z1, { categories: 2 })).toThrow(
      'oneHotNeuron: z has shape [6], expected [batch, k·2] (a multiple of categories = 2)',
    );
    expect(() => oneHotNeuron(z3, { categories: 2 })).toThrow(
      'oneHotNeuron: z has shape [1,2,6], expected [batch, k·2] (a multiple of categories = 2)',
    );
    for (const temperature of [-1, Infinity, Number.NaN])
      expect(() => oneHotNeuron(z, { categories: 2, temperature })).toThrow(
        `oneHotNeuron: temperature = ${temperature}, expected a finite number > 0`,
      );
    expect(() => oneHotNeuron(z, { categories: 2, estimator: 'hard' as never })).toThrow(
      `oneHotNeuron: estimator = "hard", expected 'straight-through', 'gumbel-softmax' or 'gumbel-softmax-relaxed'`,
    );
    const out = await takeValues(oneHotNeuron(z, { categories: 2, temperature: 1e-3, randomness: 1 }));
    for (let g = 0; g < 6; g++) expect((out[2 * g] as number) + (out[2 * g + 1] as number)).toBe(1);
    tf.dispose([z, z1, z3]);
  });

  test('Gumbel noise by hand: G = −log(−log U′), U′ = U·(1 − 2e-7) + 1e-7, finite for U = 0 and U → 1', async () => {
    // relaxed Gumbel-softmax with z = 0: y = softmax(G/τ) per group
    const us = [0, 0.25, 0.5, 0.75, 0.1, 1 - 2 ** -24, 0.9, 0.6];
    const tau = 0.5;
    const z = tf.zeros([2, 8]);
    const y = await takeValues(
      oneHotNeuron(z, {
        categories: 4,
        temperature: tau,
        estimator: 'gumbel-softmax-relaxed',
        randomness: new FixedStream(us),
      }),
    );
    expect(y.every(Number.isFinite)).toBe(true);
    const g = us.map((u) => -Math.log(-Math.log(u * (1 - 2e-7) + 1e-7)));
    const want: number[] = [];
    for (let r = 0; r < 4; r++) {
      const row = g.slice((r * 4) % 8, ((r * 4) % 8) + 4).map((v) => v / tau);
      const top = Math.max(...row);
      const e = row.map((v) => Math.exp(v - top));
      const s = e.reduce((a, b) => a + b, 0);
      want.push(...e.map((v) => v / s));
    }
    expectValuesClose(y, want, { rtol: 1e-3, atol: 1e-5 });
    // the hard Gumbel-softmax: onehot(argmax((z + G)/τ)), the largest G of each group
    const hard = await takeValues(
      oneHotNeuron(z, { categories: 4, estimator: 'gumbel-softmax', randomness: new FixedStream(us) }),
    );
    const winners: number[] = [];
    for (let r = 0; r < 4; r++) {
      const row = g.slice((r * 4) % 8, ((r * 4) % 8) + 4);
      winners.push(...row.map((v) => (v === Math.max(...row) ? 1 : 0)));
    }
    expect(hard).toEqual(winners);
    z.dispose();
  });

  test('straight-through sampling adds G to z/τ (not G/τ): a given U picks the category by hand', async () => {
    // z/τ + G with τ = 0.25: z = [0, 0.5] → z/τ = [0, 2]; U = [0.9, 0.2] → G ≈ [2.25, −0.48]: 2.25 < 1.52 is false →
    // category 0 wins; with G/τ it would be [9.0, −1.9] and z/τ + G/τ = [9.0, 0.1]: also 0. U = [0.6, 0.4]:
    // G ≈ [0.67, 0.087]; z/τ + G = [0.67, 2.09] → 1; z/τ + G/τ = [2.68, 2.35] → 0.
    const z = tf.tensor2d([[0, 0.5]]);
    const pick = async (us: number[]) =>
      takeValues(oneHotNeuron(z, { categories: 2, temperature: 0.25, randomness: new FixedStream(us) }));
    const gumbel = (u: number) => -Math.log(-Math.log(u * (1 - 2e-7) + 1e-7));
    for (const us of [
      [0.9, 0.2],
      [0.6, 0.4],
    ]) {
      const [s0, s1] = [0 / 0.25 + gumbel(us[0] as number), 0.5 / 0.25 + gumbel(us[1] as number)];
      const want = s0 > s1 ? [1, 0] : [0, 1];
      expect(await pick(us)).toEqual(want);
    }
    z.dispose();
  });
});

describeBackends('stochastic-neuron layers: options', () => {
  test('configuration: defaults, and the seed only when given', () => {
    const b = new BinaryNeuronLayer();
    expect(b.getConfig()).toEqual({
      name: b.name,
      trainable: true,
      stochastic: true,
      stochasticAtInference: false,
      estimator: 'sigmoid-adjusted',
      slope: 1,
    });
    // an unseeded layer's configuration has no seed entry at all (not even an undefined one)
    expect('seed' in b.getConfig()).toBe(false);
    const t = new TernaryNeuronLayer({ seed: 4, stochastic: false, stochasticAtInference: true });
    expect(t.getConfig()).toEqual({
      name: t.name,
      trainable: true,
      stochastic: false,
      stochasticAtInference: true,
      seed: 4,
    });
    const o = new OneHotNeuronLayer({ categories: 2 });
    expect(o.getConfig()).toEqual({
      name: o.name,
      trainable: true,
      stochastic: true,
      stochasticAtInference: false,
      categories: 2,
      temperature: 1,
      estimator: 'straight-through',
    });
    const o2 = new OneHotNeuronLayer({ categories: 3, temperature: 0.5, estimator: 'gumbel-softmax' });
    expect([o2.temperature, o2.estimator]).toEqual([0.5, 'gumbel-softmax']);
    expect(new BinaryNeuronLayer({ estimator: 'pass-through', slope: 2 }).getConfig()).toMatchObject({
      estimator: 'pass-through',
      slope: 2,
    });
    expect(() => new OneHotNeuronLayer({ categories: 1 })).toThrow(
      'OneHotNeuronLayer: categories = 1, expected an integer ≥ 2',
    );
    expect(() => new OneHotNeuronLayer({ categories: 2.5 })).toThrow(
      'OneHotNeuronLayer: categories = 2.5, expected an integer ≥ 2',
    );
  });

  test('sampling in training and at inference follows stochastic / stochasticAtInference; a one-element input list works', async () => {
    // binary at a = 0: p = 1/2, rounded (half to even) to 0; ternary at a = 0.3: f = 0.079, rounded to 0, sampled
    // 1 with probability 0.079 (all 300 zeros: 0.921³⁰⁰ ≈ 2e-11)
    const zeros = new Array(300).fill(0);
    for (const [make, value] of [
      [(args: object) => new BinaryNeuronLayer({ seed: 2, ...args }), 0],
      [(args: object) => new TernaryNeuronLayer({ seed: 2, ...args }), 0.3],
    ] as const) {
      const a = tf.fill([30, 10], value);
      const run = (l: { apply: (x: tf.Tensor | tf.Tensor[], k: object) => unknown }, training: boolean, list = false) =>
        takeValues(l.apply(list ? [a] : a, { training }) as tf.Tensor);
      const plain = make({});
      expect(await run(plain, true)).not.toEqual(zeros);
      expect(await run(plain, false)).toEqual(zeros);
      expect(await run(plain, false, true)).toEqual(zeros);
      const det = make({ stochastic: false });
      expect(await run(det, true)).toEqual(zeros);
      expect(await run(det, true, true)).toEqual(zeros);
      const always = make({ stochasticAtInference: true });
      expect(await run(always, false)).not.toEqual(zeros);
      a.dispose();
    }
    // one-hot: deterministic is the argmax (the first of equal logits); sampled is not always that
    const z = tf.tensor2d(
      Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 0.1 : 0)),
      [30, 10],
    );
    const first = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const oh = new OneHotNeuronLayer({ categories: 2, seed: 2 });
    expect(await takeValues(oh.apply(z, { training: false }) as tf.Tensor)).toEqual(first);
    expect(await takeValues(oh.apply([z], { training: false }) as tf.Tensor)).toEqual(first);
    expect(await takeValues(oh.apply(z, { training: true }) as tf.Tensor)).not.toEqual(first);
    z.dispose();
  });

  test("the binary layer's slope and estimator reach the neuron: ∂out/∂a = m·σ′(m·a) (sigmoid-adjusted) or 1", async () => {
    const input = randomInput([3, 4], 41, -2, 2);
    const a = tf.tensor2d(input.values, [3, 4]);
    const layer = new BinaryNeuronLayer({ seed: 1 });
    layer.slope = 2.5;
    const g = tf.grad((x: tf.Tensor) => layer.apply(x, { training: true }) as tf.Tensor)(a);
    const m = 2.5;
    expectValuesClose(
      await takeValues(g),
      input.values.map((v) => m * sigmoid(m * v) * (1 - sigmoid(m * v))),
      { rtol: 1e-4, atol: 1e-6 },
    );
    const pass = new BinaryNeuronLayer({ seed: 1, estimator: 'pass-through', slope: 2.5 });
    const gp = tf.grad((x: tf.Tensor) => pass.apply(x, { training: true }) as tf.Tensor)(a);
    expect(await takeValues(gp)).toEqual(new Array(12).fill(1));
    a.dispose();
  });
});

describeBackends('reinforce: options', () => {
  test('createReinforceBaseline: bad units and decays are one-line errors; the boundary values are accepted', async () => {
    for (const units of [0, 1.5])
      expect(() => createReinforceBaseline(units)).toThrow(
        `createReinforceBaseline: units = ${units}, expected a positive integer`,
      );
    for (const decay of [-0.01, 1, Number.NaN])
      expect(() => createReinforceBaseline(2, decay)).toThrow(
        `createReinforceBaseline: decay = ${decay}, expected a number in [0, 1)`,
      );
    const b = createReinforceBaseline(1);
    expect(b.decay).toBe(0.95);
    expect(b.numerator.trainable).toBe(false);
    expect(b.denominator.trainable).toBe(false);
    expect([await valuesOf(b.numerator), await valuesOf(b.denominator)]).toEqual([[0], [1]]);
    const z = createReinforceBaseline(3, 0);
    expect(z.decay).toBe(0);
    disposeReinforceBaseline(b);
    disposeReinforceBaseline(z);
  });

  test('reinforceBinaryNeuron: shapes are checked, one-line errors; deterministic neurons have no surrogate', async () => {
    const a = tf.zeros([4, 2]);
    const a1 = tf.zeros([4, 2, 1]);
    const baseline = createReinforceBaseline(3);
    expect(() => reinforceBinaryNeuron(a1)).toThrow(
      'reinforceBinaryNeuron: a has shape [4,2,1], expected [batch, units]',
    );
    expect(() => reinforceBinaryNeuron(a, { baseline })).toThrow(
      'reinforceBinaryNeuron: the baseline has 3 units, a has 2',
    );
    const det = reinforceBinaryNeuron(a, { stochastic: false, baseline: null });
    expect(await valuesOf(det.output)).toEqual(new Array(8).fill(0));
    const L = tf.zeros([4]);
    expect(() => det.surrogate(L)).toThrow(
      'reinforceBinaryNeuron: no REINFORCE gradient for a deterministic (stochastic: false) neuron',
    );
    const bad = [tf.zeros([3]), tf.zeros([4, 1])];
    tf.tidy(() => {
      const n = reinforceBinaryNeuron(a, { randomness: 1 });
      expect(() => n.surrogate(bad[0] as tf.Tensor)).toThrow(
        'reinforceBinaryNeuron: per-example loss has shape [3], expected [4]',
      );
      expect(() => n.surrogate(bad[1] as tf.Tensor)).toThrow(
        'reinforceBinaryNeuron: per-example loss has shape [4,1], expected [4]',
      );
      // a stochastic neuron is the default
      expect(n.surrogate(L).shape).toEqual([]);
    });
    tf.dispose([a, a1, L, det.output, ...bad]);
    disposeReinforceBaseline(baseline);
  });

  test('reinforceBinaryNeuron: the slope enters p = σ(m·a): ∂/∂a = (b − σ(m·a))·L for a given b', async () => {
    const input = randomInput([3, 2], 51, -1, 1);
    const a = tf.tensor2d(input.values, [3, 2]);
    const bits = [1, 0, 1, 1, 0, 0];
    const sample = tf.tensor2d(bits, [3, 2]);
    const L = tf.tensor1d([0.5, 1, 2]);
    const g = tf.grad((x: tf.Tensor) => reinforceBinaryNeuron(x, { slope: 3, sample }).surrogate(L))(a);
    const want = input.values.map(
      (v, i) => ((bits[i] as number) - sigmoid(3 * v)) * ([0.5, 1, 2][Math.floor(i / 2)] as number),
    );
    expectValuesClose(await takeValues(g), want, { rtol: 1e-4, atol: 1e-6 });
    tf.dispose([a, sample, L]);
  });
});

describe('SlopeAnnealing options', () => {
  test('bad options are one-line errors; defaults: initial 1, both scopes; epochs are counted', () => {
    for (const rate of [0, Infinity, Number.NaN])
      expect(() => new SlopeAnnealing({ rate })).toThrow(
        `SlopeAnnealing: rate = ${rate}, expected a finite number > 0`,
      );
    for (const initial of [0, -2, Infinity])
      expect(() => new SlopeAnnealing({ rate: 2, initial })).toThrow(
        `SlopeAnnealing: initial = ${initial}, expected a finite number > 0`,
      );
    expect(() => new SlopeAnnealing({ rate: 2, scope: 'training' as never })).toThrow(
      `SlopeAnnealing: scope = "training", expected 'training-and-evaluation' or 'evaluation-only'`,
    );
    const s = new SlopeAnnealing({ rate: 2, initial: 0.5 });
    expect([s.slope, s.epochsDone, s.scope, s.rate]).toEqual([0.5, 0, 'training-and-evaluation', 2]);
    s.step();
    s.step();
    expect([s.slope, s.epochsDone]).toEqual([2, 2]);
    expect([s.slopeFor(true), s.slopeFor(false), s.temperatureFor(true)]).toEqual([2, 2, 0.5]);
    const d = new SlopeAnnealing({ rate: 0.5 });
    expect(d.slope).toBe(1);
    d.step();
    expect(d.slope).toBe(0.5);
    const e = new SlopeAnnealing({ rate: 3, scope: 'evaluation-only' });
    e.step();
    expect([e.slopeFor(true), e.slopeFor(false), e.temperatureFor(true)]).toEqual([1, 3, 1]);
  });
});

describe('SeedStream', () => {
  test('the seed must be an integer; a stream gives distinct 31-bit seeds, the same for the same base seed', () => {
    expect(() => new SeedStream(1.5)).toThrow('SeedStream: seed = 1.5, expected an integer');
    const [a, b, c] = [new SeedStream(9), new SeedStream(9), new SeedStream(10)];
    const seq = (s: SeedStream) => Array.from({ length: 50 }, () => s.next());
    const [x, y, z] = [seq(a), seq(b), seq(c)];
    expect(x).toEqual(y);
    expect(new Set(x).size).toBe(50);
    expect(x).not.toEqual(z);
    expect([...x, ...z].every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31)).toBe(true);
    expect(a.seed).toBe(9);
  });
});

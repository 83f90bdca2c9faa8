import * as tf from '@tensorflow/tfjs-core';
import { countGpuPrograms, describeBackends, expect, expectValuesClose, test } from '@gradkit/test-harness';
import { fused } from './index';
import { heapMemory } from './kernels/hostArrays';
import { simdUpdatesOn } from './kernels/simd/updates';

type Make = () => tf.Optimizer;

/** Each fused optimizer beside tfjs's own with the same settings. */
const PAIRS: { name: string; stock: Make; fused: Make; slots: number }[] = [
  { name: 'sgd', stock: () => tf.train.sgd(0.1), fused: () => fused.sgd(0.1), slots: 0 },
  { name: 'momentum', stock: () => tf.train.momentum(0.05, 0.9), fused: () => fused.momentum(0.05, 0.9), slots: 1 },
  {
    name: 'momentum (Nesterov)',
    stock: () => tf.train.momentum(0.05, 0.8, true),
    fused: () => fused.momentum(0.05, 0.8, true),
    slots: 1,
  },
  { name: 'adagrad', stock: () => tf.train.adagrad(0.3, 0.2), fused: () => fused.adagrad(0.3, 0.2), slots: 1 },
  { name: 'adam', stock: () => tf.train.adam(0.01, 0.8, 0.95), fused: () => fused.adam(0.01, 0.8, 0.95), slots: 2 },
];

/** Deterministic "gradients" for step s: varied signs and magnitudes (1e-3 … 2). */
function gradientValues(n: number, step: number, salt: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 2.3 * step + salt) * (i % 3 === 0 ? 2 : 1e-3 + i / n));
}

/** Runs `steps` updates of two variables (a matrix and a vector) with given gradients; returns values and slots. */
async function train(make: Make, steps: number, tag: string): Promise<{ values: number[][]; slots: number[][] }> {
  const w = tf.tidy(() => tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, 3, -0.75], [2, 3]), true, `${tag}/w`));
  const b = tf.tidy(() => tf.variable(tf.tensor1d([0.1, -0.2, 0.3]), true, `${tag}/b`));
  const optimizer = make();
  for (let s = 0; s < steps; s++) {
    const gw = tf.tensor2d(gradientValues(6, s, 0), [2, 3]);
    const gb = tf.tensor1d(gradientValues(3, s, 1));
    optimizer.applyGradients({ [w.name]: gw, [b.name]: gb });
    tf.dispose([gw, gb]);
  }
  const weights = await optimizer.getWeights();
  const slots = await Promise.all(weights.slice(1).map(async (x) => Array.from(await x.tensor.data())));
  const values = [Array.from(await w.data()), Array.from(await b.data())];
  tf.dispose([w, b, weights[0]!.tensor]); // the iteration count; the slots are the optimizer's
  optimizer.dispose();
  // tfjs's MomentumOptimizer.dispose() leaves its learning-rate scalar (the fused one frees it)
  if (optimizer instanceof tf.MomentumOptimizer) tf.dispose((optimizer as unknown as { c: tf.Tensor }).c);
  return { values, slots };
}

/** Adam in float64 by its formula (Kingma & Ba, as tfjs writes it), one variable of values `x`. */
function adamByHand(x: number[], grads: number[][], lr: number, b1: number, b2: number, eps: number): number[] {
  const m = x.map(() => 0);
  const v = x.map(() => 0);
  const out = [...x];
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < x.length; i++) {
      m[i] = b1 * (m[i] as number) + (1 - b1) * (g[i] as number);
      v[i] = b2 * (v[i] as number) + (1 - b2) * (g[i] as number) ** 2;
      const mHat = (m[i] as number) / (1 - b1 ** t);
      const vHat = (v[i] as number) / (1 - b2 ** t);
      out[i] = (out[i] as number) - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return out;
}

const f = Math.fround;
/**
 * One update of each rule with every operation rounded to float32, from the formulas of tfjs's optimizers (written
 * here, not taken from the code under test): [value′, ...slots′].
 */
const FLOAT32_RULES: Record<string, (x: number, g: number, slots: number[], t: number, eps: number) => number[]> = {
  sgd: (x, g) => [f(f(-0.1) * g) + x],
  momentum: (x, g, [a]) => {
    const a1 = f(f(f(0.9) * a!) + g);
    return [f(f(-0.05) * a1) + x, a1];
  },
  'momentum (Nesterov)': (x, g, [a]) => {
    const a1 = f(f(f(0.8) * a!) + g);
    return [f(f(-0.05) * f(g + f(a1 * f(0.8)))) + x, a1];
  },
  adagrad: (x, g, [a], _, eps) => {
    const a1 = f(a! + f(g * g));
    return [f(f(g / f(Math.sqrt(f(a1 + f(eps))))) * f(-0.3)) + x, a1];
  },
  adam: (x, g, [m, v], t, eps) => {
    const m1 = f(f(m! * f(0.8)) + f(g * f(1 - 0.8)));
    const v1 = f(f(v! * f(0.95)) + f(f(g * g) * f(1 - 0.95)));
    const omab1 = f(1 - f(f(0.8) ** t));
    const omab2 = f(1 - f(f(0.95) ** t));
    return [f(f(f(m1 / omab1) / f(f(Math.sqrt(f(v1 / omab2))) + f(eps))) * f(-0.01)) + x, m1, v1];
  },
};

describeBackends('fused optimizers', (backend) => {
  test.each(PAIRS.map((p) => p.name))(
    '%s: 11 elements (two 4-lane groups and 3 more) equal the rule rounded to float32 per operation, 2 steps (bit for bit on cpu and wasm)',
    async (name) => {
      const pair = PAIRS.find((p) => p.name === name) as (typeof PAIRS)[number];
      const rule = FLOAT32_RULES[name] as (typeof FLOAT32_RULES)[string];
      const x0 = Array.from({ length: 11 }, (_, i) => Math.fround(Math.cos(i) * 2));
      const w = tf.tidy(() => tf.variable(tf.tensor1d(x0), true, `float32-rule-${name}/w`));
      const optimizer = pair.fused();
      let want = x0.map((x) => ({ x, slots: new Array<number>(pair.slots).fill(name === 'adagrad' ? f(0.2) : 0) }));
      for (const t of [1, 2]) {
        const g = gradientValues(11, t, 3).map(f);
        const gt = tf.tensor1d(g);
        optimizer.applyGradients({ [w.name]: gt });
        gt.dispose();
        want = want.map(({ x, slots }, i) => {
          const [x1, ...s1] = rule(x, g[i] as number, slots, t, tf.backend().epsilon());
          return { x: f(x1 as number), slots: s1 };
        });
      }
      const got = Array.from(await w.data());
      const expected = want.map((e) => Math.fround(e.x));
      if (backend.name === 'cpu' || backend.name === 'wasm') expect(got).toEqual(expected);
      else expectValuesClose(got, expected, { what: name });
      w.dispose();
      optimizer.dispose();
      if (optimizer instanceof tf.MomentumOptimizer) tf.dispose((optimizer as unknown as { c: tf.Tensor }).c);
    },
  );

  if (backend.name === 'wasm')
    test("on wasm the updates run as WebAssembly SIMD on the backend's own memory (nothing copied)", () => {
      const memory = heapMemory(tf.backend());
      expect(memory).not.toBeNull();
      expect(simdUpdatesOn(memory as object)).not.toBeNull();
    });

  for (const pair of PAIRS) {
    test(`${pair.name}: values and slots equal tfjs's optimizer after 6 steps (bit for bit on cpu)`, async () => {
      const stock = await train(pair.stock, 6, `stock-${pair.name}`);
      const mine = await train(pair.fused, 6, `fused-${pair.name}`);
      expect(mine.slots).toHaveLength(pair.slots * 2);
      if (backend.name === 'cpu') {
        expect(mine.values).toEqual(stock.values);
        expect(mine.slots).toEqual(stock.slots);
      } else {
        mine.values.forEach((v, i) => expectValuesClose(v, stock.values[i] as number[], { what: `value ${i}` }));
        mine.slots.forEach((v, i) => expectValuesClose(v, stock.slots[i] as number[], { what: `slot ${i}` }));
      }
    });
  }

  test('adam matches its formula computed in float64 (3 steps, ε = 1e-7)', async () => {
    const x = [0.5, -1, 2];
    const grads = [0, 1, 2].map((s) => gradientValues(3, s, 5));
    const w = tf.tidy(() => tf.variable(tf.tensor1d(x), true, 'adam-by-hand/w'));
    const optimizer = fused.adam(0.01, 0.9, 0.999, 1e-7);
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      optimizer.applyGradients({ [w.name]: gt });
      gt.dispose();
    }
    expectValuesClose(Array.from(await w.data()), adamByHand(x, grads, 0.01, 0.9, 0.999, 1e-7), {
      rtol: 1e-5,
      atol: 1e-6,
    });
    w.dispose();
    optimizer.dispose();
  });

  test('getWeights → setWeights into a new optimizer continues as the original would', async () => {
    const run = async (split: boolean) => {
      const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -2, 3]), true, `resume-${split}/w`));
      let optimizer = fused.adam(0.05);
      for (let s = 0; s < 5; s++) {
        if (split && s === 3) {
          const saved = await optimizer.getWeights();
          const next = fused.adam(0.05);
          await next.setWeights(saved); // copies the slots
          tf.dispose(saved[0]!.tensor);
          optimizer.dispose();
          optimizer = next;
        }
        const g = tf.tensor1d(gradientValues(3, s, 7));
        optimizer.applyGradients({ [w.name]: g });
        g.dispose();
      }
      const out = Array.from(await w.data());
      w.dispose();
      optimizer.dispose();
      return out;
    };
    // setWeights recomputes β^t from the iteration count: the same float32 chain as the uninterrupted run
    expect(await run(true)).toEqual(await run(false));
  });

  test('a variable whose gradient is missing keeps its value; its slots are made as tfjs makes them', async () => {
    const a = tf.tidy(() => tf.variable(tf.tensor1d([1, 2]), true, 'missing/a'));
    const b = tf.tidy(() => tf.variable(tf.tensor1d([3, 4]), true, 'missing/b'));
    const optimizer = fused.adam(0.1);
    const g = tf.tensor1d([0.5, -0.5]);
    optimizer.applyGradients([
      { name: a.name, tensor: g },
      { name: b.name, tensor: undefined as unknown as tf.Tensor },
    ]);
    expect(Array.from(await b.data())).toEqual([3, 4]);
    const weights = await optimizer.getWeights();
    expect(weights.map((x) => x.name)).toEqual(['iter', 'missing/a/m', 'missing/b/m', 'missing/a/v', 'missing/b/v']);
    tf.dispose([a, b, g, weights[0]!.tensor]);
    optimizer.dispose();
  });

  test('bad input: one line naming the variable and what was expected, and no variable changed', async () => {
    const a = tf.tidy(() => tf.variable(tf.tensor1d([1, 2]), true, 'bad/a'));
    const b = tf.tidy(() => tf.variable(tf.tensor1d([3, 4]), true, 'bad/b'));
    const optimizer = fused.momentum(0.1, 0.9);
    const ga = tf.tensor1d([1, 1]);
    const gb = tf.tensor1d([1, 1, 1]);
    expect(() => optimizer.applyGradients({ [a.name]: ga, [b.name]: gb })).toThrow(
      'FusedMomentumOptimizer.applyGradients: the gradient of "bad/b" has shape [3], expected the variable\'s shape [2]',
    );
    expect(Array.from(await a.data())).toEqual([1, 2]);
    expect(() => optimizer.applyGradients({ 'bad/nope': ga })).toThrow(
      'FusedMomentumOptimizer.applyGradients: no variable named "bad/nope", expected a tf.variable\'s name',
    );
    const i = tf.tidy(() => tf.variable(tf.tensor1d([1, 2], 'int32'), true, 'bad/int'));
    const gi = tf.tensor1d([1, 1], 'int32');
    const sgd = fused.sgd(0.1);
    expect(() => sgd.applyGradients({ [i.name]: gi })).toThrow(
      'FusedSGDOptimizer.applyGradients: "bad/int" is int32 with a int32 gradient, expected float32 for both',
    );
    tf.dispose([a, b, ga, gb, i, gi]);
    optimizer.dispose();
    sgd.dispose();
  });

  if (backend.name === 'webgpu' || backend.name === 'webgl') {
    test('one Adam step costs fewer GPU programs than tfjs Adam; on webgpu exactly one per variable', async () => {
      const count = async (make: Make, tag: string) => {
        const w = tf.tidy(() => tf.variable(tf.randomNormal([64, 64], 0, 1, 'float32', 1), true, `${tag}/w`));
        const b = tf.tidy(() => tf.variable(tf.zeros([2048]), true, `${tag}/b`));
        const optimizer = make();
        const gw = tf.onesLike(w);
        const gb = tf.onesLike(b);
        optimizer.applyGradients({ [w.name]: gw, [b.name]: gb }); // slots made, shaders compiled
        await w.data();
        const counter = countGpuPrograms();
        optimizer.applyGradients({ [w.name]: gw, [b.name]: gb });
        const programs = counter.stop();
        tf.dispose([w, b, gw, gb]);
        optimizer.dispose();
        return programs;
      };
      const stock = await count(() => tf.train.adam(0.01), 'count-stock');
      const mine = await count(() => fused.adam(0.01), 'count-fused');
      expect(mine).toBeLessThan(stock);
      if (backend.name === 'webgpu') expect(mine).toBe(2);
    });
  }
});

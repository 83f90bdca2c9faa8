import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, expectValuesClose, test, uniformValues, valuesOf } from '@gradkit/test-harness';
import { createSynthesizer, denseModule, makeVariable } from './index';

/** x·W + b for row-major x [rows, n] and W [n, m], in float64. */
function affine(x: number[], w: number[], b: number[] | null, rows: number, n: number, m: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      let s = b == null ? 0 : (b[j] as number);
      for (let k = 0; k < n; k++) s += (x[r * n + k] as number) * (w[k * m + j] as number);
      out.push(s);
    }
  }
  return out;
}

const relu = (v: number[]) => v.map((a) => Math.max(a, 0));

/** Per-column batch mean and biased variance of [rows, m]. */
function moments(z: number[], rows: number, m: number): { mean: number[]; variance: number[] } {
  const mean = Array.from({ length: m }, (_, j) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += z[r * m + j] as number;
    return s / rows;
  });
  const variance = Array.from({ length: m }, (_, j) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += ((z[r * m + j] as number) - (mean[j] as number)) ** 2;
    return s / rows;
  });
  return { mean, variance };
}

/** (z − μ)/√(σ² + 1e-3) per column (γ = 1, β = 0). */
function normalize(z: number[], mean: number[], variance: number[], m: number): number[] {
  return z.map((v, i) => (v - (mean[i % m] as number)) / Math.sqrt((variance[i % m] as number) + 1e-3));
}

describeBackends('denseModule', () => {
  test('without batch norm: relu(x·W + b), or x·W + b for a linear activation', async () => {
    const x = tf.tensor2d(uniformValues(4 * 3, 21, -1, 1), [4, 3]);
    const m = denseModule({ name: 'plain', inputDim: 3, units: 5 });
    const lin = denseModule({ name: 'lin', inputDim: 3, units: 5, activation: 'linear', seed: 2 });
    for (const mod of [m, lin])
      tf.tidy(() => (mod.variables[1] as tf.Variable).assign(tf.tensor1d([0.3, -0.2, 0.1, -0.4, 0])));
    expect(m.state).toEqual([]);
    expect(m.variables.map((v) => v.shape)).toEqual([[3, 5], [5]]);
    expect(m.trainable).toEqual(m.variables);
    expect(m.variables[0]?.name).toMatch(/^plain\/kernel_\d+$/);
    expect(m.variables[1]?.name).toMatch(/^plain\/bias_\d+$/);
    const xs = await valuesOf(x);
    for (const [mod, act] of [
      [m, relu],
      [lin, (v: number[]) => v],
    ] as const) {
      const [w, b] = await Promise.all(mod.variables.map((v) => valuesOf(v)));
      const want = act(affine(xs, w as number[], b as number[], 4, 3, 5));
      const y = mod.forward(x, true);
      expectValuesClose(await valuesOf(y), want, { rtol: 1e-5, atol: 1e-6 });
      y.dispose();
    }
    // the linear module has negative outputs, the relu one none
    const [a, c] = [m.forward(x, false), lin.forward(x, false)];
    expect((await valuesOf(a)).some((v) => v < 0)).toBe(false);
    expect((await valuesOf(c)).some((v) => v < 0)).toBe(true);
    tf.dispose([a, c, x]);
    m.dispose();
    lin.dispose();
  });

  test('with batch norm: batch moments in training (and the population statistics move by decay 0.99), the population statistics at inference', async () => {
    const x = tf.tensor2d(uniformValues(6 * 3, 22, -1, 1), [6, 3]);
    const xs = await valuesOf(x);
    for (const activation of ['relu', 'linear'] as const) {
      const m = denseModule({ name: 'bn', inputDim: 3, units: 4, batchNorm: true, activation, seed: 5 });
      expect(m.variables.map((v) => v.shape)).toEqual([[3, 4], [4], [4], [4]]);
      expect(m.trainable).toEqual(m.variables);
      expect(m.state?.map((v) => v.shape)).toEqual([[4], [4], []]);
      const [w, b] = await Promise.all(m.variables.slice(0, 2).map((v) => valuesOf(v)));
      const act = activation === 'relu' ? relu : (v: number[]) => v;
      const z = affine(xs, w as number[], b as number[], 6, 3, 4);
      // inference before any training: population mean 0, variance 1; forward leaves only its result alive
      const count = tf.memory().numTensors;
      const inferred = m.forward(x, false);
      expect(tf.memory().numTensors).toBe(count + 1);
      expectValuesClose(await valuesOf(inferred), act(normalize(z, [0, 0, 0, 0], [1, 1, 1, 1], 4)), {
        rtol: 1e-4,
        atol: 1e-5,
        what: `${activation}: inference`,
      });
      const { mean, variance } = moments(z, 6, 4);
      const trained = m.forward(x, true);
      expect(tf.memory().numTensors).toBe(count + 2);
      expectValuesClose(await valuesOf(trained), act(normalize(z, mean, variance, 4)), {
        rtol: 1e-4,
        atol: 1e-5,
        what: `${activation}: training`,
      });
      const [popMean, popVariance] = await Promise.all((m.state ?? []).slice(0, 2).map((v) => valuesOf(v)));
      expectValuesClose(
        popMean as number[],
        mean.map((v) => 0.01 * v),
        { rtol: 1e-4, atol: 1e-6 },
      );
      expectValuesClose(
        popVariance as number[],
        variance.map((v) => 0.99 + 0.01 * v),
        { rtol: 1e-4, atol: 1e-6 },
      );
      tf.dispose([inferred, trained]);
      m.dispose();
    }
    x.dispose();
  });

  test("trainable: 'dense' updates the kernel and bias only, 'all' (the default) also γ and β; anything else is an error", () => {
    const dense = denseModule({ name: 'd', inputDim: 2, units: 3, batchNorm: true, trainable: 'dense' });
    expect(dense.variables).toHaveLength(4);
    expect(dense.trainable).toEqual(dense.variables.slice(0, 2));
    const all = denseModule({ name: 'a', inputDim: 2, units: 3, batchNorm: true, trainable: 'all' });
    expect(all.trainable).toEqual(all.variables);
    expect(() => denseModule({ name: 'x', inputDim: 2, units: 3, trainable: 'some' as never })).toThrow(
      `denseModule: trainable = "some", expected 'dense' or 'all'`,
    );
    dense.dispose();
    all.dispose();
  });

  test('the default seed is 1 and the initial kernel is Glorot-uniform within ±√(6/(in + out)), the bias zero', async () => {
    const a = denseModule({ name: 's', inputDim: 7, units: 5 });
    const b = denseModule({ name: 's', inputDim: 7, units: 5, seed: 1 });
    const c = denseModule({ name: 's', inputDim: 7, units: 5, seed: 2 });
    const [ka, kb, kc] = await Promise.all([a, b, c].map((m) => valuesOf(m.variables[0] as tf.Tensor)));
    expect(ka).toEqual(kb);
    expect(ka).not.toEqual(kc);
    const limit = Math.sqrt(6 / 12);
    expect((ka as number[]).every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(await valuesOf(a.variables[1] as tf.Tensor)).toEqual([0, 0, 0, 0, 0]);
    // two modules with one name get distinct variable names
    expect(a.variables[0]?.name).not.toBe(b.variables[0]?.name);
    [a, b, c].forEach((m) => m.dispose());
  });
});

describeBackends('createSynthesizer', () => {
  test('bad options are one-line errors; the boundary values are accepted', () => {
    expect(() => createSynthesizer({ dim: 0 })).toThrow('createSynthesizer: dim = 0, expected a positive integer');
    expect(() => createSynthesizer({ dim: 1.5 })).toThrow('createSynthesizer: dim = 1.5, expected a positive integer');
    expect(() => createSynthesizer({ dim: 2, kind: 'grad' as never })).toThrow(
      `createSynthesizer: kind = "grad", expected 'gradient' or 'loss'`,
    );
    expect(() => createSynthesizer({ dim: 2, kind: 'loss', initialLossBias: Infinity })).toThrow(
      'createSynthesizer: initialLossBias = Infinity, expected a finite number',
    );
    expect(() => createSynthesizer({ dim: 2, labelClasses: -1 })).toThrow(
      'createSynthesizer: labelClasses = -1, expected an integer ≥ 0',
    );
    expect(() => createSynthesizer({ dim: 2, labelClasses: 0.5 })).toThrow(
      'createSynthesizer: labelClasses = 0.5, expected an integer ≥ 0',
    );
    const ok = [
      createSynthesizer({ dim: 1, hidden: [2] }),
      createSynthesizer({ dim: 2, hidden: [2], labelClasses: 0 }),
      createSynthesizer({ dim: 2, hidden: [2], kind: 'loss', initialLossBias: -3 }),
    ];
    expect(ok.map((s) => [s.kind, s.conditioned])).toEqual([
      ['gradient', false],
      ['gradient', false],
      ['loss', false],
    ]);
    ok.forEach((s) => s.dispose());
  });

  test('defaults: two hidden layers of 1024 with batch norm whose γ/β do not train, a gradient output of h’s size', () => {
    const s = createSynthesizer({ dim: 3 });
    expect(s.kind).toBe('gradient');
    expect(s.conditioned).toBe(false);
    expect(s.variables.map((v) => v.shape)).toEqual([
      [3, 1024],
      [1024],
      [1024],
      [1024],
      [1024, 1024],
      [1024],
      [1024],
      [1024],
      [1024, 3],
      [3],
    ]);
    expect(s.trainable.map((v) => v.shape)).toEqual([[3, 1024], [1024], [1024, 1024], [1024], [1024, 3], [3]]);
    s.dispose();
    const t = createSynthesizer({ dim: 2, hidden: [4], trainBatchNormParams: true, labelClasses: 3 });
    expect(t.conditioned).toBe(true);
    expect(t.trainable.map((v) => v.shape)).toEqual([[5, 4], [4], [4], [4], [4, 2], [2]]);
    expect(t.trainable).toEqual(t.variables);
    t.dispose();
    const u = createSynthesizer({ dim: 2, hidden: [4], batchNorm: false, kind: 'loss' });
    expect(u.variables.map((v) => v.shape)).toEqual([[2, 4], [4], [4, 1], [1]]);
    u.dispose();
  });

  test('the default seed is 1; each hidden kernel is Glorot-uniform, the last kernel starts at zero', async () => {
    const a = createSynthesizer({ dim: 3, hidden: [6, 5] });
    const b = createSynthesizer({ dim: 3, hidden: [6, 5], seed: 1 });
    const c = createSynthesizer({ dim: 3, hidden: [6, 5], seed: 2 });
    const kernels = (s: typeof a) => Promise.all([0, 4, 8].map((i) => valuesOf(s.variables[i] as tf.Tensor)));
    const [ka, kb, kc] = await Promise.all([a, b, c].map(kernels));
    expect(ka).toEqual(kb);
    expect(ka?.[0]).not.toEqual(kc?.[0]);
    expect(ka?.[0]).not.toEqual(ka?.[1]?.slice(0, 18)); // the layers draw different values
    expect((ka?.[0] as number[]).every((v) => Math.abs(v) <= Math.sqrt(6 / 9))).toBe(true);
    expect((ka?.[1] as number[]).every((v) => Math.abs(v) <= Math.sqrt(6 / 11))).toBe(true);
    expect((ka?.[1] as number[]).some((v) => v !== 0)).toBe(true);
    expect(ka?.[2]).toEqual(new Array(15).fill(0));
    [a, b, c].forEach((s) => s.dispose());
  });

  test('fresh synthesizers: a gradient one predicts exactly 0 ([batch, dim]); a loss one c² for every example ([batch])', async () => {
    const h = tf.tensor2d(uniformValues(5 * 3, 23, -2, 2), [5, 3]);
    const g = createSynthesizer({ dim: 3, hidden: [4, 4] });
    const l1 = createSynthesizer({ dim: 3, hidden: [4, 4], kind: 'loss' });
    const l3 = createSynthesizer({ dim: 3, hidden: [4], kind: 'loss', initialLossBias: -3 });
    const [pg, p1, p3] = [g.predict(h, null), l1.predict(h, null), l3.predict(h, null)];
    expect([pg.shape, p1.shape, p3.shape]).toEqual([[5, 3], [5], [5]]);
    expect(await valuesOf(pg)).toEqual(new Array(15).fill(0));
    expect(await valuesOf(p1)).toEqual(new Array(5).fill(1));
    expect(await valuesOf(p3)).toEqual(new Array(5).fill(9));
    expect(await valuesOf(g.variables[9] as tf.Tensor)).toEqual([0, 0, 0]); // the last bias of a gradient one is 0
    tf.dispose([h, pg, p1, p3]);
    [g, l1, l3].forEach((s) => s.dispose());
  });

  test('predict by hand: [h; y] → dense → (batch norm in training mode →) relu → dense (→ square for a loss)', async () => {
    const rows = 6;
    const h = tf.tensor2d(uniformValues(rows * 3, 24, -1, 1), [rows, 3]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 0, 1, 1, 0], 'int32'), 2) as tf.Tensor2D);
    const [hs, ys] = [await valuesOf(h), await valuesOf(y)];
    const input = Array.from({ length: rows }, (_, r) => [
      ...hs.slice(r * 3, r * 3 + 3),
      ...ys.slice(r * 2, r * 2 + 2),
    ]).flat();
    for (const kind of ['gradient', 'loss'] as const) {
      for (const batchNorm of [false, true]) {
        const out = kind === 'gradient' ? 3 : 1;
        const s = createSynthesizer({ dim: 3, hidden: [4], kind, batchNorm, labelClasses: 2, seed: 7 });
        const vars = s.variables;
        const last = vars.length - 2;
        // give the first bias and the last layer values, so that every term shows
        tf.tidy(() => {
          (vars[1] as tf.Variable).assign(tf.tensor1d([0.2, -0.1, 0.05, 0.3]));
          (vars[last] as tf.Variable).assign(tf.tensor2d(uniformValues(4 * out, 25, -1, 1), [4, out]));
          (vars[last + 1] as tf.Variable).assign(tf.fill([out], 0.25));
        });
        const [w0, b0, wl, bl] = await Promise.all([0, 1, last, last + 1].map((i) => valuesOf(vars[i] as tf.Tensor)));
        let a = affine(input, w0 as number[], batchNorm ? null : (b0 as number[]), rows, 5, 4);
        if (batchNorm) {
          const { mean, variance } = moments(a, rows, 4);
          a = normalize(a, mean, variance, 4);
        }
        let want = affine(relu(a), wl as number[], bl as number[], rows, 4, out);
        if (kind === 'loss') want = want.map((v) => v * v);
        const p = s.predict(h, y);
        expect(p.shape).toEqual(kind === 'gradient' ? [rows, 3] : [rows]);
        expectValuesClose(await valuesOf(p), want, {
          rtol: 1e-4,
          atol: 1e-5,
          what: `${kind}, batch norm ${batchNorm}`,
        });
        p.dispose();
        s.dispose();
      }
    }
    tf.dispose([h, y]);
  });

  test('predict checks h and the labels: one-line errors', () => {
    const s = createSynthesizer({ dim: 3, hidden: [2], labelClasses: 2 });
    const u = createSynthesizer({ dim: 3, hidden: [2] });
    const h = tf.zeros([4, 3]);
    const h1 = tf.zeros([4, 2]);
    const h3 = tf.zeros([4, 3, 1]);
    const y3 = tf.zeros([4, 3]);
    expect(() => s.predict(h1, null)).toThrow('synthesizer: h has shape [4,2], expected [batch, 3]');
    expect(() => u.predict(h3, null)).toThrow('synthesizer: h has shape [4,3,1], expected [batch, 3]');
    expect(() => s.predict(h, null)).toThrow('synthesizer: conditioned on 2 classes, got labels null');
    expect(() => s.predict(h, y3)).toThrow('synthesizer: conditioned on 2 classes, got labels [4,3]');
    // an unconditioned synthesizer ignores labels
    const p = u.predict(h, y3);
    expect(p.shape).toEqual([4, 3]);
    tf.dispose([p, h, h1, h3, y3]);
    s.dispose();
    u.dispose();
  });
});

describeBackends('makeVariable', () => {
  test('a trainable variable of the initial value, named <name>_<n> when named, and nothing else left alive', async () => {
    const before = tf.memory().numTensors;
    const v = makeVariable(() => tf.add(tf.ones([2]), tf.ones([2])), 'thing');
    const w = makeVariable(() => tf.zeros([1]));
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(v.trainable).toBe(true);
    expect(v.name).toMatch(/^thing_\d+$/);
    expect(w.name).not.toMatch(/^thing/);
    expect(await valuesOf(v)).toEqual([2, 2]);
    tf.dispose([v, w]);
  });
});

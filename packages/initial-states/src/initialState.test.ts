import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  basicRnnCell,
  gruCell,
  layerNormGruCell,
  layerNormLstmCell,
  lstmCell,
  mixtureGruCell,
  RecurrentLayer,
  rnn,
  stackedRnn,
  type Cell,
} from '@gradkit/rnn';
import {
  checkGradients,
  describeBackends,
  expect,
  expectValuesClose,
  normalValues,
  randomInput,
  takeValues,
  test,
  valuesOf,
} from '@gradkit/test-harness';
import { createInitialState, InitialStateLayer } from './index';

const [B, T, F, U] = [3, 4, 2, 5];

describeBackends('initial states', () => {
  test("'zero' is the zero state, in the nested structure of the spec", async () => {
    const init = createInitialState({ spec: [[U, U], U], method: 'zero' });
    const s = init.state(B, { training: true }) as unknown as [[tf.Tensor, tf.Tensor], tf.Tensor];
    for (const t of [s[0][0], s[0][1], s[1]]) {
      expect(t.shape).toEqual([B, U]);
      expect((await takeValues(t)).every((v) => v === 0)).toBe(true);
    }
    expect(init.variables).toHaveLength(0);
  });

  test("'variable' receives exactly the gradient that flows into the first step's state (finite differences of a float64 RNN)", async () => {
    const cell = basicRnnCell({ inputSize: F, units: U, seed: 2 });
    const [W, Us, b] = await Promise.all(cell.variables.map((v) => valuesOf(v)));
    const x = tf.tensor3d(normalValues(B * T * F, 3), [B, T, F]);
    const xv = await valuesOf(x);
    // the learned vector v, tiled over the batch, starts the recurrence
    await checkGradients({
      f: (v) => rnn(cell, x, { initialState: [tf.tile(v, [B, 1]) as tf.Tensor2D] }).outputs,
      reference: (v: number[]) => {
        const out: number[] = [];
        for (let bi = 0; bi < B; bi++) {
          let s = v.slice();
          for (let t = 0; t < T; t++) {
            const xt = xv.slice((bi * T + t) * F, (bi * T + t + 1) * F);
            s = Array.from({ length: U }, (_, j) =>
              Math.tanh(
                xt.reduce((acc, xi, k) => acc + xi * (W as number[])[k * U + j]!, 0) +
                  s.reduce((acc, si, k) => acc + si * (Us as number[])[k * U + j]!, 0) +
                  (b as number[])[j]!,
              ),
            );
            out.push(...s);
          }
        }
        return out;
      },
      inputs: [randomInput([1, U], 4)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
    // and the provider's variable gets Σ_batch ∂L/∂s0, bit for bit
    const init = createInitialState({ spec: U, method: 'variable', seed: 5 });
    const loss = (s0: tf.Tensor2D) => tf.sum(tf.square(rnn(cell, x, { initialState: [s0] }).outputs)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(
      () => loss(init.flatState(B, { training: true })[0] as tf.Tensor2D),
      init.variables,
    );
    const s0 = init.flatState(B, { training: false })[0] as tf.Tensor2D;
    const direct = tf.grad((s: tf.Tensor) => loss(s as tf.Tensor2D))(s0);
    expectValuesClose(
      await valuesOf(grads[init.variables[0]!.name] as tf.Tensor),
      await takeValues(tf.sum(direct, 0)),
      { rtol: 1e-5, atol: 1e-7 },
    );
    tf.dispose([x, value, grads as never, s0, direct]);
    init.dispose();
    cell.dispose();
  });

  test('noise has the requested standard deviation in training and is absent at evaluation', async () => {
    const init = createInitialState({ spec: [64, 64], method: 'noisy-variable', stddev: 0.3, seed: 6 });
    const vec = await valuesOf(init.variables[0] as tf.Tensor);
    const [train, other] = init.flatState(2000, { training: true });
    other?.dispose();
    const t = await takeValues(train as tf.Tensor);
    const dev = t.map((v, i) => v - (vec[i % 64] as number));
    const sd = Math.sqrt(dev.reduce((s, v) => s + v * v, 0) / dev.length);
    expect(Math.abs(sd - 0.3)).toBeLessThan(0.01);
    const [evalState, evalOther] = init.flatState(3, { training: false });
    evalOther?.dispose();
    expect(await takeValues(evalState as tf.Tensor)).toEqual([...vec, ...vec, ...vec]);
    init.dispose();
  });

  test('noiseSeed continues the noise exactly where a saved run left it; evaluation draws none', async () => {
    const a = createInitialState({ spec: [U, U], method: 'noisy', seed: 11 });
    const b = createInitialState({ spec: [U, U], method: 'noisy', seed: 11 });
    expect(a.noiseSeed).toBe(11);
    tf.dispose(a.flatState(B, { training: true }));
    tf.dispose(a.flatState(B, { training: false }));
    const saved = a.noiseSeed;
    expect(saved).toBe(11 + 2); // one draw per component of the training state
    const next = a.flatState(B, { training: true });
    b.noiseSeed = saved;
    const resumed = b.flatState(B, { training: true });
    for (let i = 0; i < 2; i++)
      expect(await takeValues(resumed[i] as tf.Tensor)).toEqual(await takeValues(next[i] as tf.Tensor));
    expect(() => (b.noiseSeed = 1.5)).toThrow('initialState.noiseSeed = 1.5, expected an integer');
    expect(b.noiseSeed).toBe(saved + 2);
    a.dispose();
    b.dispose();
  });

  test('a learn mask keeps unlearned components at zero; the regularizer is l2·Σ‖v‖²', async () => {
    const init = createInitialState({ spec: [U, U], method: 'variable', learn: [false, true], l2: 0.5, seed: 7 });
    expect(init.variables).toHaveLength(1);
    const [c, h] = init.flatState(2, { training: true });
    expect((await takeValues(c as tf.Tensor)).every((v) => v === 0)).toBe(true);
    const hv = await takeValues(h as tf.Tensor);
    const v = await valuesOf(init.variables[0] as tf.Tensor);
    expect(hv).toEqual([...v, ...v]);
    expectValuesClose(await takeValues(init.regularization() as tf.Tensor), [0.5 * v.reduce((s, x) => s + x * x, 0)]);
    expect(() => createInitialState({ spec: [U, U], method: 'variable', learn: [true] })).toThrow(
      'learn has 1 entries where the state has 2',
    );
    init.dispose();
  });

  test('nested structures of every built-in cell, and a stack of two LSTMs', async () => {
    const cells: Cell[] = [
      basicRnnCell({ inputSize: F, units: U }),
      gruCell({ inputSize: F, units: U }),
      lstmCell({ inputSize: F, units: U }),
      layerNormLstmCell({ inputSize: F, units: U }),
      layerNormGruCell({ inputSize: F, units: U }),
      mixtureGruCell({ inputSize: F, units: U, transforms: 2 }),
    ];
    const x = tf.tensor3d(normalValues(B * T * F, 8), [B, T, F]);
    for (const cell of cells) {
      const init = createInitialState({ spec: cell.stateSizes, method: 'noisy-variable', seed: 9 });
      const out = tf.tidy(() => rnn(cell, x, { initialState: init.flatState(B, { training: true }) }).outputs);
      expect(out.shape).toEqual([B, T, U]);
      out.dispose();
      init.dispose();
    }
    const stack = [lstmCell({ inputSize: F, units: U }), lstmCell({ inputSize: U, units: U })];
    const init = createInitialState({ spec: stack.map((c) => c.stateSizes), method: 'variable', seed: 10 });
    const out = tf.tidy(
      () => stackedRnn(stack, x, { initialStates: init.state(B, { training: true }) as tf.Tensor2D[][] }).outputs,
    );
    expect(out.shape).toEqual([B, T, U]);
    tf.dispose([x, out]);
    init.dispose();
    [...cells, ...stack].forEach((c) => c.dispose());
  });

  test('state(batch) without options is the evaluation state (no noise); a one-number spec feeds rnn() directly', async () => {
    const init = createInitialState({ spec: U, method: 'noisy-variable', seed: 12 });
    const plain = init.state(B) as tf.Tensor2D;
    const evaluation = init.state(B, { training: false }) as tf.Tensor2D;
    const training = init.state(B, { training: true }) as tf.Tensor2D;
    expect(await valuesOf(plain)).toEqual(await valuesOf(evaluation));
    expect(await valuesOf(training)).not.toEqual(await valuesOf(evaluation));
    // the README's `spec: 128` case: state() is then one tensor, which rnn() takes as the one-component state
    const cell = gruCell({ inputSize: F, units: U, seed: 4 });
    const x = tf.tensor3d(normalValues(B * T * F, 13), [B, T, F]);
    const fromTensor = tf.tidy(() => rnn(cell, x, { initialState: plain }).outputs);
    const fromList = tf.tidy(() => rnn(cell, x, { initialState: [plain] }).outputs);
    expect(await valuesOf(fromTensor)).toEqual(await valuesOf(fromList));
    expect(() => init.state(B, 'train' as never)).toThrow(
      'initialState: options = "train", expected { training?: boolean }',
    );
    tf.dispose([plain, evaluation, training, x, fromTensor, fromList]);
    init.dispose();
    cell.dispose();
  });

  test('InitialStateLayer: noise of the configured standard deviation in training, none at inference', async () => {
    // 'noisy' has no trained vector: in training its output is the noise itself; 400 × 50 draws of N(0, 0.3²)
    const layer = new InitialStateLayer({ units: 50, method: 'noisy', stddev: 0.3, seed: 7 });
    const x = tf.zeros([400, 2]);
    const trained = layer.apply(x, { training: true }) as tf.Tensor;
    const values = Array.from(await trained.data());
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    // 20,000 draws: the sample sd is within ~1 % of 0.3 (its standard error is 0.3/√40,000 ≈ 0.0015)
    expect(Math.abs(sd - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    const inferred = layer.apply(x, { training: false }) as tf.Tensor;
    expect(Array.from(await inferred.data()).every((v) => v === 0)).toBe(true);
    // 'noisy-variable' at inference: the trained vector tiled, exactly
    const variable = new InitialStateLayer({ units: 4, method: 'noisy-variable', stddev: 0.3, seed: 8 });
    const x3 = tf.zeros([3, 1]);
    const out = variable.apply(x3, { training: false }) as tf.Tensor;
    const vector = Array.from(await (variable.getWeights()[0] as tf.Tensor).data());
    expect(Array.from(await out.data())).toEqual([...vector, ...vector, ...vector]);
    tf.dispose([x, x3, trained, inferred, out]);
    variable.dispose();
    layer.dispose();
  });

  test('InitialStateLayer feeds a tfjs-layers GRU, trains, and saves and loads', async () => {
    const input = tfl.input({ shape: [T, F] });
    const h0 = new InitialStateLayer({ units: U, method: 'noisy-variable', seed: 3 }).apply(
      input,
    ) as tfl.SymbolicTensor;
    const gru = tfl.layers.gru({ units: U }).apply(input, { initialState: [h0] }) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 1 }).apply(gru) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const optimizer = tf.train.adam(0.05);
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const x = tf.tensor3d(normalValues(8 * T * F, 11), [8, T, F]);
    const y = tf.ones([8, 1]);
    const before = await valuesOf(
      model.layers.find((l) => l instanceof InitialStateLayer)?.getWeights()[0] as tf.Tensor,
    );
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const after = await valuesOf(
      model.layers.find((l) => l instanceof InitialStateLayer)?.getWeights()[0] as tf.Tensor,
    );
    expect(after).not.toEqual(before);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(
        async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const [p, q] = [model, loaded].map((m) => tf.tidy(() => m.predict(x) as tf.Tensor));
    expect(await takeValues(q as tf.Tensor)).toEqual(await takeValues(p as tf.Tensor));
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
    optimizer.dispose();
  });

  // @gradkit/rnn's layer takes the state as tfjs-layers' recurrent layers do
  test('symbolic: InitialStateLayer → RecurrentLayer in a functional model trains the initial state, saves and loads', async () => {
    const input = tfl.input({ shape: [4, 3] });
    const initial = new InitialStateLayer({ units: 5, seed: 9 });
    const h0 = initial.apply(input) as tfl.SymbolicTensor;
    const recurrent = new RecurrentLayer({ cell: 'gru', units: 5, seed: 1 });
    const hidden = recurrent.apply(input, { initialState: [h0] }) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 1 }).apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    expect(model.layers.map((l) => l.getClassName())).toContain('GradkitInitialState');
    const x = tf.tensor3d(normalValues(8 * 4 * 3, 5), [8, 4, 3]);
    const y = tf.tensor2d(normalValues(8, 6), [8, 1]);
    // the prediction is the layer's output from the trained initial vector tiled over the batch
    const vector = initial.getWeights()[0] as tf.Tensor;
    const expected = tf.tidy(() => {
      const h = recurrent.apply(x, { initialState: [tf.tile(vector, [8, 1])] }) as tf.Tensor;
      return model.layers.at(-1)?.apply(h) as tf.Tensor;
    });
    const predicted = model.predict(x) as tf.Tensor;
    expect(await valuesOf(predicted)).toEqual(await valuesOf(expected));
    const before = await valuesOf(vector);
    const optimizer = tf.train.sgd(0.5);
    model.compile({ optimizer, loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const after = await takeValues(tf.clone(initial.getWeights()[0] as tf.Tensor));
    expect(after).not.toEqual(before);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(
        async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(loaded.layers.map((l) => l.getClassName())).toContain('GradkitInitialState');
    const [a, b] = [model, loaded].map((m) => m.predict(x) as tf.Tensor);
    expect(await valuesOf(b as tf.Tensor)).toEqual(await valuesOf(a as tf.Tensor));
    tf.dispose([x, y, expected, predicted, a as tf.Tensor, b as tf.Tensor]);
    model.dispose();
    loaded.dispose();
    optimizer.dispose();
  });
});

/** The sample standard deviation about `mean` (the noise's, when the noiseless state is subtracted). */
function sampleSd(values: number[], mean = 0): number {
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

describeBackends('initial states: methods, options and contracts', () => {
  test('each method: learned vectors only for the variable methods, noise only for the noisy ones and only in training', async () => {
    const expected = {
      zero: { vectors: 0, noise: false },
      variable: { vectors: 2, noise: false },
      noisy: { vectors: 0, noise: true },
      'noisy-variable': { vectors: 2, noise: true },
    } as const;
    for (const method of ['zero', 'variable', 'noisy', 'noisy-variable'] as const) {
      const init = createInitialState({ spec: [U, U + 1], method, seed: 21 });
      expect(init.method).toBe(method);
      expect(init.variables).toHaveLength(expected[method].vectors);
      // the noiseless state: the vectors tiled, or zeros
      const vectors = await Promise.all(init.variables.map((v) => valuesOf(v)));
      const clean = [U, U + 1].map((size, i) => {
        const v = vectors[i] ?? new Array<number>(size).fill(0);
        return [...v, ...v, ...v];
      });
      const evaluation = init.flatState(B, { training: false });
      const seed = init.noiseSeed;
      const training = init.flatState(B, { training: true });
      expect(init.noiseSeed).toBe(expected[method].noise ? seed + 2 : seed);
      for (let i = 0; i < 2; i++) {
        expect(training[i]?.shape).toEqual([B, i === 0 ? U : U + 1]);
        expect(await takeValues(evaluation[i] as tf.Tensor)).toEqual(clean[i]);
        const t = await takeValues(training[i] as tf.Tensor);
        if (expected[method].noise) expect(t.every((v, j) => v !== clean[i]?.[j])).toBe(true);
        else expect(t).toEqual(clean[i]);
      }
      init.dispose();
    }
  });

  test("'noisy' draws N(0, stddev²) around zero in training, for a stddev other than the default", async () => {
    const init = createInitialState({ spec: 50, method: 'noisy', stddev: 0.7, seed: 22 });
    const values = await takeValues(init.flatState(400, { training: true })[0] as tf.Tensor);
    // 20,000 draws: the sample sd's standard error is 0.7/√40,000 ≈ 0.0035
    expect(Math.abs(sampleSd(values) - 0.7)).toBeLessThan(0.02);
    expect(Math.abs(values.reduce((a, v) => a + v, 0) / values.length)).toBeLessThan(0.02);
  });

  test('stddev 0 adds no noise and draws none: the training state is the evaluation state and noiseSeed stays', async () => {
    const init = createInitialState({ spec: [U, U], method: 'noisy-variable', stddev: 0, seed: 23 });
    const v = await Promise.all(init.variables.map((x) => valuesOf(x)));
    const training = init.flatState(2, { training: true });
    for (let i = 0; i < 2; i++)
      expect(await takeValues(training[i] as tf.Tensor)).toEqual([...(v[i] as number[]), ...(v[i] as number[])]);
    expect(init.noiseSeed).toBe(23);
    init.dispose();
  });

  test("initial vectors: Glorot-uniform U(−L, L), L = √(6 / (1 + size)), one draw per component, reproducible from the seed; 'zeros' on request", async () => {
    const spec = [40, 40, 60];
    const a = createInitialState({ spec, method: 'variable', seed: 24 });
    const b = createInitialState({ spec, method: 'noisy-variable', initializer: 'glorot', seed: 24 });
    const va = await Promise.all(a.variables.map((v) => valuesOf(v)));
    const vb = await Promise.all(b.variables.map((v) => valuesOf(v)));
    expect(vb).toEqual(va);
    spec.forEach((size, i) => {
      const limit = Math.sqrt(6 / (1 + size));
      const v = va[i] as number[];
      expect(a.variables[i]?.shape).toEqual([1, size]);
      expect(v.every((x) => Math.abs(x) <= limit)).toBe(true);
      // a uniform on (−L, L) reaches beyond L/2 in about half of its draws
      expect(v.filter((x) => Math.abs(x) > limit / 2).length).toBeGreaterThan(size / 4);
    });
    // the two same-sized components are different draws
    expect(va[1]).not.toEqual(va[0]);
    const zeros = createInitialState({ spec, method: 'variable', initializer: 'zeros', seed: 24 });
    expect(zeros.variables.map((v) => v.shape)).toEqual(spec.map((size) => [1, size]));
    for (const v of zeros.variables) expect((await valuesOf(v)).every((x) => x === 0)).toBe(true);
    for (const init of [a, b, zeros]) init.dispose();
  });

  test('variables are named after the provider and the component, and dispose() frees them', async () => {
    const plain = createInitialState({ spec: [U, U], method: 'variable', seed: 25 });
    const named = createInitialState({ spec: [U, U], method: 'variable', seed: 25, name: 'encoder_state' });
    expect(plain.variables.map((v) => v.name)).toEqual([
      expect.stringMatching(/^initial_state_0_\d+$/),
      expect.stringMatching(/^initial_state_1_\d+$/),
    ]);
    expect(named.variables.map((v) => v.name)).toEqual([
      expect.stringMatching(/^encoder_state_0_\d+$/),
      expect.stringMatching(/^encoder_state_1_\d+$/),
    ]);
    expect(plain.variables.every((v) => v.trainable)).toBe(true);
    plain.dispose();
    named.dispose();
    expect([...plain.variables, ...named.variables].every((v) => v.isDisposed)).toBe(true);
  });

  test('regularization: l2·Σ‖v‖² summed over every learned vector; exactly 0 without vectors or without l2', async () => {
    const init = createInitialState({ spec: [U, [U + 1]], method: 'variable', l2: 0.25, seed: 26 });
    const v = await Promise.all(init.variables.map((x) => valuesOf(x)));
    const sumSq = v.flat().reduce((a, x) => a + x * x, 0);
    expectValuesClose(await takeValues(init.regularization()), [0.25 * sumSq]);
    // no learned vectors: 0 whatever l2
    const none = createInitialState({ spec: [U, U], method: 'noisy', l2: 0.25 });
    expect(await takeValues(none.regularization())).toEqual([0]);
    // l2 = 0 (the default): 0 even when a vector has diverged to infinity (not 0·∞ = NaN)
    const off = createInitialState({ spec: U, method: 'variable', seed: 27 });
    const infinite = tf.fill([1, U], Infinity);
    (off.variables[0] as tf.Variable).assign(infinite);
    infinite.dispose();
    expect(await takeValues(off.regularization())).toEqual([0]);
    init.dispose();
    none.dispose();
    off.dispose();
  });

  test('without a seed, each provider draws its own integer noise seed in [0, 2³¹)', async () => {
    const seeds = Array.from({ length: 20 }, () => createInitialState({ spec: U, method: 'noisy' }).noiseSeed);
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 31)).toBe(true);
    // 20 uniform draws from 2³¹ values: a repeat, or all of them below 2³⁰, has probability < 1e-6
    expect(new Set(seeds).size).toBe(20);
    expect(seeds.some((s) => s >= 2 ** 30)).toBe(true);
  });

  test('noiseSeed takes any safe integer, and nothing else', async () => {
    const init = createInitialState({ spec: U, method: 'noisy', seed: 28 });
    init.noiseSeed = -5;
    expect(init.noiseSeed).toBe(-5);
    init.noiseSeed = 2 ** 53 - 1;
    expect(init.noiseSeed).toBe(2 ** 53 - 1);
    expect(() => (init.noiseSeed = 2 ** 53)).toThrow('initialState.noiseSeed = 9007199254740992, expected an integer');
    expect(init.noiseSeed).toBe(2 ** 53 - 1);
  });

  test('bad options are rejected with a one-line message; the boundary values are accepted', async () => {
    expect(() => createInitialState({ spec: U, method: 'learned' as never })).toThrow(
      new TypeError(`createInitialState: method = "learned", expected 'zero', 'variable', 'noisy' or 'noisy-variable'`),
    );
    // a typo such as 'zero' (the method's name) is not silently Glorot
    expect(() => createInitialState({ spec: U, method: 'variable', initializer: 'zero' as never })).toThrow(
      new TypeError(`createInitialState: initializer = "zero", expected 'glorot' or 'zeros'`),
    );
    expect(() => createInitialState({ spec: [U, 0], method: 'zero' })).toThrow(
      'spec[1] = 0, expected a positive integer size',
    );
    for (const stddev of [-0.1, Infinity, NaN]) {
      expect(() => createInitialState({ spec: U, method: 'noisy', stddev })).toThrow(
        new RangeError(`createInitialState: stddev = ${stddev}, expected a finite number ≥ 0`),
      );
    }
    for (const l2 of [-0.1, NaN]) {
      expect(() => createInitialState({ spec: U, method: 'variable', l2 })).toThrow(
        new RangeError(`createInitialState: l2 = ${l2}, expected a number ≥ 0`),
      );
    }
    expect(() => createInitialState({ spec: [U, U], method: 'variable', learn: true })).toThrow(
      'learn has no entries where the state has 2',
    );
    const init = createInitialState({ spec: U, method: 'noisy', stddev: 0, l2: 0, seed: 29 });
    for (const batch of [0, -1, 1.5, NaN]) {
      expect(() => init.flatState(batch)).toThrow(
        new RangeError(`initialState: batch = ${batch}, expected a positive integer`),
      );
    }
    expect(() => init.state(B, null as never)).toThrow('initialState: options = null, expected { training?: boolean }');
    const [one] = init.flatState(1, {});
    expect(one?.shape).toEqual([1, U]);
    expect(await takeValues(one as tf.Tensor)).toEqual(new Array<number>(U).fill(0));
  });
});

describeBackends('InitialStateLayer: methods, options and contracts', () => {
  test('each method: a [1, units] float32 weight only for the variable methods, noise only for the noisy ones and only in training', async () => {
    const x = tf.zeros([B, 2]);
    for (const method of ['zero', 'variable', 'noisy', 'noisy-variable'] as const) {
      const layer = new InitialStateLayer({ units: U, method, seed: 31 });
      expect(layer.method).toBe(method);
      const evaluation = layer.apply(x, { training: false }) as tf.Tensor;
      const weights = layer.getWeights();
      const learned = method === 'variable' || method === 'noisy-variable';
      expect(weights).toHaveLength(learned ? 1 : 0);
      if (learned) {
        expect(weights[0]?.shape).toEqual([1, U]);
        expect(weights[0]?.dtype).toBe('float32');
        expect(layer.weights[0]?.name).toMatch(/\/initial_state(_\d+)?$/);
      }
      const v = learned ? await valuesOf(weights[0] as tf.Tensor) : new Array<number>(U).fill(0);
      const clean = [...v, ...v, ...v];
      expect(await takeValues(evaluation)).toEqual(clean);
      const t = await takeValues(layer.apply(x, { training: true }) as tf.Tensor);
      if (method === 'noisy' || method === 'noisy-variable') expect(t.every((y, j) => y !== clean[j])).toBe(true);
      else expect(t).toEqual(clean);
      layer.dispose();
    }
    x.dispose();
  });

  test("the default method is 'variable' and the default stddev 0.3; a given stddev is used, 0 adds nothing", async () => {
    const x = tf.zeros([400, 1]);
    const plain = new InitialStateLayer({ units: 3 });
    expect([plain.method, plain.stddev, plain.seed]).toEqual(['variable', 0.3, undefined]);
    for (const [stddev, want] of [
      [undefined, 0.3],
      [0.6, 0.6],
      [0, 0],
    ] as const) {
      const layer = new InitialStateLayer({
        units: 50,
        method: 'noisy',
        seed: 32,
        ...(stddev != null ? { stddev } : {}),
      });
      expect(layer.stddev).toBe(want);
      const values = await takeValues(layer.apply(x, { training: true }) as tf.Tensor);
      // 20,000 draws: the sample sd's standard error is stddev/√40,000
      expect(Math.abs(sampleSd(values) - want)).toBeLessThan(0.02);
      layer.dispose();
    }
    x.dispose();
  });

  test('the seed fixes the initial vector and the noise sequence; each training call draws new noise', async () => {
    const x = tf.zeros([B, 1]);
    const draw = async (seed: number) => {
      const layer = new InitialStateLayer({ units: U, method: 'noisy-variable', seed });
      const vector = await takeValues(layer.apply(x, { training: false }) as tf.Tensor);
      const first = await takeValues(layer.apply(x, { training: true }) as tf.Tensor);
      const second = await takeValues(layer.apply(x, { training: true }) as tf.Tensor);
      layer.dispose();
      return { vector, first, second };
    };
    const [a, b, c] = [await draw(33), await draw(33), await draw(34)];
    expect(b).toEqual(a);
    expect(c.vector).not.toEqual(a.vector);
    expect(c.first).not.toEqual(a.first);
    expect(a.second).not.toEqual(a.first);
    x.dispose();
  });

  test("unseeded layers draw independent noise (an LSTM's c₀ and h₀ layers must not share one noise sequence); seed 0 is deterministic", async () => {
    const x = tf.zeros([B, 1]);
    const noise = async () => {
      const layer = new InitialStateLayer({ units: U, method: 'noisy' });
      const draws = [];
      for (let i = 0; i < 3; i++) draws.push(await takeValues(layer.apply(x, { training: true }) as tf.Tensor));
      layer.dispose();
      return draws;
    };
    const [c0, h0] = [await noise(), await noise()];
    c0.forEach((draw, i) => expect(h0[i]).not.toEqual(draw));
    // and a seed of 0 is a seed like any other: the same noise every time, from the first draw
    const seeded = async () => {
      const layer = new InitialStateLayer({ units: U, method: 'noisy', seed: 0 });
      const draw = await takeValues(layer.apply(x, { training: true }) as tf.Tensor);
      layer.dispose();
      return draw;
    };
    expect(await seeded()).toEqual(await seeded());
    x.dispose();
  });

  test('the output is [batch of the (first) input, units], symbolically and concretely', async () => {
    const layer = new InitialStateLayer({ units: U, method: 'zero' });
    expect(layer.computeOutputShape([null, 4, 3])).toEqual([null, U]);
    expect(layer.computeOutputShape([8, 4, 3])).toEqual([8, U]);
    expect(
      layer.computeOutputShape([
        [8, 4, 3],
        [2, 7],
      ]),
    ).toEqual([8, U]);
    const symbolic = layer.apply([tfl.input({ shape: [4, 3] }), tfl.input({ shape: [7] })]) as tfl.SymbolicTensor;
    expect(symbolic.shape).toEqual([null, U]);
    const inputs = [tf.zeros([B, 2]), tf.zeros([7, 1])];
    const out = layer.apply(inputs) as tf.Tensor;
    expect(out.shape).toEqual([B, U]);
    tf.dispose([out, ...inputs]);
    const built = new InitialStateLayer({ units: U, method: 'zero' });
    built.build();
    expect(built.built).toBe(true);
    layer.dispose();
  });

  test('getConfig carries units, method, stddev and the seed only when given; fromConfig rebuilds the layer', async () => {
    const seeded = new InitialStateLayer({ units: 4, method: 'noisy', stddev: 0.5, seed: 35 });
    expect(seeded.getConfig()).toEqual(expect.objectContaining({ units: 4, method: 'noisy', stddev: 0.5, seed: 35 }));
    const unseeded = new InitialStateLayer({ units: 6 }).getConfig();
    expect(unseeded).toEqual(expect.objectContaining({ units: 6, method: 'variable', stddev: 0.3 }));
    expect('seed' in unseeded).toBe(false);
    const rebuilt = tf.serialization.SerializationMap.getMap().classNameMap['GradkitInitialState'];
    expect(rebuilt?.[0]).toBe(InitialStateLayer);
    const copy = InitialStateLayer.fromConfig(InitialStateLayer, seeded.getConfig()) as InitialStateLayer;
    expect([copy.units, copy.method, copy.stddev, copy.seed]).toEqual([4, 'noisy', 0.5, 35]);
  });

  test('bad arguments are rejected with a one-line message; units = 1 is accepted', async () => {
    for (const units of [0, -2, 1.5, NaN]) {
      expect(() => new InitialStateLayer({ units })).toThrow(
        new RangeError(`InitialStateLayer: units = ${units}, expected a positive integer`),
      );
    }
    expect(() => new InitialStateLayer(undefined as never)).toThrow(
      'InitialStateLayer: units = undefined, expected a positive integer',
    );
    // a negative or non-finite stddev is not silently "no noise"
    for (const stddev of [-0.3, NaN, Infinity]) {
      expect(() => new InitialStateLayer({ units: 2, method: 'noisy', stddev })).toThrow(
        new RangeError(`InitialStateLayer: stddev = ${stddev}, expected a finite number ≥ 0`),
      );
    }
    expect(() => new InitialStateLayer({ units: 2, method: 'learned' as never })).toThrow(
      new TypeError(`InitialStateLayer: method = "learned", expected 'zero', 'variable', 'noisy' or 'noisy-variable'`),
    );
    const one = new InitialStateLayer({ units: 1, method: 'zero' });
    const x = tf.zeros([2, 3]);
    expect(await takeValues(one.apply(x) as tf.Tensor)).toEqual([0, 0]);
    x.dispose();
  });
});

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
    const after = takeValues(tf.clone(initial.getWeights()[0] as tf.Tensor));
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

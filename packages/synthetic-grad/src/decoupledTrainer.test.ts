import * as tf from '@tensorflow/tfjs-core';
import {
  describeBackends,
  expect,
  expectNoLeaks,
  expectValuesClose,
  test,
  uniformValues,
  valuesOf,
} from '@gradkit/test-harness';
import { createSynthesizer, DecoupledTrainer, type Module, type Synthesizer, type TrainingMethod } from './index';
import { batch, crossEntropy, fixedSynthesizer, stack, weights } from './trainer.test-util';

/** A synthesizer that predicts the true ∂L/∂h of module `index` (through the modules above it and the head). */
function oracle(index: number, s: { modules: Module[]; head: Module }, labels: tf.Tensor): Synthesizer {
  return {
    kind: 'gradient',
    conditioned: false,
    trainable: [],
    variables: [],
    predict: (h) =>
      tf.tidy(() =>
        tf.grad((v: tf.Tensor) =>
          tf.sum(
            crossEntropy(
              s.head.forward(
                s.modules.slice(index + 1).reduce((a, m) => m.forward(a, true), v),
                true,
              ),
              labels,
            ),
          ),
        )(h),
      ),
    dispose: () => undefined,
  };
}

describeBackends('DecoupledTrainer', (backend) => {
  test('zero-initialised synthesizers: at step 0 the hidden modules do not move (the head does)', async () => {
    const s = stack(true);
    const synths = [createSynthesizer({ dim: 5, hidden: [16, 16] }), createSynthesizer({ dim: 4, hidden: [16, 16] })];
    const trainer = new DecoupledTrainer({
      ...s,
      loss: crossEntropy,
      method: 'synthetic-gradient',
      synthesizers: synths,
      optimizer: () => tf.train.sgd(0.5),
    });
    const before = await weights(s.modules);
    const headBefore = await weights([s.head]);
    const { x, y } = batch();
    await trainer.step(x, y);
    expect(await weights(s.modules)).toEqual(before);
    expect(await weights([s.head])).not.toEqual(headBefore);
    tf.dispose([x, y]);
    [...s.modules, s.head, ...synths].forEach((m) => m.dispose());
    trainer.dispose();
  });

  test("synthetic loss: with the post's zero output bias the synthesizer is stuck at ℓ̂ = 0 and no module ever moves; with the default bias it learns and the modules move after step 0", async () => {
    const { x, y } = batch();
    for (const initialLossBias of [0, undefined]) {
      const s = stack(true);
      const synths = [5, 4].map((dim, i) =>
        createSynthesizer({
          dim,
          hidden: [16, 16],
          kind: 'loss',
          seed: i + 1,
          ...(initialLossBias === undefined ? {} : { initialLossBias }),
        }),
      );
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method: 'synthetic-loss',
        synthesizers: synths,
        optimizer: () => tf.train.sgd(0.1),
      });
      const before = await weights(s.modules);
      const synthBefore = await Promise.all(synths.flatMap((m) => m.trainable).map((v) => valuesOf(v)));
      await trainer.step(x, y);
      expect(await weights(s.modules)).toEqual(before); // the zero kernel: ∂ℓ̂/∂h = 0 at step 0 either way
      for (let i = 0; i < 5; i++) await trainer.step(x, y);
      const synthAfter = await Promise.all(synths.flatMap((m) => m.trainable).map((v) => valuesOf(v)));
      if (initialLossBias === 0) {
        expect(synthAfter).toEqual(synthBefore); // ∂(z²)/∂z = 2z = 0 at z = 0: a dead fixed point
        expect(await weights(s.modules)).toEqual(before);
      } else {
        expect(synthAfter).not.toEqual(synthBefore);
        expect(await weights(s.modules)).not.toEqual(before);
      }
      [...s.modules, s.head, ...synths].forEach((m) => m.dispose());
      trainer.dispose();
    }
    tf.dispose([x, y]);
    expect(() => createSynthesizer({ dim: 4, kind: 'loss', initialLossBias: Number.NaN })).toThrow(
      'createSynthesizer: initialLossBias = NaN, expected a finite number',
    );
  });

  test('a synthesizer that outputs the true gradient makes a decoupled step equal a backprop step', async () => {
    const { x, y } = batch();
    const results: number[][][] = [];
    for (const method of ['backprop', 'synthetic-gradient'] as TrainingMethod[]) {
      const s = stack();
      const synthesizers = method === 'backprop' ? undefined : [oracle(0, s, y), oracle(1, s, y)];
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method,
        synthesizers,
        optimizer: () => tf.train.sgd(0.3),
      });
      await trainer.step(x, y);
      results.push(await weights([...s.modules, s.head]));
      [...s.modules, s.head].forEach((m) => m.dispose());
      trainer.dispose();
    }
    (results[1] as number[][]).forEach((w, i) =>
      expectValuesClose(w, (results[0] as number[][])[i] as number[], {
        rtol: 1e-4,
        atol: 1e-6,
        what: `variable ${i}`,
      }),
    );
    tf.dispose([x, y]);
  });

  test('bootstrapped target of the lower synthesizer = ∂h₁/∂h₀ᵀ·ĝ₁, computed by hand', async () => {
    const s = stack();
    const { x, y } = batch();
    const g1 = tf.tensor2d(uniformValues(8 * 4, 5, -1, 1), [8, 4]);
    const fixed = (dim: number, value: tf.Tensor | null): Synthesizer => ({
      kind: 'gradient',
      conditioned: false,
      trainable: [],
      variables: [],
      dispose: () => undefined,
      predict: (h) => (value ? tf.clone(value) : tf.zeros(h.shape)),
    });
    // the target is computed with module 1 as it was during the step: read its weights first
    const [w1, b1] = [
      await valuesOf(s.modules[1]?.variables[0] as tf.Tensor),
      await valuesOf(s.modules[1]?.variables[1] as tf.Tensor),
    ];
    const kept: tf.Tensor[] = [];
    const trainer = new DecoupledTrainer({
      ...s,
      loss: crossEntropy,
      method: 'synthetic-gradient',
      optimizer: () => tf.train.sgd(0.1),
      synthesizers: [fixed(5, null), fixed(4, g1)],
      onSynthesizerTarget: (index, h, target) => {
        if (index === 0) kept.push(tf.keep(tf.clone(h)), tf.keep(tf.clone(target)));
      },
    });
    await trainer.step(x, y);
    const targets = [{ h: await valuesOf(kept[0] as tf.Tensor), target: await valuesOf(kept[1] as tf.Tensor) }];
    tf.dispose(kept);
    {
      const { h, target } = targets[0] as { h: number[]; target: number[] };
      const g = await valuesOf(g1);
      // h₁ = relu(h₀·W₁ + b₁): ∂h₁/∂h₀ᵀ·ĝ = (ĝ ⊙ 1[z > 0])·W₁ᵀ
      const want: number[] = [];
      for (let r = 0; r < 8; r++) {
        for (let i = 0; i < 5; i++) {
          let sum = 0;
          for (let j = 0; j < 4; j++) {
            let z = b1[j] as number;
            for (let k = 0; k < 5; k++) z += (h[r * 5 + k] as number) * (w1[k * 4 + j] as number);
            sum += z > 0 ? (g[r * 4 + j] as number) * (w1[i * 4 + j] as number) : 0;
          }
          want.push(sum);
        }
      }
      expectValuesClose(target, want, { rtol: 1e-4, atol: 1e-6 });
    }
    tf.dispose([x, y, g1]);
    [...s.modules, s.head].forEach((m) => m.dispose());
    trainer.dispose();
  });

  test('λ = 1 is backprop', async () => {
    const { x, y } = batch();
    const results: number[][][] = [];
    for (const lambda of [undefined, 1]) {
      const s = stack(true);
      const synthesizers =
        lambda == null
          ? undefined
          : [createSynthesizer({ dim: 5, hidden: [8] }), createSynthesizer({ dim: 4, hidden: [8] })];
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method: lambda == null ? 'backprop' : 'synthetic-gradient',
        lambda,
        synthesizers,
        optimizer: () => tf.train.sgd(0.3),
      });
      await trainer.step(x, y);
      results.push(await weights([...s.modules, s.head]));
      [...s.modules, s.head, ...(synthesizers ?? [])].forEach((m) => m.dispose());
      trainer.dispose();
    }
    (results[1] as number[][]).forEach((w, i) =>
      expectValuesClose(w, (results[0] as number[][])[i] as number[], {
        rtol: 1e-5,
        atol: 1e-6,
        what: `variable ${i}`,
      }),
    );
    tf.dispose([x, y]);
  });

  test("λ = 0.3 mixes as documented: oracle synthesizers give backprop's step; zero ones give λ × backprop's step to the modules and the full step to the head", async () => {
    const { x, y } = batch();
    const lambda = 0.3;
    const run = async (kind: 'backprop' | 'oracle' | 'zero') => {
      const s = stack(false);
      const before = await weights([...s.modules, s.head]);
      const synthesizers =
        kind === 'backprop'
          ? undefined
          : kind === 'oracle'
            ? [oracle(0, s, y), oracle(1, s, y)]
            : [createSynthesizer({ dim: 5, hidden: [8] }), createSynthesizer({ dim: 4, hidden: [8] })];
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method: kind === 'backprop' ? 'backprop' : 'synthetic-gradient',
        ...(kind === 'backprop' ? {} : { lambda }),
        synthesizers,
        optimizer: () => tf.train.sgd(0.3),
      });
      await trainer.step(x, y);
      const after = await weights([...s.modules, s.head]);
      [...s.modules, s.head, ...(synthesizers ?? [])].forEach((m) => m.dispose());
      trainer.dispose();
      return after.map((w, i) => w.map((v, j) => v - ((before[i] as number[])[j] as number)));
    };
    const bp = await run('backprop');
    const mixedOracle = await run('oracle');
    const mixedZero = await run('zero');
    const headVariables = 2; // the head's kernel and bias come last
    bp.forEach((step, i) => {
      const isHead = i >= bp.length - headVariables;
      expectValuesClose(mixedOracle[i] as number[], step, { rtol: 1e-4, atol: 1e-6, what: `oracle, variable ${i}` });
      // ĝ = 0: the modules take λ·g (not (1 − λ)·g), the head its true gradient
      const want = isHead ? step : step.map((v) => lambda * v);
      expectValuesClose(mixedZero[i] as number[], want, { rtol: 1e-4, atol: 1e-6, what: `zero ĝ, variable ${i}` });
    });
    tf.dispose([x, y]);
  });

  test.each(['synthetic-gradient', 'synthetic-loss', 'backprop', 'no-backprop'] as TrainingMethod[])(
    '%s: 30 steps with Adam leak nothing and report waits per module',
    async (method) => {
      const s = stack(true);
      const kind = method === 'synthetic-loss' ? 'loss' : 'gradient';
      const synthesizers = method.startsWith('synthetic')
        ? [
            createSynthesizer({ dim: 5, hidden: [8, 8], kind, labelClasses: 3 }),
            createSynthesizer({ dim: 4, hidden: [8, 8], kind }),
          ]
        : undefined;
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method,
        synthesizers,
        optimizer: () => tf.train.adam(1e-3),
        timing: true,
        warmupSteps: 2,
      });
      const { x, y } = batch();
      // the optimizer's slots appear on the first steps: warm up before counting
      for (let i = 0; i < 3; i++) await trainer.step(x, y);
      const last = await expectNoLeaks(async () => {
        let r;
        for (let i = 0; i < 30; i++) r = await trainer.step(x, y);
        return r;
      }, `${method}: 30 steps`);
      expect(last?.waits).toHaveLength(method === 'no-backprop' ? 2 : 2);
      expect(Number.isFinite(last?.loss)).toBe(true);
      tf.dispose([x, y]);
      [...s.modules, s.head, ...(synthesizers ?? [])].forEach((m) => m.dispose());
      trainer.dispose();
    },
  );

  test.each([
    ['synthetic-gradient', true],
    ['synthetic-loss', false],
    ['backprop', false],
  ] as Array<[TrainingMethod, boolean]>)(
    "%s (conditioned: %s): a trainer restored from another's variables, optimizer weights and step count continues it step for step",
    async (method, conditioned) => {
      const before = tf.memory().numTensors;
      const kind = method === 'synthetic-loss' ? 'loss' : 'gradient';
      const build = () => {
        const s = stack(true);
        const synthesizers = method.startsWith('synthetic')
          ? [
              createSynthesizer({ dim: 5, hidden: [8, 8], kind, labelClasses: conditioned ? 3 : 0, seed: 11 }),
              createSynthesizer({ dim: 4, hidden: [8, 8], kind, seed: 12 }),
            ]
          : undefined;
        // warm-up until step 4: a restored trainer that forgot its step count would take step 4 by backprop too
        const trainer = new DecoupledTrainer({
          ...s,
          loss: crossEntropy,
          method,
          synthesizers,
          optimizer: () => tf.train.adam(1e-2),
          warmupSteps: method === 'backprop' ? 0 : 4,
        });
        const all = [...s.modules, s.head, ...(synthesizers ?? [])];
        // everything a checkpoint keeps: variables, batch norm's population statistics (the modules' state)
        return {
          trainer,
          all,
          variables: all.flatMap((m) => [...m.variables, ...('state' in m ? (m.state ?? []) : [])]),
        };
      };
      const { x, y } = batch();
      const a = build();
      for (let i = 0; i < 4; i++) await a.trainer.step(x, y);
      // what a checkpoint keeps: values, not tensors
      const saved = await Promise.all(a.variables.map((v) => v.data()));
      const optimizerWeights = await a.trainer.getWeights();
      const savedOptimizer = await Promise.all(
        optimizerWeights.map(async (w) => ({ name: w.name, shape: w.tensor.shape, values: await w.tensor.data() })),
      );
      tf.dispose(optimizerWeights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
      expect(savedOptimizer.map((w) => w.name.split('/')[0])).toEqual(
        expect.arrayContaining(['head', 'module 0', 'module 1']),
      );

      const restore = async (withStepCount: boolean) => {
        const t = build();
        tf.tidy(() => t.variables.forEach((v, i) => v.assign(tf.tensor(saved[i] as Float32Array, v.shape))));
        const weights = savedOptimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
        await t.trainer.setWeights(weights);
        tf.dispose(weights.map((w) => w.tensor));
        if (withStepCount) t.trainer.stepsDone = a.trainer.stepsDone;
        return t;
      };
      const b = await restore(true);
      // the same without the step count: it warms up again (backprop) where the original is past its warm-up
      const forgetful = await restore(false);
      const after = async (t: typeof a, noisy = true) =>
        (
          await Promise.all(t.variables.filter((v) => noisy || !/^m\d\/bias_/.test(v.name)).map((v) => v.data()))
        ).flatMap((d) => Array.from(d));
      for (let i = 0; i < 3; i++) {
        for (const t of [a, b, forgetful]) await t.trainer.step(x, y);
        // cpu and wasm continue bit for bit. webgpu's Adam recomputes its bias corrections with pow() on restore: within
        // a fifth of one Adam step (lr 1e-2), leaving out the biases before batch norm, whose true gradient is 0 and
        // whose Adam step (m/√v of rounding noise) is noise
        if (backend.name === 'webgpu')
          expectValuesClose(await after(b, false), await after(a, false), {
            rtol: 0,
            atol: 2e-3,
            what: `${method}: variables after ${i + 1} more step(s)`,
          });
        else expect(await after(b)).toEqual(await after(a));
      }
      if (method !== 'backprop') expect(await after(forgetful)).not.toEqual(await after(a));
      const stray = tf.scalar(1);
      await expect(b.trainer.setWeights([{ name: 'synthesizer 7/iter', tensor: stray }])).rejects.toThrow(
        /^DecoupledTrainer\.setWeights: weight "synthesizer 7\/iter" belongs to no parameter group of this trainer; expected a name starting with one of "module 0\/"/,
      );
      expect(() => (b.trainer.stepsDone = -1)).toThrow('DecoupledTrainer: stepsDone = -1, expected an integer ≥ 0');
      for (const t of [a, b, forgetful]) {
        t.trainer.dispose();
        t.all.forEach((m) => m.dispose());
      }
      tf.dispose([x, y, stray]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  /** Reads (and frees) the kept h and target of each synthesizer. */
  type Seen = { h: number[]; target: number[]; shape: number[] };
  async function read(kept: Array<{ h: tf.Tensor; target: tf.Tensor }>): Promise<Seen[]> {
    const out = await Promise.all(
      kept.map(async (k) => ({ h: await valuesOf(k.h), target: await valuesOf(k.target), shape: k.target.shape })),
    );
    tf.dispose(kept.flatMap((k) => [k.h, k.target]));
    return out;
  }

  /** Row-wise softmax cross-entropy of the linear head and its gradient (p − y)·Wᵀ with respect to h, in float64. */
  function headByHand(h: number[], w: number[], b: number[], y: number[], rows: number, dim: number, classes: number) {
    const loss: number[] = [];
    const dh: number[] = [];
    for (let r = 0; r < rows; r++) {
      const z: number[] = [];
      for (let c = 0; c < classes; c++) {
        let s = b[c] as number;
        for (let k = 0; k < dim; k++) s += (h[r * dim + k] as number) * (w[k * classes + c] as number);
        z.push(s);
      }
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const total = e.reduce((a, v) => a + v, 0);
      const p = e.map((v) => v / total);
      loss.push(-z.reduce((a, v, c) => a + (y[r * classes + c] as number) * (v - top - Math.log(total)), 0));
      for (let k = 0; k < dim; k++) {
        let s = 0;
        for (let c = 0; c < classes; c++)
          s += ((p[c] as number) - (y[r * classes + c] as number)) * (w[k * classes + c] as number);
        dh.push(s);
      }
    }
    return { loss, dh };
  }

  test.each([
    ['decoupled (λ = 0)', 0, 0],
    ['λ = 0.3 mixing', 0.3, 0],
    ['warm-up', 0, 5],
  ] as Array<[string, number, number]>)(
    "%s: the top synthesizer's target is the true ∂L/∂h₂ of the summed loss, (softmax(h₂W + b) − y)·Wᵀ per example",
    async (_, lambda, warmupSteps) => {
      const s = stack();
      const { x, y } = batch();
      // the head's weights as the step saw them (it updates before the synthesizer trains)
      const [w, b] = await Promise.all(s.head.variables.map((v) => valuesOf(v)));
      const kept: Array<{ h: tf.Tensor; target: tf.Tensor }> = [];
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method: 'synthetic-gradient',
        lambda,
        warmupSteps,
        optimizer: () => tf.train.sgd(0.1),
        synthesizers: [
          fixedSynthesizer('gradient', (h) => tf.mul(h, 0.5)).s,
          fixedSynthesizer('gradient', (h) => tf.mul(h, -0.25)).s,
        ],
        onSynthesizerTarget: (index, h, target) => {
          if (index === 1) kept.push({ h: tf.keep(tf.clone(h)), target: tf.keep(tf.clone(target)) });
        },
      });
      await trainer.step(x, y);
      expect(kept).toHaveLength(1);
      const { h, target, shape } = (await read(kept))[0] as Seen;
      expect(shape).toEqual([8, 4]);
      const { dh } = headByHand(h, w as number[], b as number[], await valuesOf(y), 8, 4, 3);
      expectValuesClose(target, dh, { rtol: 1e-4, atol: 1e-6, what: 'top target' });
      tf.dispose([x, y]);
      [...s.modules, s.head].forEach((m) => m.dispose());
      trainer.dispose();
    },
  );

  /**
   * One synthetic-loss step of the small stack with fixed per-example predictions ℓ̂₀(h) = Σ_j |h_j|, ℓ̂₁(h) = Σ_j h_j²:
   * what each synthesizer was given as (h, target), the step's synthesizer losses, and each example's true loss computed
   * by hand from module 1's output and the head's weights as the step saw them.
   */
  async function syntheticLossStep(warmupSteps: number) {
    const s = stack();
    const { x, y } = batch();
    const [w, b] = await Promise.all(s.head.variables.map((v) => valuesOf(v)));
    const kept: Array<{ h: tf.Tensor; target: tf.Tensor }> = [];
    const trainer = new DecoupledTrainer({
      ...s,
      loss: crossEntropy,
      method: 'synthetic-loss',
      warmupSteps,
      optimizer: () => tf.train.sgd(0.1),
      synthesizers: [
        fixedSynthesizer('loss', (h) => tf.sum(tf.abs(h), 1)).s,
        fixedSynthesizer('loss', (h) => tf.sum(tf.square(h), 1)).s,
      ],
      onSynthesizerTarget: (index, h, target) => {
        kept[index] = { h: tf.keep(tf.clone(h)), target: tf.keep(tf.clone(target)) };
      },
    });
    const { synthesizerLosses } = await trainer.step(x, y);
    const [lower, top] = (await read(kept)) as [Seen, Seen];
    const { loss } = headByHand(top.h, w as number[], b as number[], await valuesOf(y), 8, 4, 3);
    tf.dispose([x, y]);
    [...s.modules, s.head].forEach((m) => m.dispose());
    trainer.dispose();
    return { lower, top, loss, synthesizerLosses };
  }

  test("synthetic loss: the top target is each example's true loss and the lower one the upper synthesizer's ℓ̂(h₂), both [batch]", async () => {
    const { lower, top, loss } = await syntheticLossStep(0);
    expect(top.shape).toEqual([8]);
    expect(lower.shape).toEqual([8]);
    expectValuesClose(top.target, loss, { rtol: 1e-4, atol: 1e-6, what: 'top target' });
    // the lower synthesizer learns to predict ℓ̂₁ of module 1's output on the same example
    const want = Array.from({ length: 8 }, (_, r) => top.h.slice(r * 4, r * 4 + 4).reduce((a, v) => a + v * v, 0));
    expectValuesClose(lower.target, want, { rtol: 1e-4, atol: 1e-6, what: 'bootstrapped target' });
  });

  test("synthetic-loss warm-up: every loss synthesizer learns from each example's true loss ([batch])", async () => {
    const { lower, top, loss, synthesizerLosses } = await syntheticLossStep(1);
    expect(synthesizerLosses).toHaveLength(2);
    for (const seen of [lower, top]) {
      expect(seen.shape).toEqual([8]);
      expectValuesClose(seen.target, loss, { rtol: 1e-4, atol: 1e-6, what: 'warm-up target' });
    }
  });

  test('bad configurations are one-line errors', () => {
    const s = stack();
    const sgd = () => tf.train.sgd(0.1);
    expect(
      () => new DecoupledTrainer({ ...s, loss: crossEntropy, method: 'synthetic-gradient', optimizer: sgd }),
    ).toThrow('DecoupledTrainer: 0 synthesizer(s) for 2 module(s); expected one per module for synthetic-gradient');
    expect(
      () => new DecoupledTrainer({ ...s, loss: crossEntropy, method: 'backprop', optimizer: sgd, lambda: 2 }),
    ).toThrow('DecoupledTrainer: lambda = 2, expected a number in [0, 1]');
    [...s.modules, s.head].forEach((m) => m.dispose());
  });
});

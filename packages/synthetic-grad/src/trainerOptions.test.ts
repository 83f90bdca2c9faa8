import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, expectValuesClose, test, valuesOf } from '@gradkit/test-harness';
import { createSynthesizer, DecoupledTrainer, type Module } from './index';
import { batch, crossEntropy, fixedSynthesizer, stack, weights } from './trainer.test-util';

const free = (s: { modules: Module[]; head: Module }, more: Array<{ dispose(): void }> = []) =>
  [...s.modules, s.head, ...more].forEach((m) => m.dispose());

const zeroGradient = () => fixedSynthesizer('gradient', (h) => tf.zerosLike(h)).s;
// ℓ̂(h) = 0·Σh: zero, and a function of h (so that it has a zero gradient rather than none)
const zeroLoss = () => fixedSynthesizer('loss', (h) => tf.mul(tf.sum(h, 1), 0)).s;

/** One dense layer by hand, float64: a·W + b for a [rows, n], W [n, m] (row-major), then relu or nothing. */
function layer(a: number[], w: number[], b: number[], rows: number, n: number, m: number, relu: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      let s = b[j] as number;
      for (let k = 0; k < n; k++) s += (a[r * n + k] as number) * (w[k * m + j] as number);
      out.push(relu ? Math.max(s, 0) : s);
    }
  }
  return out;
}

/** The logits of stack() (no batch norm) by hand, from its variables [W0, b0, W1, b1, W2, b2]. */
function logitsByHand(x: number[], ws: number[][], rows: number): number[] {
  const [w0, b0, w1, b1, w2, b2] = ws as [number[], number[], number[], number[], number[], number[]];
  return layer(layer(layer(x, w0, b0, rows, 6, 5, true), w1, b1, rows, 5, 4, true), w2, b2, rows, 4, 3, false);
}

/** Per-example softmax cross-entropy of logits [rows, classes], float64. */
function crossEntropyByHand(logits: number[], y: number[], rows: number, classes: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    const z = logits.slice(r * classes, r * classes + classes);
    const top = Math.max(...z);
    const log = Math.log(z.reduce((a, v) => a + Math.exp(v - top), 0)) + top;
    return z.reduce((a, v, c) => a - (y[r * classes + c] as number) * (v - log), 0);
  });
}

describeBackends('DecoupledTrainer options', () => {
  test('bad configurations are one-line errors; the boundary values are accepted', () => {
    const s = stack();
    const sgd = () => tf.train.sgd(0.1);
    const base = { ...s, loss: crossEntropy, optimizer: sgd };
    expect(() => new DecoupledTrainer({ ...base, modules: [], method: 'backprop' })).toThrow(
      'DecoupledTrainer: modules = [], expected at least one hidden module',
    );
    expect(() => new DecoupledTrainer({ ...base, method: 'dni' as never })).toThrow(
      `DecoupledTrainer: method = "dni", expected 'backprop', 'no-backprop', 'synthetic-gradient' or 'synthetic-loss'`,
    );
    expect(() => new DecoupledTrainer({ ...base, method: 'synthetic-loss', synthesizers: [zeroLoss()] })).toThrow(
      'DecoupledTrainer: 1 synthesizer(s) for 2 module(s); expected one per module for synthetic-loss',
    );
    expect(
      () => new DecoupledTrainer({ ...base, method: 'synthetic-gradient', synthesizers: [zeroGradient(), zeroLoss()] }),
    ).toThrow("DecoupledTrainer: synthesizer 1 predicts a loss; synthetic-gradient needs kind 'gradient'");
    expect(
      () => new DecoupledTrainer({ ...base, method: 'synthetic-loss', synthesizers: [zeroLoss(), zeroGradient()] }),
    ).toThrow("DecoupledTrainer: synthesizer 1 predicts a gradient; synthetic-loss needs kind 'loss'");
    for (const lambda of [-0.01, 1.01, Number.NaN])
      expect(() => new DecoupledTrainer({ ...base, method: 'backprop', lambda })).toThrow(
        `DecoupledTrainer: lambda = ${lambda}, expected a number in [0, 1]`,
      );
    for (const warmupSteps of [-1, 0.5])
      expect(() => new DecoupledTrainer({ ...base, method: 'backprop', warmupSteps })).toThrow(
        `DecoupledTrainer: warmupSteps = ${warmupSteps}, expected an integer ≥ 0`,
      );
    // accepted: λ at both ends, no warm-up, matching kinds, no synthesizers for the non-synthetic methods
    const ok = [
      new DecoupledTrainer({ ...base, method: 'backprop', lambda: 0, warmupSteps: 0 }),
      new DecoupledTrainer({ ...base, method: 'no-backprop', lambda: 1 }),
      new DecoupledTrainer({ ...base, method: 'synthetic-gradient', synthesizers: [zeroGradient(), zeroGradient()] }),
      new DecoupledTrainer({ ...base, method: 'synthetic-loss', synthesizers: [zeroLoss(), zeroLoss()] }),
    ];
    const t = ok[0] as DecoupledTrainer;
    t.stepsDone = 0;
    expect(t.stepsDone).toBe(0);
    expect(() => (t.stepsDone = 2.5)).toThrow('DecoupledTrainer: stepsDone = 2.5, expected an integer ≥ 0');
    ok.forEach((o) => o.dispose());
    free(s);
  });

  test('predict: the logits of the stack, by hand; training = false (the default) uses the population statistics', async () => {
    const s = stack();
    const { x, y } = batch();
    const trainer = new DecoupledTrainer({
      ...s,
      loss: crossEntropy,
      method: 'backprop',
      optimizer: () => tf.train.sgd(0.1),
    });
    const ws = await weights([...s.modules, s.head]);
    const want = logitsByHand(await valuesOf(x), ws, 8);
    const logits = trainer.predict(x);
    expect(logits.shape).toEqual([8, 3]);
    expectValuesClose(await valuesOf(logits), want, { rtol: 1e-4, atol: 1e-5 });
    logits.dispose();
    free(s);
    trainer.dispose();
    // with batch norm: inference normalizes by the initial population statistics (mean 0, variance 1), training by the
    // batch's; the two differ, and training-mode prediction moves the population statistics
    const b = stack(true);
    const bnTrainer = new DecoupledTrainer({
      ...b,
      loss: crossEntropy,
      method: 'backprop',
      optimizer: () => tf.train.sgd(0.1),
    });
    const stats = () => Promise.all((b.modules[0]?.state ?? []).map((v) => valuesOf(v)));
    const statsBefore = await stats();
    const inference = bnTrainer.predict(x);
    const inference2 = bnTrainer.predict(x, false);
    expect(await stats()).toEqual(statsBefore);
    // population statistics (0, 1): batch norm divides by √(1 + 1e-3) and nothing else
    const [w0, b0, , , w1, b1, , , w2, b2] = (await weights([...b.modules, b.head])) as number[][];
    const k = 1 / Math.sqrt(1 + 1e-3); // γ = 1, β = 0: batch norm is z·k, and relu(z·k) = relu(z)·k
    const a0 = layer(await valuesOf(x), w0 as number[], b0 as number[], 8, 6, 5, true).map((v) => v * k);
    const a1 = layer(a0, w1 as number[], b1 as number[], 8, 5, 4, true).map((v) => v * k);
    const wantLogits = layer(a1, w2 as number[], b2 as number[], 8, 4, 3, false);
    expectValuesClose(await valuesOf(inference), wantLogits, { rtol: 1e-4, atol: 1e-5, what: 'inference' });
    expect(await valuesOf(inference2)).toEqual(await valuesOf(inference));
    const training = bnTrainer.predict(x, true);
    expect(await valuesOf(training)).not.toEqual(await valuesOf(inference));
    expect(await stats()).not.toEqual(statsBefore);
    tf.dispose([inference, inference2, training, x, y]);
    free(b);
    bnTrainer.dispose();
  });

  test('the reported loss is the mean per-example loss before the update, by hand, for every path', async () => {
    const { x, y } = batch();
    const xs = await valuesOf(x);
    const ys = await valuesOf(y);
    for (const [method, synth] of [
      ['backprop', null],
      ['no-backprop', null],
      ['synthetic-gradient', zeroGradient],
      ['synthetic-loss', zeroLoss],
    ] as const) {
      const s = stack();
      const ws = await weights([...s.modules, s.head]);
      const perExample = crossEntropyByHand(logitsByHand(xs, ws, 8), ys, 8, 3);
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method,
        ...(synth == null ? {} : { synthesizers: [synth(), synth()] }),
        optimizer: () => tf.train.sgd(0.1),
      });
      const r = await trainer.step(x, y);
      expectValuesClose([r.loss], [perExample.reduce((a, v) => a + v, 0) / 8], {
        rtol: 1e-5,
        atol: 1e-6,
        what: method,
      });
      // without timing no waits; fixed synthesizers (nothing to train) report NaN
      expect(r.waits).toEqual([]);
      expect(r.synthesizerLosses).toEqual(synth == null ? [] : [Number.NaN, Number.NaN]);
      trainer.dispose();
      free(s);
    }
    tf.dispose([x, y]);
  });

  test("a synthesizer's reported loss is the MSE of its prediction to its target (a fresh one predicts 0: mean(target²))", async () => {
    const { x, y } = batch();
    for (const [label, lambda, warmupSteps] of [
      ['decoupled', 0, 0],
      ['λ-mixing', 0.5, 0],
      ['warm-up', 0, 1],
    ] as const) {
      const s = stack();
      const synths = [createSynthesizer({ dim: 5, hidden: [6] }), createSynthesizer({ dim: 4, hidden: [6] })];
      const targets: number[][] = [];
      const kept: Array<{ i: number; t: tf.Tensor }> = [];
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method: 'synthetic-gradient',
        lambda,
        warmupSteps,
        synthesizers: synths,
        optimizer: () => tf.train.sgd(0.1),
        onSynthesizerTarget: (i, _, target) => {
          kept.push({ i, t: tf.keep(tf.clone(target)) });
        },
      });
      const r = await trainer.step(x, y);
      for (const { i, t } of kept) targets[i] = await valuesOf(t);
      tf.dispose(kept.map((k) => k.t));
      expect(r.synthesizerLosses).toHaveLength(2);
      targets.forEach((t, i) => {
        // with a zero ĝ the lower target (the upper ĝ pushed back) is exactly 0 in the decoupled step
        const want = t.reduce((a, v) => a + v * v, 0) / t.length;
        expectValuesClose([r.synthesizerLosses[i] as number], [want], {
          rtol: 1e-4,
          atol: 1e-9,
          what: `${label} ${i}`,
        });
      });
      expect(targets[1]?.some((v) => v !== 0)).toBe(true);
      trainer.dispose();
      free(s, synths);
    }
    tf.dispose([x, y]);
  });

  test('warm-up lasts exactly warmupSteps steps: modules move by backprop during it and not after (a zero synthesizer)', async () => {
    const { x, y } = batch();
    for (const method of ['synthetic-gradient', 'synthetic-loss'] as const) {
      const s = stack();
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method,
        synthesizers: method === 'synthetic-gradient' ? [zeroGradient(), zeroGradient()] : [zeroLoss(), zeroLoss()],
        warmupSteps: 2,
        optimizer: () => tf.train.sgd(0.1),
      });
      const moves: boolean[] = [];
      for (let i = 0; i < 4; i++) {
        const before = await weights(s.modules);
        await trainer.step(x, y);
        moves.push(JSON.stringify(await weights(s.modules)) !== JSON.stringify(before));
      }
      expect(moves).toEqual([true, true, false, false]);
      expect(trainer.stepsDone).toBe(4);
      // a trainer told it has done 1 step warms up for one more
      trainer.stepsDone = 1;
      const before = await weights(s.modules);
      await trainer.step(x, y);
      expect(await weights(s.modules)).not.toEqual(before);
      trainer.dispose();
      free(s);
    }
    tf.dispose([x, y]);
  });

  test("λ = 1 and warm-up update like backprop without reading the synthesizers' predictions (a NaN one changes nothing)", async () => {
    const { x, y } = batch();
    const run = async (lambda: number | null, warmupSteps = 0) => {
      const s = stack();
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method: lambda == null ? 'backprop' : 'synthetic-gradient',
        ...(lambda == null
          ? {}
          : {
              lambda,
              warmupSteps,
              synthesizers: [0, 1].map(() => fixedSynthesizer('gradient', (h) => tf.fill(h.shape, NaN)).s),
            }),
        optimizer: () => tf.train.sgd(0.3),
      });
      await trainer.step(x, y);
      const w = await weights([...s.modules, s.head]);
      trainer.dispose();
      free(s);
      return w;
    };
    const bp = await run(null);
    expect(await run(1)).toEqual(bp);
    expect(await run(0, 1)).toEqual(bp);
    tf.dispose([x, y]);
  });

  test('no-backprop: the hidden modules never move, the head takes the backprop step, synthesizers are left alone', async () => {
    const { x, y } = batch();
    const run = async (method: 'backprop' | 'no-backprop') => {
      const s = stack();
      const synths = [createSynthesizer({ dim: 5, hidden: [6] }), createSynthesizer({ dim: 4, hidden: [6] })];
      const all = () => Promise.all([...s.modules, ...synths].flatMap((m) => m.variables).map((v) => valuesOf(v)));
      const before = await all();
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method,
        synthesizers: method === 'no-backprop' ? synths : undefined,
        optimizer: () => tf.train.sgd(0.3),
        timing: true,
      });
      const r = await trainer.step(x, y);
      const after = await all();
      const head = await weights([s.head]);
      const list = await trainer.getWeights();
      const groups = list.map((w) => w.name);
      tf.dispose(list.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
      trainer.dispose();
      free(s, synths);
      return { moved: JSON.stringify(after) !== JSON.stringify(before), head, r, groups };
    };
    const bp = await run('backprop');
    const frozen = await run('no-backprop');
    expect(bp.moved).toBe(true);
    expect(frozen.moved).toBe(false);
    frozen.head.forEach((w, i) => expectValuesClose(w, bp.head[i] as number[], { rtol: 1e-6, atol: 1e-7 }));
    expect(frozen.r.synthesizerLosses).toEqual([]);
    expect(frozen.r.waits).toHaveLength(2);
    expect(frozen.groups.map((n) => n.split('/')[0])).toEqual(['head']);
    tf.dispose([x, y]);
  });

  test('synthesizers receive the labels only when conditioned (cDNI), in every path', async () => {
    const { x, y } = batch();
    for (const lambda of [0, 0.5]) {
      const s = stack();
      const a = fixedSynthesizer('gradient', (h) => tf.zerosLike(h), true);
      const b = fixedSynthesizer('gradient', (h) => tf.zerosLike(h), false);
      const trainer = new DecoupledTrainer({
        ...s,
        loss: crossEntropy,
        method: 'synthetic-gradient',
        lambda,
        synthesizers: [a.s, b.s],
        optimizer: () => tf.train.sgd(0.1),
      });
      await trainer.step(x, y);
      expect(a.seen.length).toBeGreaterThan(0);
      expect(a.seen.every((l) => l === y)).toBe(true);
      expect(b.seen.length).toBeGreaterThan(0);
      expect(b.seen.every((l) => l === null)).toBe(true);
      trainer.dispose();
      free(s);
    }
    tf.dispose([x, y]);
  });

  test("getWeights lists each group's optimizer weights, groups sorted by name; dispose frees them all", async () => {
    const { x, y } = batch();
    const s = stack();
    const synths = [createSynthesizer({ dim: 5, hidden: [6] }), createSynthesizer({ dim: 4, hidden: [6] })];
    const trainer = new DecoupledTrainer({
      ...s,
      loss: crossEntropy,
      method: 'synthetic-gradient',
      synthesizers: synths,
      optimizer: () => tf.train.adam(1e-3),
    });
    const before = tf.memory().numTensors;
    await trainer.step(x, y);
    const list = await trainer.getWeights();
    // first use order is module 0, synthesizer … ; the list is sorted
    const groups = [...new Set(list.map((w) => w.name.slice(0, w.name.indexOf('/'))))];
    expect(groups).toEqual(['head', 'module 0', 'module 1', 'synthesizer 0', 'synthesizer 1']);
    tf.dispose(list.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(await trainer.getWeights()).toEqual([]);
    // a name without a group prefix is refused, with the trainer's groups listed
    const stray = tf.scalar(1);
    await expect(trainer.setWeights([{ name: 'heads', tensor: stray }])).rejects.toThrow(
      'DecoupledTrainer.setWeights: weight "heads" belongs to no parameter group of this trainer; expected a name starting with one of "module 0/", "module 1/", "head/", "synthesizer 0/", "synthesizer 1/"',
    );
    tf.dispose([x, y, stray]);
    free(s, synths);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  afterAll,
  describe,
  describeBackends,
  expect,
  expectNoLeaks,
  expectValuesClose,
  takeValues,
  test,
  valuesOf,
} from '@gradkit/test-harness';
import { epochCheckpoints } from './checkpoint/epochLoop';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint/format';
import { fileCheckpoint, reportOnlyCheckpoint } from './checkpoint/storage';
import { loadTraining, saveTraining, type Training } from './checkpoint/training';
import { interruptingCheckpoint, RunInterrupted } from './testing';

const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoint files', () => {
  const config = { epochs: 20, lr: 1e-3 };
  const data = {
    state: { epoch: 3, curve: [1.5, 1.25] },
    arrays: {
      w: { shape: [2, 3], dtype: 'float32' as const, data: Float32Array.from([1, -2.5, 3, 0.125, 1e-7, -0]) },
      count: { shape: [1], dtype: 'int32' as const, data: Int32Array.from([7]) },
      empty: { shape: [0], dtype: 'float32' as const, data: new Float32Array(0) },
    },
  };

  test('round trip: state and every array come back bit for bit', () => {
    const back = decodeCheckpoint(encodeCheckpoint(config, data), config, 'x.ckpt');
    expect(back.state).toEqual(data.state);
    expect(Object.keys(back.arrays)).toEqual(['w', 'count', 'empty']);
    expect(back.arrays.w).toEqual(data.arrays.w);
    expect(back.arrays.count?.data).toBeInstanceOf(Int32Array);
    expect([...(back.arrays.count?.data ?? [])]).toEqual([7]);
    expect(back.arrays.empty?.data.length).toBe(0);
  });

  test('another configuration, a foreign file or a cut file: one-line errors naming the file', () => {
    const bytes = encodeCheckpoint(config, data);
    expect(() => decodeCheckpoint(bytes, { ...config, lr: 1e-4 }, 'r.ckpt')).toThrow(
      /^r\.ckpt: written by a run with another configuration .*; delete it or run without --resume$/,
    );
    expect(() => decodeCheckpoint(new TextEncoder().encode('{"not": "a checkpoint"}'), config, 'r.ckpt')).toThrow(
      'r.ckpt: not a checkpoint; expected a gradkit checkpoint',
    );
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4), config, 'r.ckpt')).toThrow(
      'r.ckpt: truncated array "count"',
    );
    expect(() =>
      encodeCheckpoint(config, {
        state: null,
        arrays: { w: { shape: [2, 2], dtype: 'float32', data: new Float32Array(3) } },
      }),
    ).toThrow('checkpoint array "w": 3 values for shape [2, 2], expected 4');
  });

  test('a run loads its checkpoint only with --resume; saves replace it whole', () => {
    const file = join(dir, 'checkpoints', 'run.ckpt');
    const fresh = fileCheckpoint(file, config, false);
    const resumed = fileCheckpoint(file, config, true);
    expect(resumed.load()).toBeNull();
    fresh.save(data);
    fresh.save({ ...data, state: { epoch: 4 } });
    expect(fresh.load()).toBeNull();
    expect(resumed.load()?.state).toEqual({ epoch: 4 });
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['run.ckpt']);
    writeFileSync(file, readFileSync(file).subarray(0, 10));
    expect(() => resumed.load()).toThrow(`${file}: not a checkpoint`);
  });

  test('a .gz checkpoint (--carry) is stored gzip-compressed and loads bit for bit', () => {
    const file = join(dir, 'carry', 'run.ckpt.gz');
    fileCheckpoint(file, config, false).save(data);
    const bytes = readFileSync(file);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(bytes)).toEqual(Buffer.from(encodeCheckpoint(config, data)));
    expect(fileCheckpoint(file, config, true).load()?.arrays.w).toEqual(data.arrays.w);
    writeFileSync(file, bytes.subarray(0, 20));
    expect(() => fileCheckpoint(file, config, true).load()).toThrow(
      new RegExp(
        `^${file.replace(/[.]/g, '\\.')}: not readable as gzip \\(.*\\); expected a gzip-compressed gradkit checkpoint`,
      ),
    );
  });

  test('interruptingCheckpoint (for tests of resumable runs): writes its save, then stops the run; --resume finds the save', () => {
    const file = join(dir, 'interrupted', 'run.ckpt');
    const stopping = interruptingCheckpoint(file, config);
    expect(stopping.load()).toBeNull();
    expect(() => stopping.save(data)).toThrow(RunInterrupted);
    expect(() => stopping.save({ ...data, state: { epoch: 4 } })).toThrow(`${file}: stopped after save 2`);
    expect(stopping.saves).toBe(2);
    expect(fileCheckpoint(file, config, true).load()?.state).toEqual({ epoch: 4 });
  });
});

describeBackends('saveTraining / loadTraining', (backend) => {
  /** A small regression trained with Adam; `steps` steps from a fixed start. */
  const model = () => {
    const w = tf.tidy(() => tf.variable(tf.tensor2d([0.5, -1, 0.25, 2, -0.5, 1], [3, 2])));
    const b = tf.tidy(() => tf.variable(tf.zeros([2])));
    const x = tf.tensor2d([1, 2, 3, -1, 0.5, 2, 0, 1, -2, 3, 1, 0], [4, 3]);
    const y = tf.tensor2d([1, 0, 0, 1, 2, -1, 0.5, 0.5], [4, 2]);
    const adam = tf.train.adam(0.05);
    const step = () =>
      adam.minimize(() => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w), b)) as tf.Scalar, false, [w, b]);
    const training: Training = { variables: { w, b }, optimizer: adam };
    return { w, b, adam, step, training, dispose: () => (tf.dispose([w, b, x, y]), adam.dispose()) };
  };

  test("stopping after 3 steps and continuing in a fresh model gives the uninterrupted run's weights; no leaks", async () => {
    const straight = model();
    for (let i = 0; i < 7; i++) straight.step();
    const expected = await takeValues(tf.tidy(() => tf.concat([tf.reshape(straight.w, [-1]), straight.b])));
    straight.dispose();

    const file = join(dir, 'adam.ckpt');
    const first = model();
    for (let i = 0; i < 3; i++) first.step();
    await expectNoLeaks(
      () => saveTraining(fileCheckpoint(file, {}, false), first.training, { step: 3 }),
      'saveTraining',
    );
    first.dispose();

    const second = model();
    const state = await loadTraining(fileCheckpoint(file, {}, true), second.training);
    expect(state).toEqual({ step: 3 });
    for (let i = 3; i < 7; i++) second.step();
    const got = await takeValues(tf.tidy(() => tf.concat([tf.reshape(second.w, [-1]), second.b])));
    // The same arithmetic in the same order, Adam's moments included: equal to the last bit. Except on webgpu,
    // where tfjs's Adam.setWeights recomputes its bias corrections as pow(β, t + 1) and the GPU's pow (exp∘log)
    // is not the product of t + 1 factors the uninterrupted run kept: there within float32 rounding of it.
    if (backend.name === 'webgpu')
      expectValuesClose(got, expected, { rtol: 1e-4, atol: 1e-6, what: 'weights after 3 + 4 steps' });
    else expect(got).toEqual(expected);
    second.dispose();
  });

  test('without a checkpoint nothing is touched; a shape that does not fit is refused before any assignment', async () => {
    const m = model();
    expect(await loadTraining(undefined, m.training)).toBeNull();
    expect(await loadTraining(fileCheckpoint(join(dir, 'none.ckpt'), {}, true), m.training)).toBeNull();
    const file = join(dir, 'shape.ckpt');
    const other = { variables: { w: m.b, b: m.b } };
    await saveTraining(fileCheckpoint(file, {}, false), other, null);
    const before = await valuesOf(m.w);
    await expect(loadTraining(fileCheckpoint(file, {}, true), { variables: { b: m.b, w: m.w } })).rejects.toThrow(
      'checkpoint: "w" has shape [2], expected [3, 2]',
    );
    expect(await valuesOf(m.w)).toEqual(before);
    m.dispose();
  });

  test('epochCheckpoints: saves after every epoch but the last; a resumed loop starts after the saved epoch with its lists and values back', async () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
    const file = join(dir, 'epochs.ckpt');
    const logs: string[] = [];
    const curve: number[] = [];
    let seed = 7;
    const values = { seed: { get: () => seed, set: (v: unknown) => (seed = v as number) } };
    const first = await epochCheckpoints(
      { checkpoint: fileCheckpoint(file, {}, false), log: (m) => logs.push(m) },
      { variables: { w } },
      3,
      { curve },
      values,
    );
    expect(first.start).toBe(0);
    for (let epoch = first.start; epoch < 2; epoch++) {
      curve.push(epoch * 10);
      seed += 1;
      tf.tidy(() => w.assign(tf.add(w, 1)));
      await first.after(epoch + 1);
    }
    const afterTwo = await valuesOf(w);
    await first.after(3); // the last epoch: nothing saved
    const resumedCurve: number[] = [];
    seed = 0;
    tf.tidy(() => w.assign(tf.zeros([2])));
    const second = await epochCheckpoints(
      { checkpoint: fileCheckpoint(file, {}, true), log: (m) => logs.push(m) },
      { variables: { w } },
      3,
      { curve: resumedCurve },
      values,
    );
    expect(second.start).toBe(2);
    expect(second.end).toBe(3);
    expect(resumedCurve).toEqual([0, 10]);
    expect(seed).toBe(9);
    expect(await valuesOf(w)).toEqual(afterTwo);
    expect(logs).toEqual(['continuing from the checkpoint after epoch 2']);
    const none = await epochCheckpoints({ log: (m) => logs.push(m) }, { variables: { w } }, 3, { curve: [] });
    expect(none.start).toBe(0);
    expect(none.end).toBe(3);
    await none.after(1);
    w.dispose();
  });

  test('epochCheckpoints under --partial: restores, runs no epoch, says how far the run got, never saves', async () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
    const file = join(dir, 'partial.ckpt');
    const config = { epochs: 5 };
    const run = await epochCheckpoints(
      { checkpoint: fileCheckpoint(file, config, false), log: () => undefined },
      { variables: { w } },
      5,
      { curve: [] },
    );
    tf.tidy(() => w.assign(tf.tensor1d([3, 4])));
    await run.after(2);
    const saved = readFileSync(file);
    tf.tidy(() => w.assign(tf.zeros([2])));
    const progress: string[] = [];
    const curve: number[] = [];
    const report = await epochCheckpoints(
      { checkpoint: reportOnlyCheckpoint(file, config, (p) => progress.push(p)), log: () => undefined },
      { variables: { w } },
      5,
      { curve },
    );
    expect([report.start, report.end]).toEqual([2, 2]);
    expect(progress).toEqual(['after epoch 2 of 5']);
    expect(await valuesOf(w)).toEqual([3, 4]);
    await report.after(3);
    expect(readFileSync(file).equals(saved)).toBe(true);
    expect(() => reportOnlyCheckpoint(file, config, () => undefined).save({ state: null, arrays: {} })).toThrow(
      `${file}: --partial reports on a run without training it; this experiment tried to save`,
    );
    // another configuration is refused as with --resume; no checkpoint at all: nothing to report
    await expect(
      epochCheckpoints(
        { checkpoint: reportOnlyCheckpoint(file, { epochs: 6 }, () => undefined), log: () => undefined },
        { variables: { w } },
        6,
        { curve },
      ),
    ).rejects.toThrow('written by a run with another configuration');
    await expect(
      epochCheckpoints(
        { checkpoint: reportOnlyCheckpoint(join(dir, 'missing.ckpt'), config, () => undefined), log: () => undefined },
        { variables: { w } },
        5,
        { curve },
      ),
    ).rejects.toThrow(
      '--partial: this run has no checkpoint; expected an unfinished run that saved at least one epoch',
    );
    w.dispose();
  });
});

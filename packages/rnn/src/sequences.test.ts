import * as tf from '@tensorflow/tfjs-core';
import {
  describe,
  describeBackends,
  expect,
  expectValuesClose,
  takeValues,
  test,
  uniformValues,
  valuesOf,
} from '@gradkit/test-harness';
import {
  BucketIterator,
  embedding,
  generate,
  lastRelevant,
  lengthsFromPadded,
  maskedSequenceLoss,
  PaddedIterator,
  paddingOf,
  sampleFromLogits,
  sequenceMask,
} from './index';

function rng(seed: number) {
  let a = seed;
  return () => (a = (a * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

describeBackends('variable-length utilities and the embedding', () => {
  test('lengthsFromPadded, sequenceMask, lastRelevant and maskedSequenceLoss against plain numbers', async () => {
    const ids = tf.tensor2d(
      [
        [3, 1, 4, 0, 0],
        [5, 0, 2, 6, 0],
        [0, 0, 0, 0, 0],
      ],
      [3, 5],
      'int32',
    );
    expect(await takeValues(lengthsFromPadded(ids))).toEqual([3, 4, 0]);
    expect(await takeValues(sequenceMask([3, 4, 0], 5))).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const outs = uniformValues(3 * 5 * 2, 1);
    const o = tf.tensor3d(outs, [3, 5, 2]);
    expectValuesClose(await takeValues(lastRelevant(o, [3, 4, 0])), [...outs.slice(4, 6), ...outs.slice(16, 18), 0, 0]);
    // its gradient reaches exactly the picked step (and works on wasm, which has no gather gradient)
    const g = tf.grad((x: tf.Tensor) => tf.sum(lastRelevant(x as tf.Tensor3D, [3, 4, 0])))(o);
    const gv = await takeValues(g);
    expect(gv.filter((v) => v === 1)).toHaveLength(4);
    const loss = uniformValues(15, 2, 0, 2);
    const l = tf.tensor2d(loss, [3, 5]);
    const mask = [1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    expectValuesClose(await takeValues(maskedSequenceLoss(l, [3, 4, 0])), [
      loss.reduce((s, v, i) => s + v * (mask[i] as number), 0) / 7,
    ]);
    tf.dispose([ids, o, l]);
  });

  test('embedding: rows of the table forward; repeated ids sum their gradients (every backend, wasm included)', async () => {
    const tableValues = uniformValues(6 * 3, 3);
    const table = tf.tensor2d(tableValues, [6, 3]);
    const ids = tf.tensor2d(
      [
        [1, 4],
        [1, 0],
      ],
      [2, 2],
      'int32',
    );
    const out = await takeValues(embedding(ids, table));
    expect(out).toEqual([1, 4, 1, 0].flatMap((i) => tableValues.slice(i * 3, i * 3 + 3)));
    const dy = tf.tensor3d(uniformValues(12, 4), [2, 2, 3]);
    const g = tf.grad((t: tf.Tensor) => embedding(ids, t))(table, dy);
    const dyv = await valuesOf(dy);
    const want = new Array<number>(18).fill(0);
    [1, 4, 1, 0].forEach((id, p) =>
      [0, 1, 2].forEach((j) => (want[id * 3 + j] = (want[id * 3 + j] as number) + (dyv[p * 3 + j] as number))),
    );
    expectValuesClose(await takeValues(g), want);
    tf.dispose([table, ids, dy]);
  });

  test('embedding inside an optimizer step, with the ids created inside the loss function', async () => {
    // regression: the backward must not read ids the forward pass created (they are freed before it runs)
    const table = tf.tidy(() => tf.variable(tf.zeros([5, 2])));
    const sgd = tf.train.sgd(1);
    sgd.minimize(() => tf.sum(embedding(tf.tensor1d([1, 1, 3], 'int32'), table)));
    expect(await valuesOf(table)).toEqual([0, 0, -2, -2, 0, 0, -1, -1, 0, 0]);
    table.dispose();
    sgd.dispose();
  });
});

describe('sampling and batching', () => {
  test('sampleFromLogits: top-k keeps only the k best; frequencies follow softmax(logits / T)', () => {
    const logits = [2, 1, 0, -1, -3];
    const random = rng(7);
    for (let i = 0; i < 200; i++) expect(sampleFromLogits(logits, { topK: 2, random })).toBeLessThan(2);
    const n = 20000;
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < n; i++) counts[sampleFromLogits(logits, { temperature: 2, random }) as number]! += 1;
    const e = logits.map((v) => Math.exp(v / 2));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, i) => {
      const p = v / z;
      expect(Math.abs((counts[i] as number) / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    });
    expect(() => sampleFromLogits(logits, { temperature: 0, random })).toThrow(
      'sampleFromLogits: temperature = 0, expected a number > 0',
    );
  });

  test('generate feeds the prompt, then one step per new token, carrying the state', async () => {
    const seen: number[] = [];
    const { tokens, state } = await generate({
      prompt: [1, 2],
      length: 3,
      initialState: 0,
      random: rng(3),
      topK: 1,
      step: async (token, s) => {
        seen.push(token);
        return { logits: [0, 0, 0, 0].map((_, i) => (i === (token + 1) % 4 ? 5 : 0)), state: s + 1 };
      },
    });
    expect(tokens).toEqual([3, 0, 1]);
    expect(seen).toEqual([1, 2, 3, 0, 1]);
    expect(state).toBe(5);
  });

  test("bucketing: every example exactly once per epoch (at most once with the post's rule), less padding, padding as reported", () => {
    const r = rng(11);
    const lengths = Array.from({ length: 1000 }, () => 1 + Math.floor(r() ** 3 * 100));
    const padded = new PaddedIterator(lengths, { batchSize: 32, seed: 1 });
    const bucketed = new BucketIterator(lengths, { batchSize: 32, seed: 1, buckets: 5 });
    const postRule = new BucketIterator(lengths, { batchSize: 32, seed: 1, buckets: 5, epochEnd: 'first-empty' });
    for (const it of [padded, bucketed, postRule]) {
      const seen = new Set<number>();
      let padding = 0;
      let batches = 0;
      for (const batch of it.epoch(0)) {
        if (it !== bucketed) expect(batch).toHaveLength(32);
        for (const i of batch) {
          expect(seen.has(i)).toBe(false);
          seen.add(i);
        }
        padding += paddingOf(batch, lengths);
        batches += 1;
      }
      expect(it.stats()).toEqual({
        batches,
        examples: seen.size,
        averagePadding: padding / batches,
        paddingPerExample: padding / seen.size,
      });
      if (it === bucketed) expect(seen.size).toBe(1000); // 5 buckets of 200: 6 full batches and one of 8 each
      if (it === bucketed) expect(batches).toBe(35);
      if (it === postRule) expect(seen.size).toBeLessThan(1000);
    }
    expect(bucketed.stats().paddingPerExample * 3).toBeLessThan(padded.stats().paddingPerExample);
    expect(postRule.stats().averagePadding * 3).toBeLessThan(padded.stats().averagePadding);
    expect(() => new BucketIterator(lengths, { batchSize: 32, epochEnd: 'never' as never })).toThrow(
      `BucketIterator: epochEnd = "never", expected 'all-used' or 'first-empty'`,
    );
    expect(() => new BucketIterator(lengths, { batchSize: 0 })).toThrow(
      'BucketIterator: batchSize = 0, expected an integer from 1 to 1000 (the number of examples)',
    );
  });
});

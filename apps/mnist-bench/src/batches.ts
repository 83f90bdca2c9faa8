import * as tf from '@tensorflow/tfjs-core';
import type { Split } from './mnist';

/** Normal samples by Box–Muller from `rng`. */
export function normals(rng: () => number, n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return out;
}

/** Fisher–Yates permutation of 0..n−1. */
export function permutation(rng: () => number, n: number): Uint32Array {
  const p = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** A {@link BatchStream}'s position, as JSON. */
export interface BatchStreamState {
  order: number[];
  cursor: number;
  epoch: number;
}

/**
 * Minibatches over epochs: each epoch visits every example once in a fresh seeded order; a batch never spans two
 * epochs (the tail of an epoch that does not fill a batch is dropped, as TF's `next_batch` reshuffles).
 */
export class BatchStream {
  private order: Uint32Array;
  private cursor = 0;
  epoch = 0;

  constructor(
    private readonly split: Split,
    private readonly features: number,
    readonly batchSize: number,
    private readonly rng: () => number,
  ) {
    if (batchSize > split.count) throw new Error(`batch size ${batchSize} exceeds the ${split.count} examples`);
    this.order = permutation(rng, split.count);
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.split.count / this.batchSize);
  }

  /** Where the stream stands (this epoch's order, the position in it, the epoch), for a checkpoint. */
  snapshot(): BatchStreamState {
    return { order: Array.from(this.order), cursor: this.cursor, epoch: this.epoch };
  }

  /** Continues from a {@link snapshot} (of a stream over the same split and batch size); checked before anything changes. */
  restore(state: BatchStreamState): void {
    const n = this.split.count;
    const { order, cursor, epoch } = (state ?? {}) as Partial<BatchStreamState>;
    if (!Array.isArray(order) || order.length !== n) {
      throw new RangeError(
        `batch stream state: order of ${Array.isArray(order) ? order.length : typeof order} entries, expected a permutation of the ${n} examples`,
      );
    }
    const seen = new Uint8Array(n);
    for (const i of order) {
      if (!Number.isInteger(i) || i < 0 || i >= n || seen[i] === 1)
        throw new RangeError(
          `batch stream state: order holds ${String(i)} (again or out of range), expected a permutation of 0..${n - 1}`,
        );
      seen[i] = 1;
    }
    if (!Number.isInteger(cursor) || (cursor as number) < 0 || (cursor as number) > n)
      throw new RangeError(`batch stream state: cursor ${String(cursor)}, expected an integer in [0, ${n}]`);
    if (!Number.isInteger(epoch) || (epoch as number) < 0)
      throw new RangeError(`batch stream state: epoch ${String(epoch)}, expected an integer ≥ 0`);
    this.order = Uint32Array.from(order);
    this.cursor = cursor as number;
    this.epoch = epoch as number;
  }

  /** The next batch as plain arrays (images [batch·features], labels [batch]). */
  nextArrays(): { images: Float32Array; labels: Uint8Array } {
    if (this.cursor + this.batchSize > this.split.count) {
      this.order = permutation(this.rng, this.split.count);
      this.cursor = 0;
      this.epoch += 1;
    }
    const images = new Float32Array(this.batchSize * this.features);
    const labels = new Uint8Array(this.batchSize);
    for (let b = 0; b < this.batchSize; b++) {
      const i = this.order[this.cursor + b] as number;
      images.set(this.split.images.subarray(i * this.features, (i + 1) * this.features), b * this.features);
      labels[b] = this.split.labels[i] as number;
    }
    this.cursor += this.batchSize;
    return { images, labels };
  }

  /** The next batch as tensors: x [batch, features] and one-hot y [batch, classes]. The caller disposes them. */
  next(classes: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
    const { images, labels } = this.nextArrays();
    return toTensors(images, labels, this.features, classes);
  }
}

export function toTensors(
  images: Float32Array,
  labels: Uint8Array,
  features: number,
  classes: number,
): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const oneHot = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => (oneHot[i * classes + l] = 1));
  return { x: tf.tensor2d(images, [labels.length, features]), y: tf.tensor2d(oneHot, [labels.length, classes]) };
}

/**
 * Accuracy of `predict` (logits) over a split, in chunks; `predict` runs inside tidy. Reads back only the
 * predicted classes.
 */
export async function accuracy(
  predict: (x: tf.Tensor2D) => tf.Tensor,
  split: Split,
  features: number,
  chunk = 1000,
): Promise<number> {
  let correct = 0;
  for (let from = 0; from < split.count; from += chunk) {
    const to = Math.min(split.count, from + chunk);
    const classes = tf.tidy(() =>
      tf.argMax(predict(tf.tensor2d(split.images.subarray(from * features, to * features), [to - from, features])), 1),
    );
    const predicted = await classes.data();
    classes.dispose();
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === split.labels[from + i]) correct += 1;
  }
  return correct / split.count;
}

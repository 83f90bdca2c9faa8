/** A seeded PRNG (mulberry32) for shuffles. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Padding of one batch: Σ (longest − length) over its examples. */
export function paddingOf(batch: number[], lengths: number[]): number {
  const max = Math.max(...batch.map((i) => lengths[i] as number));
  return batch.reduce((s, i) => s + max - (lengths[i] as number), 0);
}

export interface BatchingOptions {
  batchSize: number;
  seed?: number;
}

/**
 * R2RT post 4's padded iterator: shuffle, then consecutive batches, each padded to its own longest sequence.
 * Yields arrays of example indices; `stats()` reports the padding so far. Drops a last incomplete batch.
 */
export class PaddedIterator {
  private padding = 0;
  private batches = 0;

  constructor(
    private readonly lengths: number[],
    private readonly options: BatchingOptions,
  ) {
    validate(lengths, options, 'PaddedIterator');
  }

  *epoch(epoch = 0): Generator<number[]> {
    const order = shuffle(this.lengths.map((_, i) => i), rng((this.options.seed ?? 1) * 1000 + epoch));
    for (let start = 0; start + this.options.batchSize <= order.length; start += this.options.batchSize) {
      const batch = order.slice(start, start + this.options.batchSize);
      this.padding += paddingOf(batch, this.lengths);
      this.batches += 1;
      yield batch;
    }
  }

  stats(): { batches: number; averagePadding: number } {
    return { batches: this.batches, averagePadding: this.batches ? this.padding / this.batches : 0 };
  }
}

/**
 * R2RT post 4's bucketed iterator: sort by length, split into `buckets` equal buckets, shuffle inside each; each
 * batch comes from a randomly chosen bucket; an epoch ends when any bucket runs out (as in the post — so an epoch
 * sees a little less than all the data). Yields arrays of example indices; `stats()` reports the padding so far.
 */
export class BucketIterator {
  private padding = 0;
  private batches = 0;

  constructor(
    private readonly lengths: number[],
    private readonly options: BatchingOptions & { buckets?: number },
  ) {
    validate(lengths, options, 'BucketIterator');
    const buckets = options.buckets ?? 5;
    if (!Number.isInteger(buckets) || buckets < 1 || buckets * options.batchSize > lengths.length) {
      throw new RangeError(`BucketIterator: buckets = ${buckets}, expected an integer from 1 to ${Math.floor(lengths.length / options.batchSize)} (${lengths.length} examples, batch ${options.batchSize})`);
    }
  }

  *epoch(epoch = 0): Generator<number[]> {
    const next = rng((this.options.seed ?? 1) * 1000 + epoch);
    const n = this.options.buckets ?? 5;
    const sorted = this.lengths.map((_, i) => i).sort((a, b) => (this.lengths[a] as number) - (this.lengths[b] as number) || a - b);
    const size = Math.floor(sorted.length / n);
    const buckets = Array.from({ length: n }, (_, b) => shuffle(sorted.slice(b * size, b === n - 1 ? sorted.length : (b + 1) * size), next));
    const cursors = buckets.map(() => 0);
    for (;;) {
      const b = Math.floor(next() * n);
      const bucket = buckets[b] as number[];
      if ((cursors[b] as number) + this.options.batchSize > bucket.length) return;
      const batch = bucket.slice(cursors[b], (cursors[b] as number) + this.options.batchSize);
      cursors[b] = (cursors[b] as number) + this.options.batchSize;
      this.padding += paddingOf(batch, this.lengths);
      this.batches += 1;
      yield batch;
    }
  }

  stats(): { batches: number; averagePadding: number } {
    return { batches: this.batches, averagePadding: this.batches ? this.padding / this.batches : 0 };
  }
}

function validate(lengths: number[], options: BatchingOptions, where: string): void {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > lengths.length) {
    throw new RangeError(`${where}: batchSize = ${options.batchSize}, expected an integer from 1 to ${lengths.length} (the number of examples)`);
  }
  const bad = lengths.findIndex((l) => !Number.isInteger(l) || l < 0);
  if (bad >= 0) throw new RangeError(`${where}: lengths[${bad}] = ${lengths[bad]}, expected a non-negative integer`);
}

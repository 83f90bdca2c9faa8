import { createRng } from '@gradkit/core';

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
  private examples = 0;

  constructor(
    private readonly lengths: number[],
    private readonly options: BatchingOptions,
  ) {
    validate(lengths, options, 'PaddedIterator');
  }

  *epoch(epoch = 0): Generator<number[]> {
    const order = shuffle(
      this.lengths.map((_, i) => i),
      createRng((this.options.seed ?? 1) * 1000 + epoch),
    );
    for (let start = 0; start + this.options.batchSize <= order.length; start += this.options.batchSize) {
      const batch = order.slice(start, start + this.options.batchSize);
      this.padding += paddingOf(batch, this.lengths);
      this.batches += 1;
      this.examples += batch.length;
      yield batch;
    }
  }

  stats(): BatchingStats {
    return statsOf(this.batches, this.examples, this.padding);
  }
}

/** Padding so far: per batch (the post's figure) and per example (fair when batch sizes differ). */
export interface BatchingStats {
  batches: number;
  examples: number;
  averagePadding: number;
  paddingPerExample: number;
}

function statsOf(batches: number, examples: number, padding: number): BatchingStats {
  return {
    batches,
    examples,
    averagePadding: batches ? padding / batches : 0,
    paddingPerExample: examples ? padding / examples : 0,
  };
}

export interface BucketOptions extends BatchingOptions {
  /** Number of equal-size length buckets (default 5, the post's). */
  buckets?: number;
  /**
   * `'all-used'` (default): batches are drawn from randomly chosen non-empty buckets until every example has been
   * used once; each bucket's last batch may be smaller. `'first-empty'`: the post's rule — the epoch ends the first
   * time the chosen bucket cannot fill a batch; every batch is full but an epoch skips part of the data (on a small
   * dataset, much of it: 5 buckets of 3.8 batches each end an epoch after about 10 of 19 batches).
   */
  epochEnd?: 'all-used' | 'first-empty';
}

/**
 * R2RT post 4's bucketed iterator: sort by length, split into `buckets` equal buckets, shuffle inside each; each
 * batch comes from a randomly chosen bucket and is padded to its own longest sequence. Yields arrays of example
 * indices; `stats()` reports the padding so far.
 */
export class BucketIterator {
  private padding = 0;
  private batches = 0;
  private examples = 0;

  constructor(
    private readonly lengths: number[],
    private readonly options: BucketOptions,
  ) {
    validate(lengths, options, 'BucketIterator');
    if (options.epochEnd !== undefined && options.epochEnd !== 'all-used' && options.epochEnd !== 'first-empty') {
      throw new TypeError(
        `BucketIterator: epochEnd = ${JSON.stringify(options.epochEnd)}, expected 'all-used' or 'first-empty'`,
      );
    }
    const buckets = options.buckets ?? 5;
    if (!Number.isInteger(buckets) || buckets < 1 || buckets * options.batchSize > lengths.length) {
      throw new RangeError(
        `BucketIterator: buckets = ${buckets}, expected an integer from 1 to ${Math.floor(lengths.length / options.batchSize)} (${lengths.length} examples, batch ${options.batchSize})`,
      );
    }
  }

  *epoch(epoch = 0): Generator<number[]> {
    const next = createRng((this.options.seed ?? 1) * 1000 + epoch);
    const n = this.options.buckets ?? 5;
    const sorted = this.lengths
      .map((_, i) => i)
      .sort((a, b) => (this.lengths[a] as number) - (this.lengths[b] as number) || a - b);
    const size = Math.floor(sorted.length / n);
    const buckets = Array.from({ length: n }, (_, b) =>
      shuffle(sorted.slice(b * size, b === n - 1 ? sorted.length : (b + 1) * size), next),
    );
    const cursors = buckets.map(() => 0);
    const { batchSize, epochEnd = 'all-used' } = this.options;
    for (;;) {
      let b: number;
      if (epochEnd === 'first-empty') {
        b = Math.floor(next() * n);
        if ((cursors[b] as number) + batchSize > (buckets[b] as number[]).length) return;
      } else {
        const open = buckets.map((_, i) => i).filter((i) => (cursors[i] as number) < (buckets[i] as number[]).length);
        if (open.length === 0) return;
        b = open[Math.floor(next() * open.length)] as number;
      }
      const batch = (buckets[b] as number[]).slice(cursors[b], (cursors[b] as number) + batchSize);
      cursors[b] = (cursors[b] as number) + batchSize;
      this.padding += paddingOf(batch, this.lengths);
      this.batches += 1;
      this.examples += batch.length;
      yield batch;
    }
  }

  stats(): BatchingStats {
    return statsOf(this.batches, this.examples, this.padding);
  }
}

function validate(lengths: number[], options: BatchingOptions, where: string): void {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > lengths.length) {
    throw new RangeError(
      `${where}: batchSize = ${options.batchSize}, expected an integer from 1 to ${lengths.length} (the number of examples)`,
    );
  }
  const bad = lengths.findIndex((l) => !Number.isInteger(l) || l < 0);
  if (bad >= 0) throw new RangeError(`${where}: lengths[${bad}] = ${lengths[bad]}, expected a non-negative integer`);
}

/**
 * R2RT post 2's toy data: X_t ~ Bernoulli(0.5); P(Y_t = 1) = 0.5 + 0.5·X_{t−3} − 0.25·X_{t−8} (the generator
 * wraps around for the first 8 steps, as numpy's negative indexing does). Returns one sequence of `length`.
 */
export function toySequence(length: number, random: () => number): { x: Uint8Array; y: Uint8Array } {
  const x = Uint8Array.from({ length }, () => (random() < 0.5 ? 1 : 0));
  const y = new Uint8Array(length);
  for (let t = 0; t < length; t++) {
    const p = 0.5 + 0.5 * (x[(t - 3 + length) % length] as number) - 0.25 * (x[(t - 8 + length) % length] as number);
    y[t] = random() < p ? 1 : 0;
  }
  return { x, y };
}

/**
 * The cross-entropies (nats) of the optimal predictors the post derives: knowing nothing, only the t−3
 * dependency, and both — recomputed here from the generating probabilities.
 */
export function optimalCrossEntropies(): { none: number; t3: number; both: number } {
  const h = (p: number) => (p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)));
  // P(y=1) = 0.5 + 0.5·x3 − 0.25·x8 with x3, x8 ~ Bernoulli(0.5) independent
  const both = (h(0.5) + h(1) + h(0.25) + h(0.75)) / 4;
  const t3 = (h(0.375) + h(0.875)) / 2; // averaging over x8: x3=0 → 0.375, x3=1 → 0.875
  const none = h(0.625);
  return { none, t3, both };
}

/**
 * PTB-reader batching (post 2): the sequence cut into `batch` contiguous rows, rows cut into windows of
 * `numSteps` columns. Yields [batch·numSteps] x and y arrays (row-major), window by window.
 */
export function* ptbWindows(
  x: Uint8Array,
  y: Uint8Array,
  batch: number,
  numSteps: number,
): Generator<{ x: Uint8Array; y: Uint8Array }> {
  const rowLength = Math.floor(x.length / batch);
  for (let w = 0; w + numSteps <= rowLength; w += numSteps) {
    const xs = new Uint8Array(batch * numSteps);
    const ys = new Uint8Array(batch * numSteps);
    for (let b = 0; b < batch; b++) {
      xs.set(x.subarray(b * rowLength + w, b * rowLength + w + numSteps), b * numSteps);
      ys.set(y.subarray(b * rowLength + w, b * rowLength + w + numSteps), b * numSteps);
    }
    yield { x: xs, y: ys };
  }
}

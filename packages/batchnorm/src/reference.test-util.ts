/**
 * Batch normalization in plain float64 numbers — the test oracle. `x` is row-major with channels last
 * (`rows` entries of `channels` each); `mask` (optional) has one 0/1 per row.
 */
export function referenceMoments(
  x: number[],
  channels: number,
  mask?: number[],
): { mean: number[]; variance: number[]; count: number } {
  const rows = x.length / channels;
  const m = mask ?? new Array<number>(rows).fill(1);
  const count = m.reduce((a, b) => a + b, 0);
  const mean = new Array<number>(channels).fill(0);
  const variance = new Array<number>(channels).fill(0);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++)
      mean[c] = (mean[c] as number) + (m[r] as number) * (x[r * channels + c] as number);
  for (let c = 0; c < channels; c++) mean[c] = (mean[c] as number) / Math.max(count, 1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++)
      variance[c] =
        (variance[c] as number) + (m[r] as number) * ((x[r * channels + c] as number) - (mean[c] as number)) ** 2;
  }
  for (let c = 0; c < channels; c++) variance[c] = (variance[c] as number) / Math.max(count, 1);
  return { mean, variance, count };
}

export function referenceBatchNorm(
  x: number[],
  channels: number,
  {
    gamma,
    beta,
    mean,
    variance,
    epsilon = 1e-3,
    mask,
  }: { gamma?: number[]; beta?: number[]; mean?: number[]; variance?: number[]; epsilon?: number; mask?: number[] },
): number[] {
  const stats = mean != null && variance != null ? { mean, variance } : referenceMoments(x, channels, mask);
  return x.map((v, i) => {
    const c = i % channels;
    const xhat = (v - (stats.mean[c] as number)) / Math.sqrt((stats.variance[c] as number) + epsilon);
    return (gamma?.[c] ?? 1) * xhat + (beta?.[c] ?? 0);
  });
}

import type * as tf from '@tensorflow/tfjs-core';
import type { Curve, RunContext } from '@gradkit/experiment-runner';

export interface TrainLoop {
  steps: number;
  /** One training step; returns the loss (owned by the loop, which reads and disposes it). */
  step: (index: number) => tf.Scalar | Promise<tf.Scalar>;
  /** Metrics recorded at step 0, every `evalEvery` steps, and after the last step; "metric | series" keys share a panel. */
  evaluate: () => Promise<Record<string, number>>;
  evalEvery: number;
  /** Steps excluded from the timing (warm-up: shader compilation, first allocations). */
  warmup?: number;
}

/**
 * Runs a training loop: times every step (until its loss is read back, so GPU work is included), samples the
 * tensor count, reports progress, and records the evaluation metrics as learning curves.
 */
export async function runTraining(
  ctx: RunContext,
  loop: TrainLoop,
): Promise<{ stepTimesMs: number[]; curves: Curve[]; final: Record<string, number>; losses: number[] }> {
  const warmup = loop.warmup ?? Math.min(20, Math.floor(loop.steps / 10));
  const stepTimesMs: number[] = [];
  const points = new Map<string, Array<{ step: number; value: number }>>();
  const losses: number[] = [];
  const record = (step: number, metrics: Record<string, number>) => {
    for (const [k, v] of Object.entries(metrics)) {
      if (!points.has(k)) points.set(k, []);
      points.get(k)?.push({ step, value: v });
    }
  };
  record(0, await loop.evaluate());
  let final: Record<string, number> = {};
  for (let i = 0; i < loop.steps; i++) {
    const start = performance.now();
    const loss = await loop.step(i);
    const value = (await loss.data())[0] as number;
    const elapsed = performance.now() - start;
    loss.dispose();
    if (i >= warmup) stepTimesMs.push(elapsed);
    losses.push(value);
    if (!Number.isFinite(value)) ctx.log(`step ${i + 1}: loss is ${value}`);
    ctx.sampleMemory();
    ctx.progress(i + 1, loop.steps);
    if ((i + 1) % loop.evalEvery === 0 || i + 1 === loop.steps) {
      final = await loop.evaluate();
      record(i + 1, final);
    }
  }
  // A key "metric | series" draws several series of one metric in one panel.
  const curves: Curve[] = [...points.entries()].map(([key, pts]) => {
    const [metric, series] = key.split(' | ') as [string, string | undefined];
    return { series: series ?? metric, metric, points: pts };
  });
  return { stepTimesMs, curves, final, losses };
}

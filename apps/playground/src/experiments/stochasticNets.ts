import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@gradkit/core';
import { accuracy, BatchStream, StochasticNet, type Dataset, type NetDefinition } from 'mnist-bench/browser';

/** Several of mnist-bench's post 5/6 networks trained side by side on the same batches (plain SGD, batch 50). */
export interface SideBySide {
  nets: Array<{ label: string; net: StochasticNet }>;
  batches: BatchStream;
  dataset: Dataset;
}

/**
 * Builds the networks, each from the same seed (so nets of one shape start from the same weights), and one batch
 * stream for all of them.
 */
export function sideBySide(
  d: Dataset,
  seed: number,
  definitions: Array<{ label: string; definition: NetDefinition }>,
  batchSize = 50,
): SideBySide {
  return {
    nets: definitions.map(({ label, definition }) => ({
      label,
      net: new StochasticNet(definition, d.features, d.classes, createRng(seed), seed),
    })),
    batches: new BatchStream(d.train, d.features, batchSize, createRng(seed + 1)),
    dataset: d,
  };
}

/**
 * One step of every network on the next batch; `around` wraps each network's step (e.g. to trace its gradients).
 * Waits for every loss (so the step's time covers all of them) and returns the first, which the caller disposes.
 */
export async function stepAll(
  s: SideBySide,
  around: (
    label: string,
    step: () => { loss: tf.Scalar; spread: tf.Scalar },
  ) => { loss: tf.Scalar; spread: tf.Scalar } = (_, step) => step(),
): Promise<tf.Scalar> {
  const { x, y } = s.batches.next(s.dataset.classes);
  const losses = s.nets.map(({ label, net }) => {
    const { loss, spread } = around(label, () => net.trainStep(x, y));
    spread.dispose();
    return loss;
  });
  await Promise.all(losses.map((l) => l.data()));
  tf.dispose([x, y, ...losses.slice(1)]);
  return losses[0] as tf.Scalar;
}

/** Validation accuracy of every network (the posts evaluate on the 5,000 validation images), keyed "metric | label". */
export async function validationAccuracies(s: SideBySide): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { label, net } of s.nets)
    out[`validation accuracy | ${label}`] = await accuracy(
      (x) => net.predict(x),
      s.dataset.validation,
      s.dataset.features,
    );
  return out;
}

export function disposeAll(s: SideBySide): void {
  for (const { net } of s.nets) net.dispose();
}

import * as tf from '@tensorflow/tfjs-core';
import { useKernels } from '@gradkit/core';
import { countGpuPrograms } from '@gradkit/test-harness';

/** A sequence op at a given number of steps: its inputs, run forward (and backward) by the counting below. */
export interface CountedSequence {
  forward: () => tf.Tensor[];
  inputs: tf.Tensor[];
}

/**
 * The GPU programs of a whole-sequence op at 2 and 6 steps (`make(steps)` builds the op's inputs; the caller's
 * kernels switched on or off for the count): [forward at 2, forward at 6, forward+backward at 2, at 6]. Each shape
 * runs once uncounted first (shaders compiled, inputs uploaded). The backward is the gradient of Σ outputs with
 * respect to the first input.
 */
export async function sequencePrograms(make: (steps: number) => CountedSequence, kernels = true): Promise<number[][]> {
  const previous = useKernels(kernels);
  try {
    const counts: number[][] = [];
    for (const steps of [2, 6]) {
      const { forward, inputs } = make(steps);
      const both = () => tf.grads(() => tf.sum(forward()[0] as tf.Tensor))([inputs[0] as tf.Tensor]);
      tf.dispose(both());
      const f = countGpuPrograms();
      const out = forward();
      const forwardCount = f.stop();
      await (out[0] as tf.Tensor).data();
      tf.dispose(out);
      const all = countGpuPrograms();
      const grads = both();
      counts.push([forwardCount, all.stop()]);
      tf.dispose([...grads, ...inputs]);
    }
    return counts;
  } finally {
    useKernels(previous);
  }
}

/** The programs four more steps cost: [forward, forward + backward], from {@link sequencePrograms}' counts. */
export const fourMoreSteps = (counts: number[][]): number[] =>
  [0, 1].map((k) => (counts[1]?.[k] ?? 0) - (counts[0]?.[k] ?? 0));

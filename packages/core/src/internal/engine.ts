import * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-core's engine that gradkit builds on and that tfjs does not type publicly. `runKernelFunc`
 * with a `backwardsFunc` is how tfjs's own `customGrad` records a node on the gradient tape; unlike
 * `customGrad`, it accepts several outputs. The calls are checked so that a tfjs release that moves them fails
 * with a clear message instead of silently computing wrong gradients.
 */
type GradientMap = Record<string, () => tf.Tensor>;

interface CustomKernelInvocation {
  forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor | tf.Tensor[];
  backwardsFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => GradientMap;
  inputs: Record<string, tf.Tensor>;
}

interface EngineInternals {
  runKernelFunc(invocation: CustomKernelInvocation): tf.Tensor | tf.Tensor[];
}

export function engineInternals(): EngineInternals {
  const engine = tf.engine() as unknown as Partial<EngineInternals>;
  if (typeof engine.runKernelFunc !== 'function') {
    throw new Error(
      `@gradkit/core needs Engine.runKernelFunc from @tensorflow/tfjs-core ^4.22, which this tfjs-core (${tf.version_core}) does not have`,
    );
  }
  return engine as EngineInternals;
}

/**
 * Runs `fn` as one node with no inputs on the gradient tape: its ops are not recorded, so its outputs are
 * constants for every gradient computation. Cheaper than a zero gradient, and no op inside it is ever
 * differentiated.
 */
export function offTape<T extends tf.Tensor | tf.Tensor[]>(fn: () => T): T {
  return engineInternals().runKernelFunc({
    forwardFunc: () => fn(),
    // Stryker disable next-line ArrowFunction: equivalent — a node without inputs is on no gradient path, so tfjs never calls it
    backwardsFunc: () => ({}),
    inputs: {},
  }) as T;
}

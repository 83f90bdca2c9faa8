import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';

/**
 * One module made of several, applied in order: f(x) = f_n(… f_2(f_1(x))). Its `trainable`, `variables` and `state`
 * are the parts' in order, and it disposes the parts. For a decoupled network whose modules are deeper than one
 * layer (a synthesizer only at the stack's output), e.g. `stackModules('m0', [denseModule(…), denseModule(…)])`.
 */
export function stackModules(name: string, parts: Module[]): Module {
  if (parts.length === 0) throw new Error(`stackModules: parts = [] for "${name}", expected at least one module`);
  return {
    name,
    trainable: parts.flatMap((p) => p.trainable),
    variables: parts.flatMap((p) => p.variables),
    state: parts.flatMap((p) => p.state ?? []),
    forward(x: tf.Tensor, training: boolean): tf.Tensor {
      // tidy: the intermediate outputs must not outlive a call made outside a tidy or a tape
      return tf.tidy(() => parts.reduce((h, p) => p.forward(h, training), x));
    },
    dispose() {
      parts.forEach((p) => p.dispose());
    },
  };
}

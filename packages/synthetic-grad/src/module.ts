import * as tf from '@tensorflow/tfjs-core';
import { uniqueVariableName } from '@gradkit/core';

/**
 * One module of a network trained with decoupled interfaces: a function of its input that reads its own
 * variables. `trainable` is the explicit list of what its updates change (e.g. the dense kernel and bias but not
 * batch norm's γ/β, as R2RT post 8's helpers returned — or everything).
 */
export interface Module {
  readonly name: string;
  forward(x: tf.Tensor, training: boolean): tf.Tensor;
  readonly trainable: tf.Variable[];
  /** Every variable the module owns (disposed by dispose()). */
  readonly variables: tf.Variable[];
  /**
   * Variables outside `variables` that training changes without an optimizer — batch norm's population statistics
   * — so that a checkpoint can save and restore them. Absent or empty when the module has none.
   */
  readonly state?: tf.Variable[];
  dispose(): void;
}

/**
 * A gradient (or loss) synthesizer: given a module's output h (and, for cDNI, the one-hot labels) it predicts
 * ∂L/∂h ([batch, …h]) — or, for a synthetic-loss synthesizer, the per-example loss ([batch]).
 */
export interface Synthesizer {
  readonly kind: 'gradient' | 'loss';
  /** Whether predict() reads the labels (cDNI). */
  readonly conditioned: boolean;
  predict(h: tf.Tensor, labels: tf.Tensor | null): tf.Tensor;
  readonly trainable: tf.Variable[];
  readonly variables: tf.Variable[];
  dispose(): void;
}

/**
 * A variable from a function that makes its initial value, without leaving the initializer alive. tfjs variable
 * names are global: a numeric suffix keeps two modules of the same name apart.
 */
export function makeVariable(init: () => tf.Tensor, name?: string): tf.Variable {
  return tf.tidy(() => tf.variable(init(), true, name == null ? undefined : uniqueVariableName(name)));
}

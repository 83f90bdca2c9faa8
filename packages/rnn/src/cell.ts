import type * as tf from '@tensorflow/tfjs-core';

/**
 * A recurrent cell: one pure step (input, state) → (output, state), with its input transform split off so that
 * the transform of every time step is one matrix product before the loop (Equinox's `_rnn.py` shape, tfjs-layers
 * without the per-step input product).
 *
 * - `project(x)`: the input transforms for all rows at once, [rows, inputSize] → a list of parts [rows, kᵢ]
 *   (e.g. one per gate, so that no step has to slice);
 * - `step(parts_t, state)`: one time step given this step's rows of every part; `state` holds one [batch, size]
 *   tensor per `stateSizes` entry.
 *
 * Write a cell of your own by implementing this interface (see the mixture-of-transforms GRU).
 */
export interface Cell {
  readonly name: string;
  readonly inputSize: number;
  readonly units: number;
  /** The sizes of the state tensors: [units] for a GRU, [units, units] (c, h) for an LSTM. */
  readonly stateSizes: number[];
  /** The variables the cell trains (and owns: dispose() frees them). */
  readonly variables: tf.Variable[];
  project(x: tf.Tensor2D): tf.Tensor2D[];
  /**
   * Optional, with `partWidths`: the parts of `project(x)` side by side in one [rows, Σk] tensor, computed without
   * splitting (exactly concat(project(x), 1)). rnn() uses it when present: on wasm a split of the [T·batch, Σk]
   * projection copies the whole buffer once per part, and it runs again (as a concat and a split) backward.
   */
  projectJoined?(x: tf.Tensor2D): tf.Tensor2D;
  /** The widths kᵢ of the parts `project` returns; required with `projectJoined`. */
  readonly partWidths?: number[];
  step(parts: tf.Tensor2D[], state: tf.Tensor2D[]): { output: tf.Tensor2D; state: tf.Tensor2D[] };
  /**
   * Optional: the cell's fused form — what kind of recurrence it is and where its recurrent weights are — so that
   * rnn() can run the whole sequence as one kernel where the active backend registers one (`kernels/`). Needs
   * `projectJoined`; the kernel computes exactly what stepping would. Cells without it always step.
   */
  readonly fused?: FusedForm;
  dispose(): void;
}

/** Gain and shift of one layer normalization, as tensors of [units]. */
export interface LayerNormTensors {
  alpha: tf.Tensor;
  beta: tf.Tensor;
}

/**
 * A GRU over the joined projection [x_z | x_r | x_h] (biases included), in either reset form:
 *   z = σ(x_z + h·U_z),  r = σ(x_r + h·U_r),  h′ = c + z ⊙ (h − c), with
 *   c = tanh(x_h + r ⊙ (h·U_h + b′_h))   reset-after (Keras's default, cuDNN, PyTorch): `recurrentBiasH` is b′_h
 *   c = tanh(x_h + (r ⊙ h)·U_h)          reset-before (TF1's GRUCell, the posts' GRU): `recurrentBiasH` is null
 */
export interface FusedGru {
  readonly kind: 'gru';
  /** U_z, U_r, U_h, each [units, units]. */
  readonly recurrent: readonly [tf.Tensor, tf.Tensor, tf.Tensor];
  /** b′_h [units], the recurrent bias inside the reset gate's product (reset-after); null for a reset-before GRU. */
  readonly recurrentBiasH: tf.Tensor | null;
}

/**
 * TF's BasicLSTMCell over the joined projection [x_i | x_j | x_f | x_o], state (c, h), optionally layer-normalized
 * per gate and on the cell state (R2RT post 3):
 *   a_g = x_g + h·U_g,  ã_g = a_g or LN_g(a_g),  c′ = c ⊙ σ(ã_f + forgetBias) + σ(ã_i) ⊙ tanh(ã_j),
 *   h′ = tanh(c′) ⊙ σ(ã_o), or tanh(LN_c(c′)) ⊙ σ(ã_o)
 */
export interface FusedLstm {
  readonly kind: 'lstm';
  /** U_i, U_j, U_f, U_o, each [units, units]. */
  readonly recurrent: readonly [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  /** Added to ã_f inside the recurrence (a plain LSTM adds its forget bias in the projection instead: 0 here). */
  readonly forgetBias: number;
  readonly layerNorm?: {
    readonly gates: readonly [LayerNormTensors, LayerNormTensors, LayerNormTensors, LayerNormTensors];
    readonly cell: LayerNormTensors;
    readonly epsilon: number;
  };
}

/** The fused forms kernels exist for (see `kernels/`). */
export type FusedForm = FusedGru | FusedLstm;

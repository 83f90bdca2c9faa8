import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '@gradkit/core';
import type { Cell } from './cell';
import { zeroState } from './cells/parts';
import { fusedSequence } from './fusedSequence';
import { unroll } from './unroll';

export interface RnnOptions {
  /** One [batch, size] tensor per entry of `cell.stateSizes` (a single tensor for a one-component state); zeros by default. */
  initialState?: tf.Tensor2D[] | tf.Tensor2D;
  /**
   * Valid steps per example ([batch], integers in 0..T). Past its length an example's outputs are exactly zero
   * (with zero gradient) and its state stops changing, so the final state is the one at its last valid step.
   */
  sequenceLengths?: tf.Tensor1D | number[];
}

export interface RnnResult {
  /** [batch, T, units] */
  outputs: tf.Tensor3D;
  /** The state after the last (valid) step, one tensor per state entry. */
  finalState: tf.Tensor2D[];
}

/**
 * Unrolls a cell over `inputs` [batch, T, features] (Flax's `seq_lengths`, PyTorch's packed sequences, without
 * the packing). The input transforms of all T steps are one product before the loop (`cell.project`); each step
 * then runs only the recurrent part. The caller owns the result.
 *
 * @example
 * const { outputs, finalState } = rnn(gruCell({ inputSize: 64, units: 128 }), x, { sequenceLengths: lengths });
 */
export function rnn(cell: Cell, inputs: tf.Tensor, options: RnnOptions = {}): RnnResult {
  if (inputs.rank !== 3)
    throw new Error(`rnn: inputs have shape [${inputs.shape.join(',')}], expected [batch, time, features]`);
  const [batch, time, features] = inputs.shape as [number, number, number];
  if (features !== cell.inputSize)
    throw new Error(`rnn: inputs have ${features} features, cell "${cell.name}" expects ${cell.inputSize}`);
  if (time === 0) throw new Error('rnn: inputs have 0 time steps, expected at least 1');
  // one tensor is a one-component state (what a GRU's provider returns for the spec `128`)
  const given = options.initialState as tf.Tensor2D[] | tf.Tensor2D | undefined;
  const state0 = given instanceof tf.Tensor ? [given] : given;
  if (state0 != null) {
    if (!Array.isArray(state0) || state0.some((s) => !(s instanceof tf.Tensor))) {
      throw new TypeError(
        `rnn: initialState is ${Array.isArray(state0) ? `an array holding ${state0.map((s) => (s instanceof tf.Tensor ? 'a tensor' : String(s))).join(', ')}` : typeof state0}, expected a tensor or an array of [batch, size] tensors, one per state component`,
      );
    }
    if (state0.length !== cell.stateSizes.length)
      throw new Error(
        `rnn: initialState has ${state0.length} tensor(s), cell "${cell.name}" has ${cell.stateSizes.length}`,
      );
    state0.forEach((s, i) => {
      if (!tf.util.arraysEqual(s.shape, [batch, cell.stateSizes[i] as number])) {
        throw new Error(
          `rnn: initialState[${i}] has shape [${s.shape.join(',')}], expected [${batch},${cell.stateSizes[i]}]`,
        );
      }
    });
  }
  const lengths = options.sequenceLengths;
  if (lengths != null) {
    const n = Array.isArray(lengths) ? lengths.length : lengths.shape[0];
    if (n !== batch) throw new Error(`rnn: sequenceLengths has ${n} entries, expected one per example (${batch})`);
    if (Array.isArray(lengths)) {
      const bad = lengths.findIndex((l) => !Number.isInteger(l) || l < 0 || l > time);
      if (bad >= 0)
        throw new Error(`rnn: sequenceLengths[${bad}] = ${lengths[bad]} is outside 0..${time} (the time dimension)`);
    }
  }
  return tf.tidy(() => {
    const lengthsTensor = () =>
      Array.isArray(lengths) ? tf.tensor1d(lengths as number[], 'int32') : tf.cast(lengths as tf.Tensor1D, 'int32');
    const state = state0 ?? zeroState(cell, batch);
    if (cell.fused != null && cell.projectJoined != null) {
      // The one dispatch point: a cell with a fused form runs its whole sequence as one op (the backend's kernel,
      // or the reference unrolling of its step) — batch-major all the way: [batch·T, features] rows are a reshape
      // of the input, not a transpose.
      const joined = cell.projectJoined(tf.reshape(inputs, [batch * time, features]) as tf.Tensor2D);
      const joinedSeq = tf.reshape(joined, [batch, time, joined.shape[1] as number]) as tf.Tensor3D;
      // m[b, t] = t < length[b], [batch, T, 1]
      const masks =
        lengths == null
          ? null
          : tf.expandDims(
              tf.less(tf.expandDims(tf.range(0, time, 1, 'int32'), 0), tf.expandDims(lengthsTensor(), 1)),
              2,
            );
      const { outputs, final } = fusedSequence(cell.fused, joinedSeq, state, masks);
      return { outputs, finalState: final };
    }
    // Every step's input transform at once, time-major; the parts are joined so that each step extracts one
    // [batch, Σk] block and splits that small block into its parts.
    const timeMajor = tf.reshape(tf.transpose(inputs, [1, 0, 2]), [time * batch, features]) as tf.Tensor2D;
    let joined: tf.Tensor2D;
    let widths: number[];
    if (cell.projectJoined != null && cell.partWidths != null) {
      joined = cell.projectJoined(timeMajor);
      widths = cell.partWidths;
    } else {
      const parts = cell.project(timeMajor);
      widths = parts.map((p) => p.shape[1] as number);
      joined = parts.length === 1 ? (parts[0] as tf.Tensor2D) : tf.concat(parts, 1);
    }
    // m[t, b] = t < length[b], [T, batch, 1]
    const masks =
      lengths == null
        ? null
        : tf.expandDims(tf.less(tf.expandDims(tf.range(0, time, 1, 'int32'), 1), tf.expandDims(lengthsTensor(), 0)), 2);
    const { outputs, final } = unroll(
      (parts, s) => cell.step(parts, s),
      tf.reshape(joined, [time, batch, joined.shape[1] as number]) as tf.Tensor3D,
      widths,
      state,
      masks,
    );
    return { outputs: tf.transpose(outputs, [1, 0, 2]) as tf.Tensor3D, finalState: final };
  });
}

/**
 * A state carried into the next window with its gradient path cut (TF-style truncated backpropagation through
 * time, R2RT posts 2 and 3: gradients stop at the window edge). The caller owns the copies.
 */
export function detachState(state: tf.Tensor2D[]): tf.Tensor2D[] {
  return state.map((s) => stopGradient(s));
}

import * as tf from '@tensorflow/tfjs-core';
import type { Cell } from './cell';
import { rnn, type RnnOptions } from './rnn';

export interface StackOptions extends Omit<RnnOptions, 'initialState'> {
  /** One state list per layer (zeros by default). */
  initialStates?: tf.Tensor2D[][];
  /**
   * Dropout on the non-recurrent connections (Zaremba et al. 2014; R2RT post 3): on every layer's input and on the
   * stack's output, never on the recurrent path. `keep` is the keep probability (1 = off).
   */
  dropout?: { keep: number; training: boolean; seed: number; variational?: boolean };
}

/**
 * A stack of cells (MultiRNNCell): layer l reads layer l−1's outputs. With `dropout.variational`, one mask per
 * sequence and unit is shared by all time steps (Gal & Ghahramani 2016) instead of a fresh mask per step.
 * Returns the top layer's outputs and every layer's final state; the caller owns them.
 */
export function stackedRnn(
  cells: Cell[],
  inputs: tf.Tensor,
  options: StackOptions = {},
): { outputs: tf.Tensor3D; finalStates: tf.Tensor2D[][] } {
  if (cells.length === 0) throw new Error('stackedRnn: cells = [], expected at least one cell');
  const d = options.dropout;
  if (d != null && !(d.keep > 0 && d.keep <= 1))
    throw new RangeError(`stackedRnn: dropout.keep = ${d.keep}, expected a number in (0, 1]`);
  return tf.tidy(() => {
    let seed = d?.seed ?? 0;
    const drop = (x: tf.Tensor) => {
      if (d == null || !d.training || d.keep === 1) return x;
      const [batch, , features] = x.shape as [number, number, number];
      return tf.dropout(x, 1 - d.keep, d.variational ? [batch, 1, features] : undefined, seed++);
    };
    let h: tf.Tensor = inputs;
    const finalStates: tf.Tensor2D[][] = [];
    cells.forEach((cell, l) => {
      const { outputs, finalState } = rnn(cell, drop(h), {
        ...(options.sequenceLengths ? { sequenceLengths: options.sequenceLengths } : {}),
        ...(options.initialStates?.[l] ? { initialState: options.initialStates[l] } : {}),
      });
      finalStates.push(finalState);
      h = outputs;
    });
    return { outputs: drop(h) as tf.Tensor3D, finalStates };
  });
}

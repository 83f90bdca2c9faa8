import * as tf from '@tensorflow/tfjs-core';
import { dense, uniqueVariableName } from '@gradkit/core';
import type { Cell } from '../cell';

// What the built-in cells share: weights, argument checks and the input projection.

/** The zero state of a cell for a batch (the caller owns it). */
export function zeroState(cell: Pick<Cell, 'stateSizes'>, batch: number): tf.Tensor2D[] {
  return cell.stateSizes.map((size) => tf.zeros([batch, size]) as tf.Tensor2D);
}

/** Makes a cell's weight from its name and initializer (a tf.layers layer passes one that calls addWeight). */
export type WeightFactory = (name: string, init: () => tf.Tensor) => tf.Variable;

/** A trainable variable with a unique name from an initializer (no initializer tensor left behind). */
export function weight(name: string, init: () => tf.Tensor, make?: WeightFactory): tf.Variable {
  if (make) return make(name, init);
  return tf.tidy(() => tf.variable(init(), true, uniqueVariableName(name)));
}

export function assertPositiveInteger(value: number, what: string, where: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${where}: ${what} = ${value}, expected a positive integer`);
}

/**
 * x·W + b in one piece (the joined form of projectParts), through @gradkit/core's `dense`: one fused kernel
 * forward; backward, the transposed products and Σ_rows done the fast way for the backend.
 */
export function projectJoined(x: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor2D {
  return dense(x, kernel, bias);
}

/** A joined projection split into its parts (what `project` returns when a cell also has `projectJoined`). */
export function splitParts(joined: tf.Tensor2D, widths: number[]): tf.Tensor2D[] {
  return widths.length === 1 ? [joined] : tf.tidy(() => tf.split(joined, widths, 1) as tf.Tensor2D[]);
}

/** x·W + b, split into parts of the given widths (one product for every gate and every time step). */
export function projectParts(
  x: tf.Tensor2D,
  kernel: tf.Tensor,
  bias: tf.Tensor | null,
  widths: number[],
): tf.Tensor2D[] {
  return tf.tidy(() => splitParts(projectJoined(x, kernel, bias), widths));
}

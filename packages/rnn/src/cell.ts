import * as tf from '@tensorflow/tfjs-core';
import { dense, uniqueVariableName } from '@gradkit/core';

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
   * Optional, with `projectJoined`: a fast path for a whole sequence, batch-major — `joined` is the projection of
   * every step [batch, T, Σk] (the parts side by side), `masks` [batch, T, 1] or null, outputs [batch, T, units] —
   * so that rnn() transposes nothing. Must compute exactly what stepping would.
   */
  sequenceBatchMajor?(
    joined: tf.Tensor3D,
    initial: tf.Tensor2D[],
    masks: tf.Tensor | null,
  ): { outputs: tf.Tensor3D; final: tf.Tensor2D[] };
  /** Whether `sequenceBatchMajor` runs on the active backend (default: yes); where not, rnn() runs `step`. */
  sequenceBatchMajorAvailable?(): boolean;
  dispose(): void;
}

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

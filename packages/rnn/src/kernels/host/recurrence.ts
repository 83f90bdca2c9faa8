/**
 * What a cell kind's host kernel supplies to the shared whole-sequence driver (sequenceKernels.ts): the arithmetic
 * of one time step on plain arrays, forward and backward. The driver owns the loop, the masks' bookkeeping, the
 * recurrent products (h·U forward, ∂a·Uᵀ backward, Σ h_{t−1}ᵀ·∂a after the loop) and the tensors.
 *
 * Layouts (batch-major, as rnn() hands them over): x, masks, outputs and ∂x are indexed by row b·T + t; the saved
 * rows and the gate gradients by s = t·B + b; a state is [B, u]; the last state component is h, the left factor of
 * the recurrent product.
 */
export interface StepContext {
  /** Batch, time steps, units. */
  readonly B: number;
  readonly T: number;
  readonly u: number;
  /** Whether example b is inside its length at step t (rnn()'s masks; always true without them). */
  valid(t: number, b: number): boolean;
}

export interface HostRecurrence {
  /** Floats this recurrence saves for its backward pass (its part of the kernel's reserve). */
  readonly reserveSize: number;
  /**
   * Step t: from this step's rows of x, p = h·U [B, w] and the state entering the step, writes the state after it
   * into `next` and the outputs into `outs`; a row past its length keeps its state and outputs 0.
   */
  forwardStep(t: number, p: Float32Array, state: Float32Array[], next: Float32Array[], outs: Float32Array): void;
  /**
   * Backward of step t: from ∂ of the state after the step (`dState`, h's part without the output's) and ∂outputs,
   * writes ∂a (the gradient of x_t + h·U) to gate rows s = t·B + b and to ∂x, and into `dPrev` ∂ of the state
   * entering the step — for h only the part that bypasses the product (the driver adds ∂a·Uᵀ). A row past its
   * length passes its gradient through and gets none.
   */
  backwardStep(
    t: number,
    dState: Float32Array[],
    dOut: Float32Array,
    dPrev: Float32Array[],
    gates: Float32Array,
    dX: Float32Array,
  ): void;
  /** After the backward loop: the gradients of the inputs beyond x, the initial state and the recurrent weights. */
  extraGradients(gates: Float32Array): Float32Array[];
}

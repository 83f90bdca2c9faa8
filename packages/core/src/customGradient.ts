import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, describeValue, shapeText } from './internal/describe';
import { engineInternals } from './internal/engine';

/**
 * One input's gradient: a tensor, `null` (no gradient: zeros), or a function computing it — called only if that
 * input is on the path to what is being differentiated (so a layer's input gradient is skipped for the first
 * layer, whose input is data).
 */
export type GradientEntry = tf.Tensor | null | (() => tf.Tensor);

/** The upstream gradient a backward pass receives: one tensor per output, in the shape of `value`. */
export type Upstream<O> = O extends tf.Tensor[] ? tf.Tensor[] : tf.Tensor;

/** What the function given to {@link customGradient} returns. */
export interface CustomGradientResult<O extends tf.Tensor | tf.Tensor[]> {
  /** The forward result: one tensor or a list of tensors. */
  value: O;
  /**
   * Tensors the backward pass needs (inputs, intermediates or outputs). They are kept alive until the gradient
   * has been computed and are not kept at all when no gradient is being recorded, so nothing leaks.
   */
  save?: tf.Tensor[];
  /**
   * The backward pass: given ∂L/∂value (a tensor, or a list with one tensor per output) and the saved tensors,
   * return ∂L/∂input for each input in order. Read tensors only from `dy`, `saved` and the inputs: a tensor the
   * closure captured may be freed before the backward runs (a gradient computation frees what its forward
   * function created) — `save` it instead.
   * `null` means "no gradient" and is treated as zeros; a function is called only when that input's gradient is
   * needed. A single-input function may return the entry itself instead of a one-element list.
   */
  gradient: (dy: Upstream<O>, saved: tf.Tensor[]) => GradientEntry | GradientEntry[];
}

/**
 * Defines a differentiable function with a hand-written backward pass; unlike `tf.customGrad` it takes several
 * outputs, lets the backward return `null` for an input, and saves tensors without a callback.
 *
 * Forward: `value = f(x₁ … xₙ)`; the ops inside `f` are not recorded on the gradient tape.
 * Backward: given the upstream gradients `g = ∂L/∂value`, the node contributes `∂L/∂xᵢ = gradient(g)ᵢ`
 * (`null` ↦ 0). Outputs that do not reach the loss receive a zero upstream gradient.
 *
 * Variables work like any other input: pass them explicitly (a variable only read inside `f` without being an
 * input gets no gradient through this node), and `tf.variableGrads` / `optimizer.minimize` see them.
 *
 * @example
 * // y = x·w and z = x + w in one node, with the product rule written by hand
 * const f = customGradient((x: tf.Tensor, w: tf.Tensor) => ({
 *   value: [tf.mul(x, w), tf.add(x, w)],
 *   save: [x, w],
 *   gradient: ([dy, dz], [x, w]) => [tf.add(tf.mul(dy, w), dz), tf.add(tf.mul(dy, x), dz)],
 * }));
 * const [y, z] = f(a, b);
 */
export function customGradient<I extends tf.Tensor[], O extends tf.Tensor | tf.Tensor[]>(
  f: (...inputs: I) => CustomGradientResult<O>,
): (...inputs: I) => O {
  if (typeof f !== 'function') throw new TypeError(`customGradient: f is ${describeValue(f)}, expected a function`);
  return (...inputs: I): O => {
    inputs.forEach((x, i) => assertTensor(x, `input ${i}`, 'customGradient'));
    let result: CustomGradientResult<O> | undefined;
    // Stryker disable next-line BooleanLiteral: equivalent — forwardFunc sets it before the backward reads it
    let multiOutput = false;
    const inputMap: Record<string, tf.Tensor> = {};
    inputs.forEach((x, i) => (inputMap[i] = x));

    const forwardFunc = (_backend: unknown, save: (tensors: tf.Tensor[]) => void): tf.Tensor | tf.Tensor[] => {
      result = f(...inputs);
      if (result == null || typeof result !== 'object') {
        throw new TypeError(`customGradient: f returned ${describeValue(result)}, expected { value, gradient, save? }`);
      }
      if (typeof result.gradient !== 'function') {
        throw new TypeError(
          `customGradient: f returned gradient = ${describeValue(result.gradient)}, expected a function`,
        );
      }
      multiOutput = Array.isArray(result.value);
      const outputs = multiOutput ? (result.value as tf.Tensor[]) : [result.value as tf.Tensor];
      if (outputs.length === 0) throw new Error('customGradient: f returned value = [], expected at least one tensor');
      outputs.forEach((o, i) => assertTensor(o, multiOutput ? `value[${i}]` : 'value', 'customGradient'));
      // A node's outputs must be new tensors: an input returned as is (identity) or one tensor returned twice
      // would tie the tape in a knot.
      const fresh = outputs.map((o, i) => (inputs.includes(o) || outputs.indexOf(o) !== i ? tf.clone(o) : o));
      if (result.save != null) {
        if (!Array.isArray(result.save))
          throw new TypeError(`customGradient: save is ${describeValue(result.save)}, expected an array of tensors`);
        result.save.forEach((t, i) => assertTensor(t, `save[${i}]`, 'customGradient'));
        save(result.save);
      }
      return multiOutput ? fresh : (fresh[0] as tf.Tensor);
    };

    const backwardsFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): Record<string, () => tf.Tensor> => {
      const upstream = (multiOutput && !Array.isArray(dy) ? [dy] : dy) as Upstream<O>;
      const upstreamList = Array.isArray(dy) ? dy : [dy];
      const returned = (result as CustomGradientResult<O>).gradient(upstream, saved);
      const grads = Array.isArray(returned) ? returned : [returned];
      if (grads.length !== inputs.length) {
        throw new Error(`customGradient: gradient returned ${grads.length} gradient(s) for ${inputs.length} input(s)`);
      }
      const map: Record<string, () => tf.Tensor> = {};
      grads.forEach((entry, i) => {
        const shape = (inputs[i] as tf.Tensor).shape;
        if (entry == null) {
          map[i] = () => tf.zeros(shape, 'float32');
          return;
        }
        map[i] = () => {
          const g = typeof entry === 'function' ? entry() : entry;
          assertTensor(g, `gradient ${i}`, 'customGradient');
          if (!tf.util.arraysEqual(g.shape, shape)) {
            throw new Error(
              `customGradient: gradient ${i} has shape ${shapeText(g.shape)}, expected ${shapeText(shape)} (the shape of input ${i})`,
            );
          }
          // A gradient that is the upstream tensor itself (an identity backward), a saved tensor, or one returned
          // for two inputs is copied, so that the engine owns each gradient exactly once.
          const aliased = upstreamList.includes(g) || saved.includes(g) || grads.indexOf(g) !== i;
          return g.dtype !== 'float32' ? tf.cast(g, 'float32') : aliased ? tf.clone(g) : g;
        };
      });
      return map;
    };

    return engineInternals().runKernelFunc({ forwardFunc, backwardsFunc, inputs: inputMap }) as O;
  };
}

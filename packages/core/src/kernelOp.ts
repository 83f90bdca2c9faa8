import * as tf from '@tensorflow/tfjs-core';

/** A tensor input of a {@link defineKernelOp} op, by the name its kernel and gradient use. */
export type KernelInputs = Record<string, tf.Tensor>;

export interface KernelOpSpec<A extends tf.NamedAttrMap, R extends tf.Tensor | tf.Tensor[] = tf.Tensor> {
  /** The kernel's name in tfjs's registry: gradkit-prefixed, e.g. `GradkitSumRows`. */
  kernelName: string;
  /**
   * The op's formula as a composite of tfjs ops: what runs on a backend with no kernel of this name, and what every
   * kernel is tested against. Differentiable through tfjs's own gradients.
   */
  reference: (inputs: KernelInputs, attrs: A) => R;
  /**
   * The gradient of the registered kernel (tfjs's `GradConfig`): used when a kernel ran. A kernel with several
   * outputs (R a list) gets one upstream gradient per output (zeros for an output the loss does not use), and may
   * save outputs (`outputsToSave`) — e.g. a reserve of values its backward kernel needs, as cuDNN's RNN does.
   */
  gradient: Pick<tf.GradConfig, 'inputsToSave' | 'outputsToSave' | 'gradFunc'>;
  /**
   * Optional: whether a registered kernel handles this call (e.g. false for a size or an option the kernels do not
   * cover); when false the reference runs. Default: every call.
   */
  kernelHandles?: (inputs: KernelInputs, attrs: A) => boolean;
}

/**
 * Declares an op with a fast path per backend, the way tfjs's own ops work: a **kernel** registered with
 * `tf.registerKernel({ kernelName, backendName, kernelFunc })` (in a package's `kernels/` registration modules, the
 * only place backend names appear) and its gradient with `tf.registerGradient`. The returned function runs the
 * kernel through `runKernel` where the active backend has one, and the reference composite where it has none — the
 * same math, so a backend without a kernel is slower, never different.
 *
 * @example
 * const sumRowsOp = defineKernelOp({ kernelName: 'GradkitSumRows', reference: ({ x }) => tf.sum(x, 0), gradient });
 * registerKernel({ kernelName: 'GradkitSumRows', backendName: 'wasm', kernelFunc }); // in kernels/
 */
export function defineKernelOp<A extends tf.NamedAttrMap, R extends tf.Tensor | tf.Tensor[] = tf.Tensor>(
  spec: KernelOpSpec<A, R>,
): (inputs: KernelInputs, attrs: A) => R {
  if (!spec.kernelName.startsWith('Gradkit')) {
    throw new Error(`defineKernelOp: kernelName "${spec.kernelName}", expected a name starting with "Gradkit"`);
  }
  // once per process, whatever the number of copies of this package (tfjs's registry is global)
  if (tf.getGradient(spec.kernelName) == null) tf.registerGradient({ kernelName: spec.kernelName, ...spec.gradient });
  return (inputs, attrs) =>
    hasKernel(spec.kernelName) && (spec.kernelHandles?.(inputs, attrs) ?? true)
      ? (tf.engine().runKernel(spec.kernelName, inputs as unknown as tf.NamedTensorMap, attrs) as R)
      : (tf.tidy(() => spec.reference(inputs, attrs)) as R); // the reference's intermediates released
}

/** Whether the active backend has a kernel of this name (and kernels are in use: {@link useKernels}). */
export function hasKernel(kernelName: string): boolean {
  return kernelsOn && tf.getKernel(kernelName, tf.getBackend()) != null;
}

let kernelsOn = true;

/**
 * Turns gradkit's kernels off (`false`: every {@link defineKernelOp} op runs its reference composite, on every
 * backend — the math unchanged, to float32 rounding) or on again (`true`, the default); returns the previous setting.
 * For comparing a fast path with the reference it replaces (benchmarks, debugging); tfjs's own kernels are not
 * affected.
 *
 * @example
 * const previous = useKernels(false); // e.g. count the GPU programs of the stepped GRU
 * try { ... } finally { useKernels(previous); }
 */
export function useKernels(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new Error(`useKernels: on is ${String(on)}, expected true or false`);
  const previous = kernelsOn;
  kernelsOn = on;
  return previous;
}

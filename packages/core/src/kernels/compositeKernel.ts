import * as tf from '@tensorflow/tfjs-core';

type TensorInfo = tf.TensorInfo;

interface Backend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Builds a kernel out of the backend's own kernels (a composite kernel): `call(name, inputs, attrs)` runs another
 * kernel registered for the same backend, and every intermediate result not returned (one output, or several) is
 * released when the kernel function ends. Such kernels run below the gradient tape, as tfjs's own do; their gradient is the op's.
 */
export function compositeKernel(
  backendName: string,
  body: (
    call: (kernelName: string, inputs: Record<string, TensorInfo>, attrs?: tf.NamedAttrMap) => TensorInfo,
    inputs: Record<string, TensorInfo>,
    attrs: tf.NamedAttrMap,
  ) => TensorInfo | TensorInfo[],
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const made: TensorInfo[] = [];
    const call = (kernelName: string, callInputs: Record<string, TensorInfo>, callAttrs: tf.NamedAttrMap = {}) => {
      const kernel = tf.getKernel(kernelName, backendName);
      if (kernel == null) throw new Error(`compositeKernel: backend "${backendName}" has no kernel "${kernelName}"`);
      const out = kernel.kernelFunc({
        inputs: callInputs as tf.NamedTensorInfoMap,
        backend,
        attrs: callAttrs,
      }) as TensorInfo;
      made.push(out);
      return out;
    };
    const result = body(call, inputs as Record<string, TensorInfo>, attrs ?? {});
    const kept = new Set(Array.isArray(result) ? result : [result]);
    for (const t of made) if (!kept.has(t)) (backend as Backend).disposeData(t.dataId);
    return result;
  };
}

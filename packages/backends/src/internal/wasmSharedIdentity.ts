import * as tf from '@tensorflow/tfjs-core';

/**
 * Makes tfjs-wasm's `Identity` share its input's memory instead of copying it, as its `Reshape` already does (and as
 * tfjs's cpu and webgpu backends' Identity do): the backend counts references per buffer and frees it with the last.
 * tfjs's tape clones every tensor it saves for a gradient through `Identity`, so on wasm each training step copied
 * every saved input — for the MNIST MLP the 784×100 weight matrix and the input batch each step, 20 copies in all
 * (0.13 ms of a 2 ms step). Tensors are immutable in tfjs (a variable's assign takes a new buffer), so sharing is
 * safe. String tensors and a backend without reference counts keep the original kernel. Idempotent.
 */
export function makeWasmIdentityShared(backendName: string): void {
  const config = tf.getKernel('Identity', backendName);
  if (config == null || (config.kernelFunc as Marked)[MARK] === true) return;
  const original = config.kernelFunc;
  const shared: tf.KernelFunc & Marked = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend as { incRef?: (dataId: object) => void };
    if (x.dtype === 'string' || typeof backend.incRef !== 'function') return original(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  shared[MARK] = true;
  tf.unregisterKernel('Identity', backendName);
  tf.registerKernel({ ...config, kernelFunc: shared });
}

const MARK = Symbol.for('gradkit.sharedIdentity');
type Marked = { [MARK]?: boolean };

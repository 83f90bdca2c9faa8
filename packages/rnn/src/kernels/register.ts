// Where @gradkit/rnn's kernels are registered per backend: the only place backend names appear. A backend not named
// here runs every op's reference (a cell's step, unrolled).
import { registerHostSequenceKernels } from './host/sequenceKernels';
import { registerWebGlGruSequence } from './webgl/gruSequence';
import { registerWebGlLstmSequence } from './webgl/lstmSequence';
import { registerWebGpuEmbeddingGrad } from './webgpu/embeddingGrad';
import { registerWebGpuGruResetBeforeSequence } from './webgpu/gruResetBeforeSequence';
import { registerWebGpuGruSequence } from './webgpu/gruSequence';
import { registerWebGpuLstmSequence } from './webgpu/lstmSequence';

/**
 * Registers rnn's kernels. Called by the package's index (a function, not a bare side-effect import: the bundler
 * drops side-effect-only modules of a package whose `sideEffects` field does not list them).
 *
 * The reset-before GRU (its own kernel names) has a kernel on webgpu only; elsewhere it steps.
 *
 * cpu and wasm keep tensors in host memory, where the gate arithmetic of a step runs fastest as plain loops between
 * the backend's products (see host/sequenceKernels.ts).
 */
export function registerRnnKernels(): void {
  registerHostSequenceKernels('cpu');
  registerHostSequenceKernels('wasm');
  // webgpu: the time loop inside the GPU program, two dispatches each way (webgpu/gruSequence.ts,
  // gruResetBeforeSequence.ts, lstmSequence.ts); the layer-normalized LSTM (its own kernel names) steps there
  registerWebGpuGruSequence('webgpu');
  registerWebGpuGruResetBeforeSequence('webgpu');
  registerWebGpuLstmSequence('webgpu');
  // the embedding's gradient without tfjs-webgpu's atomic ScatterNd (same inputs, same bits)
  registerWebGpuEmbeddingGrad('webgpu');
  // webgl: the time loop in JavaScript, fused programs per step (webgl/gruSequence.ts, lstmSequence.ts); the
  // reset-before GRU and the layer-normalized LSTM step there
  registerWebGlGruSequence('webgl');
  registerWebGlLstmSequence('webgl');
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * Makes tfjs-webgpu's matrix products reproducible. For a product with one batch, an inner size K ≥ 2000 and few
 * output tiles, tfjs-backend-webgpu 4.x picks its split-K program, which adds the partial sums of K's slices into the
 * output with atomic adds: the order of those float additions changes from run to run, so the same inputs give
 * results that differ in the last bits (19 different results in 30 runs of a [64, 2560]·[2560, 96] product on Mesa's
 * software WebGPU). A training run then differs from its repeat — a char-GRU's weight gradient xᵀ·∂y has K = batch ×
 * steps = 2,560.
 *
 * This wraps the `BatchMatMul` and `_FusedMatMul` kernels of `backendName`: where tfjs would choose split-K (its own
 * rule, restated from BatchMatMul_impl), the call runs with `WEBGPU_MATMUL_PROGRAM_TYPE` set to the packed program —
 * tfjs's choice for every larger output, where each output is summed by one thread in a fixed order — and the flag is
 * put back. Every other product, and a user's own setting of the flag (set it to 1 to have split-K back), is left
 * alone. Idempotent.
 *
 * Measured on Mesa's software WebGPU (one run, medians of 11): [64, 2560]·[2560, 96] 8.3 ms split-K, 5.9 packed;
 * [10, 6000]·[6000, 100] 11.4 and 9.3; [100, 2560]·[2560, 30] 20.0 and 9.4 (the small-output program, tfjs's other
 * choice for few tiles: 57.5, 39.7, 32.0). A GPU with many cores may lose a little on these few-tile products; the
 * same seed then gives the same numbers.
 */
export function makeWebGpuMatMulDeterministic(backendName: string): void {
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    const config = tf.getKernel(kernelName, backendName);
    if (config == null || (config.kernelFunc as MaybeWrapped)[WRAPPED] === true) continue;
    const original = config.kernelFunc;
    const wrapped: tf.KernelFunc & MaybeWrapped = (args) => {
      if (!wouldSplitK(args)) return original(args);
      const env = tf.env();
      const previous = env.getNumber(FLAG);
      env.set(FLAG, PACKED_PROGRAM);
      try {
        return original(args);
      } finally {
        env.set(FLAG, previous);
      }
    };
    wrapped[WRAPPED] = true;
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrapped });
  }
}

const FLAG = 'WEBGPU_MATMUL_PROGRAM_TYPE';
/** tfjs-webgpu's MatMulProgramType.MatMulPackedProgram. */
const PACKED_PROGRAM = 3;
const WRAPPED = Symbol.for('gradkit.deterministicMatMul');
type MaybeWrapped = { [WRAPPED]?: boolean };

/** A tfjs flag's number, or `fallback` where no backend module has declared the flag. */
function flag(name: string, fallback: number): number {
  try {
    return tf.env().getNumber(name);
  } catch {
    return fallback;
  }
}

/**
 * tfjs-backend-webgpu 4.22's choice of the split-K program (kernels/BatchMatMul_impl): no program type forced, few
 * 32×32 output tiles (≤ the backend's threshold, or ≤ twice it when the output has ≤ 8 rows), more than 128 outputs,
 * one batch, and K ≥ 2000.
 */
export function wouldSplitK({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): boolean {
  if (flag(FLAG, -1) >= 0) return false;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA = false, transposeB = false } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const ra = a.shape.length;
  const rb = b.shape.length;
  const outerA = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
  const outerB = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
  const inner = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
  const batch = Math.max(tf.util.sizeFromShape(a.shape.slice(0, -2)), tf.util.sizeFromShape(b.shape.slice(0, -2)));
  const flagged = flag('WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL', -1);
  const threshold =
    flagged > 0
      ? flagged
      : ((backend as { thresholdToIncreaseWorkgroups?: number }).thresholdToIncreaseWorkgroups ?? 8);
  const tiles = batch * Math.ceil(outerA / 32) * Math.ceil(outerB / 32);
  const fewTiles = tiles <= threshold || (outerA <= 8 && tiles <= threshold * 2);
  return fewTiles && batch * outerA * outerB > 128 && batch === 1 && inner >= 2000;
}

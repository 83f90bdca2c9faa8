import * as tf from '@tensorflow/tfjs-core';
import { HostGemm } from '@gradkit/core';

type TensorInfo = tf.TensorInfo;

/** What the host kernels use of a backend that keeps tensors in host memory (tfjs's cpu and wasm backends). */
export interface HostMemoryBackend {
  readSync(dataId: object): tf.BackendValues;
  write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * A kernel's access to the tensors of a host-memory backend, below the tape (as tfjs's own kernels work): read a
 * tensor's values, make an output from an array, and run the backend's own kernels (the recurrent products).
 * Everything made here and not returned by the kernel is disposed by `release()`.
 */
export class HostTensors {
  private readonly made: TensorInfo[] = [];
  /** Right-hand factors copied into the SIMD product's memory, by tensor (the recurrent weights: once per call). */
  private readonly pinned = new Map<object, number>();
  // core's one SIMD product memory, shared by every host kernel (kernels run one at a time; bump-allocated above marks)
  private readonly gemm = HostGemm.shared();
  private readonly gemmBase = this.gemm?.mark() ?? 0;

  constructor(
    private readonly backendName: string,
    private readonly backend: HostMemoryBackend,
  ) {}

  /** A tensor's values, read only (on cpu the backend's own array). */
  read(t: TensorInfo): Float32Array {
    return this.backend.readSync(t.dataId) as Float32Array;
  }

  /** A bool or numeric tensor's values as 0/1 flags, or null for no tensor. */
  flags(t: TensorInfo | undefined): tf.TypedArray | null {
    return t == null ? null : (this.backend.readSync(t.dataId) as tf.TypedArray);
  }

  /**
   * A float32 tensor of `shape` holding `values` (the caller must not write to `values` afterwards: cpu keeps the
   * array itself, wasm copies it). Not released by `release()`: for a kernel's outputs.
   */
  output(values: Float32Array, shape: number[]): TensorInfo {
    return { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
  }

  /** A float32 tensor for the kernel's own use, released by `release()`. */
  scratch(values: Float32Array, shape: number[]): TensorInfo {
    const t = this.output(values, shape);
    this.made.push(t);
    return t;
  }

  /**
   * left [rows, cols] (host values) · right: @gradkit/core's SIMD product (`HostGemm`, about 38 GFLOP/s on a GRU
   * step's [32, 128]·[128, 384], in-order float32 sums) with `right` copied in once per call; where WebAssembly SIMD
   * is unavailable, the backend's BatchMatMul, read back.
   */
  product(left: Float32Array, rows: number, cols: number, right: TensorInfo): Float32Array {
    const gemm = this.gemm;
    if (gemm != null) {
      const N = right.shape[1] as number;
      let b = this.pinned.get(right.dataId);
      if (b === undefined) {
        b = gemm.put(this.read(right));
        this.pinned.set(right.dataId, b);
      }
      const mark = gemm.mark();
      const a = gemm.put(left);
      const c = gemm.alloc(rows * N);
      gemm.product(rows, N, cols, a, false, b, c);
      const values = gemm.read(c, rows * N);
      gemm.release(mark);
      return values;
    }
    const a = this.output(left, [rows, cols]);
    const out = this.run('BatchMatMul', { a, b: right }, { transposeA: false, transposeB: false });
    const values = this.read(out);
    this.backend.disposeData(a.dataId);
    this.backend.disposeData(out.dataId);
    return values;
  }

  /**
   * Σ over rows of leftᵀ·right: [rows, m] and [rows, k] host values → [m, k]: the SIMD product reading left
   * transposed in place, or (without WebAssembly SIMD) the backend's Transpose then a plain product (wasm's
   * transposed-operand products are slow).
   */
  transposedProduct(left: Float32Array, right: Float32Array, rows: number, m: number, k: number): Float32Array {
    const gemm = this.gemm;
    if (gemm != null) {
      const mark = gemm.mark();
      const a = gemm.put(left);
      const b = gemm.put(right);
      const c = gemm.alloc(m * k);
      gemm.product(m, k, rows, a, true, b, c);
      const values = gemm.read(c, m * k);
      gemm.release(mark);
      return values;
    }
    const a = this.scratch(left, [rows, m]);
    const b = this.scratch(right, [rows, k]);
    const aT = this.run('Transpose', { x: a }, { perm: [1, 0] });
    const out = this.run('BatchMatMul', { a: aT, b }, { transposeA: false, transposeB: false });
    const values = this.read(out);
    this.backend.disposeData(aT.dataId);
    this.backend.disposeData(out.dataId);
    return values;
  }

  /** Disposes what `scratch` made and frees the pinned factors. */
  release(): void {
    for (const t of this.made.splice(0)) this.backend.disposeData(t.dataId);
    this.gemm?.release(this.gemmBase);
    this.pinned.clear();
  }

  private run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: tf.NamedAttrMap): TensorInfo {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (kernel == null) throw new Error(`HostTensors: backend "${this.backendName}" has no kernel "${kernelName}"`);
    return kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.backend as never,
      attrs,
    }) as TensorInfo;
  }
}

/** [u, k·u] from k matrices [u, u] side by side (the recurrent weights of every gate, as one right-hand factor). */
export function sideBySide(parts: Float32Array[], u: number): Float32Array {
  const k = parts.length;
  const out = new Float32Array(u * k * u);
  for (let i = 0; i < u; i++) parts.forEach((p, g) => out.set(p.subarray(i * u, (i + 1) * u), i * k * u + g * u));
  return out;
}

/** The transpose [cols, rows] of a row-major [rows, cols] matrix. */
export function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j] as number;
  return out;
}

/** Column block g (of width u) of a row-major [u, k·u] matrix, as [u, u]. */
export function columnBlock(m: Float32Array, u: number, k: number, g: number): Float32Array {
  const out = new Float32Array(u * u);
  for (let i = 0; i < u; i++) out.set(m.subarray(i * k * u + g * u, i * k * u + (g + 1) * u), i * u);
  return out;
}

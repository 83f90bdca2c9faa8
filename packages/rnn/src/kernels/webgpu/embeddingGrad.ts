import type * as tf from '@tensorflow/tfjs-core';
import { asWebGpuBackend, registerKernelsOnce, runWgsl, workgroupsFor } from '@gradkit/core';
import { EMBEDDING_GRAD } from '../../embeddingGrad';

/** Columns each thread sums (kept in registers). */
const CHUNK = 16;

/**
 * ∂table[v, :] = Σ_{p : ids[p] = v} dy[p, :] on webgpu without atomics (see embeddingGrad.ts): one thread per row v
 * and block of 16 columns walks the ids in ascending p and adds the matching rows of dy — V·⌈dim/16⌉·P comparisons,
 * P·dim additions, one dispatch, the same order on every run. Ids outside 0..V−1 add nowhere.
 */
function shader(): string {
  return `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
struct Dims { V: u32, P: u32, dim: u32, }
@group(0) @binding(3) var<uniform> dims: Dims;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let idx = gid.x + gid.y * groups.x * 64u;
  let chunks = (dims.dim + ${CHUNK - 1}u) / ${CHUNK}u;
  if (idx >= dims.V * chunks) { return; }
  let v = i32(idx / chunks);
  let c0 = (idx % chunks) * ${CHUNK}u;
  let width = min(${CHUNK}u, dims.dim - c0);
  var acc: array<f32, ${CHUNK}>;
  for (var c = 0u; c < ${CHUNK}u; c++) { acc[c] = 0.0; }
  for (var p = 0u; p < dims.P; p++) {
    if (ids[p] == v) {
      let o = p * dims.dim + c0;
      for (var c = 0u; c < width; c++) { acc[c] += dy[o + c]; }
    }
  }
  let o = u32(v) * dims.dim + c0;
  for (var c = 0u; c < width; c++) { out[o + c] = acc[c]; }
}`;
}

const kernel: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGpuBackend(anyBackend, EMBEDDING_GRAD);
  const { ids, dy } = inputs as Record<string, tf.TensorInfo>;
  const [P, dim] = (dy as tf.TensorInfo).shape as [number, number];
  const V = (attrs as { vocabulary: number }).vocabulary;
  const chunks = Math.ceil(dim / CHUNK);
  const [out] = runWgsl(
    backend,
    {
      key: EMBEDDING_GRAD,
      code: shader(),
      workgroups: workgroupsFor(backend.device, V * chunks, 64),
      uniforms: [
        { type: 'uint32', value: V },
        { type: 'uint32', value: P },
        { type: 'uint32', value: dim },
      ],
    },
    [ids, dy] as tf.TensorInfo[],
    [{ shape: [V, dim] }],
  );
  return out as tf.TensorInfo;
};

/** Registers the embedding gradient's kernel for a webgpu backend. */
export function registerWebGpuEmbeddingGrad(backendName: string): void {
  registerKernelsOnce(backendName, [[EMBEDDING_GRAD, kernel]]);
}

import type * as tf from '@tensorflow/tfjs-core';
import { runWgsl, workgroupsFor, type WebGpuBackendLike } from '@gradkit/core';

/**
 * What the GRU and LSTM sequence kernels share: the weights packed into the reserve's tail before the forward loop,
 * the weight gradients after the backward loop, and the registration. A cell kind has `gates` gates of `u` units;
 * its reserve holds T·B rows of `R` floats, then the packed weights [u, gates·u] (row k: U_g(k, :) for each gate in
 * order), then, for the GRU, b′_h [u].
 */

/** Copies the gates' U_g [u, u] into rows of [u, gates·u] at the reserve's `dims.at`, then the bias if there is one. */
function packShader(u: number, gates: number, withBias: boolean): string {
  const weights = Array.from(
    { length: gates },
    (_, g) => `@group(0) @binding(${1 + g}) var<storage, read> w${g}: array<f32>;`,
  );
  const copies = Array.from({ length: gates }, (_, g) => `reserve[o + ${g}u * U] = w${g}[idx];`).join('\n    ');
  const b = 1 + gates;
  return `
@group(0) @binding(0) var<storage, read_write> reserve: array<f32>;
${weights.join('\n')}
${withBias ? `@group(0) @binding(${b}) var<storage, read> bias: array<f32>;` : ''}
struct Dims { at: u32, }
@group(0) @binding(${withBias ? b + 1 : b}) var<uniform> dims: Dims;
const U: u32 = ${u}u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let idx = gid.x + gid.y * groups.x * 64u;
  if (idx < U * U) {
    let o = dims.at + (idx / U) * ${gates}u * U + idx % U;
    ${copies}
  }${
    withBias
      ? ` else if (idx < U * U + U) {
    reserve[dims.at + ${gates}u * U * U + idx - U * U] = bias[idx - U * U];
  }`
      : ''
  }
}`;
}

/**
 * A new reserve of `rows`·R floats plus the packed weights (and bias), with the weights copied in: one dispatch.
 * Returns the reserve and where its weights start.
 */
export function packWeights(
  backend: WebGpuBackendLike,
  kernelName: string,
  { u, rows, R }: { u: number; rows: number; R: number },
  weights: tf.TensorInfo[],
  bias: tf.TensorInfo | null,
): { reserve: tf.TensorInfo; at: number } {
  const gates = weights.length;
  const at = rows * R;
  const total = at + gates * u * u + (bias ? u : 0);
  const [reserve] = runWgsl(
    backend,
    {
      key: `${kernelName}/pack/u${u}`,
      code: packShader(u, gates, bias != null),
      workgroups: workgroupsFor(backend.device, u * u + (bias ? u : 0), 64),
      uniforms: [{ type: 'uint32', value: at }],
    },
    [...weights, ...(bias ? [bias] : [])],
    [{ shape: [total] }],
  ) as [tf.TensorInfo];
  return { reserve, at };
}

/**
 * ∂U_g = Σ_{rows s} v_{s,g}ᵀ·∂a_g, one thread per weight: v is what multiplied U_g in the forward step, u floats of
 * reserve row s at offset `lefts[g]` (default 0: h entering the step; the reset-before GRU's U_h multiplies r ⊙ h);
 * the gate rows [rows, gates·u] come from the backward loop. With `biasGate` also Σ_s of that gate's column (the
 * GRU's ∂b′_h = Σ ∂hh). One dispatch; `gateRows` is released.
 */
export function weightGradients(
  backend: WebGpuBackendLike,
  kernelName: string,
  {
    u,
    rows,
    R,
    gates,
    biasGate,
    lefts = [],
  }: { u: number; rows: number; R: number; gates: number; biasGate: number | null; lefts?: number[] },
  reserve: tf.TensorInfo,
  gateRows: tf.TensorInfo,
): tf.TensorInfo[] {
  const outs = Array.from(
    { length: gates },
    (_, g) => `@group(0) @binding(${g}) var<storage, read_write> d${g}: array<f32>;`,
  );
  const n = gates + (biasGate != null ? 1 : 0);
  const left = (g: number) => lefts[g] ?? 0;
  const offsets = [...new Set(Array.from({ length: gates }, (_, g) => left(g)))];
  const code = `
${outs.join('\n')}
${biasGate != null ? `@group(0) @binding(${gates}) var<storage, read_write> dBias: array<f32>;` : ''}
@group(0) @binding(${n}) var<storage, read> reserve: array<f32>;
@group(0) @binding(${n + 1}) var<storage, read> gateRows: array<f32>;
struct Dims { rows: u32, }
@group(0) @binding(${n + 2}) var<uniform> dims: Dims;
const U: u32 = ${u}u;
const R: u32 = ${R}u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let idx = gid.x + gid.y * groups.x * 64u;
  if (idx >= U * U) { return; }
  let k = idx / U;
  let j = idx % U;
  ${Array.from({ length: gates }, (_, g) => `var s${g} = 0.0;`).join(' ')}
  ${biasGate != null ? 'var sb = 0.0;' : ''}
  for (var s = 0u; s < dims.rows; s++) {
    ${offsets.map((o) => `let v${o} = reserve[s * R + ${o}u + k];`).join('\n    ')}
    let go = s * ${gates}u * U;
    ${Array.from({ length: gates }, (_, g) => `s${g} += v${left(g)} * gateRows[go + ${g}u * U + j];`).join('\n    ')}
    ${biasGate != null ? `sb += gateRows[go + ${biasGate}u * U + j];` : ''}
  }
  ${Array.from({ length: gates }, (_, g) => `d${g}[idx] = s${g};`).join(' ')}
  ${biasGate != null ? 'if (k == 0u) { dBias[j] = sb; }' : ''}
}`;
  const grads = runWgsl(
    backend,
    {
      key: `${kernelName}/weights/u${u}/${lefts.join(',')}`,
      code,
      workgroups: workgroupsFor(backend.device, u * u, 64),
      uniforms: [{ type: 'uint32', value: rows }],
    },
    [reserve, gateRows],
    [...Array.from({ length: gates }, () => ({ shape: [u, u] })), ...(biasGate != null ? [{ shape: [u] }] : [])],
  );
  backend.disposeData(gateRows.dataId);
  return grads;
}

import type * as tf from '@tensorflow/tfjs-core';
import { asWebGpuBackend, registerKernelsOnce, runWgsl } from '@gradkit/core';
import { GRU_RB_SEQUENCE, GRU_RB_SEQUENCE_GRAD } from '../../fusedSequence';
import { packWeights, weightGradients } from './sequenceCommon';
import { SIGMOID_WGSL, TANH_WGSL, sequenceLimits, workgroupSize } from './wgsl';

/**
 * The reset-before GRU's whole sequence on webgpu (TF1's GRUCell, the posts' GRU; see cell.ts' FusedGru), laid out
 * as gruSequence.ts lays out the reset-after one:
 *   z = σ(x_z + h·U_z),  r = σ(x_r + h·U_r),  c = tanh(x_h + (r ⊙ h)·U_h),  h′ = c + z ⊙ (h − c)
 * past an example's length the output is 0 and the state passes through.
 *
 * The reset gate acts before the product, so a step has two phases with a barrier between them: every unit's z and r
 * (and r ⊙ h, into workgroup memory), then every unit's (r ⊙ h)·U_h, c and h′.
 *
 * **Forward: two dispatches** — [U_z | U_r | U_h] packed at the end of the reserve, then one workgroup per example
 * runs every step, saving per (t, b) row h entering the step, z, r, c, r ⊙ h and the valid flag.
 *
 * **Backward: two dispatches.** Every step back in three phases: with g = ∂h′ + ∂output, ∂a_z = g ⊙ (h − c) ⊙
 * z(1 − z) and ∂a_c = g ⊙ (1 − z) ⊙ (1 − c²); then ∂(r ⊙ h) = ∂a_c·U_hᵀ, ∂a_r = ∂(r ⊙ h) ⊙ h ⊙ r(1 − r); then
 * ∂h = g ⊙ z + ∂(r ⊙ h) ⊙ r + [∂a_z | ∂a_r]·[U_z | U_r]ᵀ to the step before. ∂x_t = [∂a_z | ∂a_r | ∂a_c]. Then
 * ∂U_z = Σ hᵀ·∂a_z, ∂U_r = Σ hᵀ·∂a_r, ∂U_h = Σ (r ⊙ h)ᵀ·∂a_c over all (t, b), one thread per weight.
 */

/** Floats per reserve row: h, z, r, c, r ⊙ h (u each) and the valid flag. */
const reserveRow = (u: number) => 5 * u + 1;

function forwardShader(u: number, wg: number, masked: boolean): string {
  const R = reserveRow(u);
  return `
@group(0) @binding(0) var<storage, read_write> outSeq: array<f32>;
@group(0) @binding(1) var<storage, read_write> hLast: array<f32>;
@group(0) @binding(2) var<storage, read_write> reserve: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> h0: array<f32>;
${masked ? '@group(0) @binding(5) var<storage, read> masks: array<i32>;' : ''}
struct Dims { B: u32, T: u32, at: u32, }
@group(0) @binding(${masked ? 6 : 5}) var<uniform> dims: Dims;
const U: u32 = ${u}u;
const R: u32 = ${R}u;
const WG: u32 = ${wg}u;
var<workgroup> hs: array<f32, ${2 * u}>;
var<workgroup> rh: array<f32, ${u}>;
${SIGMOID_WGSL}
${TANH_WGSL}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let B = dims.B;
  let T = dims.T;
  let W = dims.at;
  for (var j = lid.x; j < U; j += WG) { hs[j] = h0[b * U + j]; }
  workgroupBarrier();
  var cur = 0u;
  for (var t = 0u; t < T; t++) {
    let nxt = U - cur;
    let valid = ${masked ? 'masks[b * T + t] != 0' : 'true'};
    let xo = (b * T + t) * 3u * U;
    let ro = (t * B + b) * R;
    for (var j = lid.x; j < U; j += WG) {
      var pz = 0.0;
      var pr = 0.0;
      for (var k = 0u; k < U; k++) {
        let hk = hs[cur + k];
        let wo = W + k * 3u * U + j;
        pz += hk * reserve[wo];
        pr += hk * reserve[wo + U];
      }
      let hPrev = hs[cur + j];
      let z = sigmoid(x[xo + j] + pz);
      let r = sigmoid(x[xo + U + j] + pr);
      reserve[ro + j] = hPrev;
      reserve[ro + U + j] = z;
      reserve[ro + 2u * U + j] = r;
      reserve[ro + 4u * U + j] = r * hPrev;
      rh[j] = r * hPrev;
    }
    workgroupBarrier();
    for (var j = lid.x; j < U; j += WG) {
      var ph = 0.0;
      for (var k = 0u; k < U; k++) { ph += rh[k] * reserve[W + k * 3u * U + 2u * U + j]; }
      let hPrev = hs[cur + j];
      let z = reserve[ro + U + j];
      let c = tanhStable(x[xo + 2u * U + j] + ph);
      let hn = c + z * (hPrev - c);
      reserve[ro + 3u * U + j] = c;
      outSeq[(b * T + t) * U + j] = select(0.0, hn, valid);
      hs[nxt + j] = select(hPrev, hn, valid);
    }
    if (lid.x == 0u) { reserve[ro + 5u * U] = select(0.0, 1.0, valid); }
    workgroupBarrier();
    cur = nxt;
  }
  for (var j = lid.x; j < U; j += WG) { hLast[b * U + j] = hs[cur + j]; }
}`;
}

function backwardStepsShader(u: number, wg: number): string {
  const R = reserveRow(u);
  return `
@group(0) @binding(0) var<storage, read_write> dX: array<f32>;
@group(0) @binding(1) var<storage, read_write> dH0: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> dState: array<f32>;
@group(0) @binding(5) var<storage, read> reserve: array<f32>;
struct Dims { B: u32, T: u32, at: u32, }
@group(0) @binding(6) var<uniform> dims: Dims;
const U: u32 = ${u}u;
const R: u32 = ${R}u;
const WG: u32 = ${wg}u;
var<workgroup> dh: array<f32, ${2 * u}>;
var<workgroup> gate: array<f32, ${3 * u}>;
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let B = dims.B;
  let T = dims.T;
  let W = dims.at;
  for (var j = lid.x; j < U; j += WG) { dh[j] = dState[b * U + j]; }
  workgroupBarrier();
  var cur = 0u;
  for (var s = 0u; s < T; s++) {
    let t = T - 1u - s;
    let nxt = U - cur;
    let ro = (t * B + b) * R;
    let valid = reserve[ro + 5u * U] != 0.0;
    let xo = (b * T + t) * 3u * U;
    let go = (t * B + b) * 3u * U;
    // ∂a_z, ∂a_c and the direct part of ∂h (past the length: ∂h passes, the gates get nothing)
    for (var j = lid.x; j < U; j += WG) {
      var daz = 0.0;
      var dac = 0.0;
      var direct = dh[cur + j];
      if (valid) {
        let g = dh[cur + j] + dOut[(b * T + t) * U + j];
        let hPrev = reserve[ro + j];
        let z = reserve[ro + U + j];
        let c = reserve[ro + 3u * U + j];
        dac = g * (1.0 - z) * (1.0 - c * c);
        daz = g * (hPrev - c) * z * (1.0 - z);
        direct = g * z;
      }
      gate[j] = daz;
      gate[2u * U + j] = dac;
      gates[go + j] = daz;
      gates[go + 2u * U + j] = dac;
      dX[xo + j] = daz;
      dX[xo + 2u * U + j] = dac;
      dh[nxt + j] = direct;
    }
    workgroupBarrier();
    // ∂(r ⊙ h) = ∂a_c·U_hᵀ (row k of U_h), then ∂a_r and ∂(r ⊙ h)'s share of ∂h
    for (var k = lid.x; k < U; k += WG) {
      var drh = 0.0;
      let wo = W + k * 3u * U + 2u * U;
      for (var j = 0u; j < U; j++) { drh += gate[2u * U + j] * reserve[wo + j]; }
      let hk = reserve[ro + k];
      let r = reserve[ro + 2u * U + k];
      let dar = drh * hk * r * (1.0 - r);
      gate[U + k] = dar;
      gates[go + U + k] = dar;
      dX[xo + U + k] = dar;
      dh[nxt + k] += drh * r;
    }
    workgroupBarrier();
    // [∂a_z | ∂a_r]·[U_z | U_r]ᵀ
    for (var j = lid.x; j < U; j += WG) {
      var acc = 0.0;
      let wo = W + j * 3u * U;
      for (var m = 0u; m < 2u * U; m++) { acc += gate[m] * reserve[wo + m]; }
      dh[nxt + j] += acc;
    }
    workgroupBarrier();
    cur = nxt;
  }
  for (var j = lid.x; j < U; j += WG) { dH0[b * U + j] = dh[cur + j]; }
}`;
}

const forward: tf.KernelFunc = ({ inputs, backend: anyBackend }) => {
  const backend = asWebGpuBackend(anyBackend, GRU_RB_SEQUENCE);
  const { x, h0, uz, ur, uh, masks } = inputs as Record<string, tf.TensorInfo>;
  const [B, T, w] = (x as tf.TensorInfo).shape as [number, number, number];
  const u = w / 3;
  const R = reserveRow(u);
  sequenceLimits(backend, GRU_RB_SEQUENCE, { B, T, u, reserveFloats: T * B * R + 3 * u * u, workgroupFloats: 3 * u });
  const { reserve, at } = packWeights(
    backend,
    GRU_RB_SEQUENCE,
    { u, rows: T * B, R },
    [uz, ur, uh] as tf.TensorInfo[],
    null,
  );
  const wg = workgroupSize(u);
  const masked = masks != null;
  const [outputs, last] = runWgsl(
    backend,
    {
      key: `${GRU_RB_SEQUENCE}/u${u}/wg${wg}/${masked ? 'masked' : 'full'}`,
      code: forwardShader(u, wg, masked),
      workgroups: [B, 1, 1],
      uniforms: [
        { type: 'uint32', value: B },
        { type: 'uint32', value: T },
        { type: 'uint32', value: at },
      ],
    },
    [reserve, x, h0, ...(masked ? [masks] : [])] as tf.TensorInfo[],
    [{ shape: [B, T, u] }, { shape: [B, u] }],
  ) as [tf.TensorInfo, tf.TensorInfo];
  return [outputs, last, reserve];
};

const backward: tf.KernelFunc = ({ inputs, backend: anyBackend }) => {
  const backend = asWebGpuBackend(anyBackend, GRU_RB_SEQUENCE_GRAD);
  const { dOut, dState0, reserve } = inputs as Record<string, tf.TensorInfo>;
  if (reserve == null) throw new Error(`${GRU_RB_SEQUENCE_GRAD}: no reserve from the forward kernel`);
  const [B, T, u] = (dOut as tf.TensorInfo).shape as [number, number, number];
  const R = reserveRow(u);
  const wg = workgroupSize(u);
  const [dX, dH0, gateRows] = runWgsl(
    backend,
    {
      key: `${GRU_RB_SEQUENCE_GRAD}/steps/u${u}/wg${wg}`,
      code: backwardStepsShader(u, wg),
      workgroups: [B, 1, 1],
      uniforms: [
        { type: 'uint32', value: B },
        { type: 'uint32', value: T },
        { type: 'uint32', value: T * B * R },
      ],
    },
    [dOut, dState0, reserve] as tf.TensorInfo[],
    [{ shape: [B, T, 3 * u] }, { shape: [B, u] }, { shape: [T, B, 3 * u] }],
  ) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  // ∂U_z, ∂U_r from h entering the step; ∂U_h from r ⊙ h (offset 4u in the reserve row)
  const grads = weightGradients(
    backend,
    GRU_RB_SEQUENCE_GRAD,
    { u, rows: T * B, R, gates: 3, biasGate: null, lefts: [0, 0, 4 * u] },
    reserve,
    gateRows,
  );
  return [dX, dH0, ...grads];
};

/** Registers the reset-before GRU whole-sequence kernels (forward and backward) for a webgpu backend. */
export function registerWebGpuGruResetBeforeSequence(backendName: string): void {
  registerKernelsOnce(backendName, [
    [GRU_RB_SEQUENCE, forward],
    [GRU_RB_SEQUENCE_GRAD, backward],
  ]);
}

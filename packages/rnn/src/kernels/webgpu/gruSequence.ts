import type * as tf from '@tensorflow/tfjs-core';
import { asWebGpuBackend, registerKernelsOnce, runWgsl } from '@gradkit/core';
import { GRU_SEQUENCE, GRU_SEQUENCE_GRAD } from '../../fusedSequence';
import { packWeights, weightGradients } from './sequenceCommon';
import { SIGMOID_WGSL, TANH_WGSL, sequenceLimits, workgroupSize } from './wgsl';

/**
 * The reset-after GRU's whole sequence on webgpu, the time loop inside the GPU program (see cell.ts' FusedGru):
 *   z = σ(x_z + h·U_z),  r = σ(x_r + h·U_r),  hh = h·U_h + b′_h,  c = tanh(x_h + r ⊙ hh),  h′ = c + z ⊙ (h − c)
 * past an example's length the output is 0 and the state passes through.
 *
 * **Forward: two dispatches.** The first copies [U_z | U_r | U_h] ([u, 3u], row-major) and b′_h to the end of the
 * **reserve**, one buffer the backward reads (as cuDNN's RNN reserve) — so that no program binds more than the 8
 * storage buffers every WebGPU device offers. The second runs the sequence: one workgroup per example keeps h in
 * workgroup memory (two halves, swapped each step, a barrier between steps); each thread computes its units' three
 * recurrent dot products and the gate arithmetic, and writes the outputs, the final state and a reserve row per
 * (t, b) — h entering the step, z, r, c, hh and the valid flag ([T·B rows of 5u + 1], then the weights).
 *
 * **Backward: two dispatches.** The first walks the steps back, again one workgroup per example: with
 * g = ∂h′ + ∂output, ∂z = g ⊙ (h − c), ∂a_c = g ⊙ (1 − z) ⊙ (1 − c²), ∂hh = ∂a_c ⊙ r, ∂a_r = ∂a_c ⊙ hh ⊙ r(1 − r),
 * ∂a_z = ∂z ⊙ z(1 − z); it writes ∂x_t = [∂a_z | ∂a_r | ∂a_c] and the gate row [∂a_z | ∂a_r | ∂hh] of every step,
 * and carries ∂h = g ⊙ z + [∂a_z | ∂a_r | ∂hh]·[U_z | U_r | U_h]ᵀ to the step before (the weights from the
 * reserve). The second computes
 * ∂U_g = Σ_{t,b} h_{t−1}ᵀ·(gate row g) for the three gates and ∂b′_h = Σ ∂hh, one thread per weight.
 */

/** Floats per reserve row: h, z, r, c, hh (u each) and the valid flag. */
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
${SIGMOID_WGSL}
${TANH_WGSL}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let B = dims.B;
  let T = dims.T;
  let W = dims.at;
  let bh = W + 3u * U * U;
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
      var ph = 0.0;
      for (var k = 0u; k < U; k++) {
        let hk = hs[cur + k];
        let wo = W + k * 3u * U + j;
        pz += hk * reserve[wo];
        pr += hk * reserve[wo + U];
        ph += hk * reserve[wo + 2u * U];
      }
      let hPrev = hs[cur + j];
      let z = sigmoid(x[xo + j] + pz);
      let r = sigmoid(x[xo + U + j] + pr);
      let hh = ph + reserve[bh + j];
      let c = tanhStable(x[xo + 2u * U + j] + r * hh);
      let hn = c + z * (hPrev - c);
      reserve[ro + j] = hPrev;
      reserve[ro + U + j] = z;
      reserve[ro + 2u * U + j] = r;
      reserve[ro + 3u * U + j] = c;
      reserve[ro + 4u * U + j] = hh;
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
    for (var j = lid.x; j < U; j += WG) {
      var daz = 0.0;
      var dar = 0.0;
      var dhh = 0.0;
      var dac = 0.0;
      var direct = dh[cur + j];
      if (valid) {
        let g = dh[cur + j] + dOut[(b * T + t) * U + j];
        let hPrev = reserve[ro + j];
        let z = reserve[ro + U + j];
        let r = reserve[ro + 2u * U + j];
        let c = reserve[ro + 3u * U + j];
        let hh = reserve[ro + 4u * U + j];
        let dz = g * (hPrev - c);
        dac = g * (1.0 - z) * (1.0 - c * c);
        dhh = dac * r;
        dar = dac * hh * r * (1.0 - r);
        daz = dz * z * (1.0 - z);
        direct = g * z;
      }
      gate[j] = daz;
      gate[U + j] = dar;
      gate[2u * U + j] = dhh;
      gates[go + j] = daz;
      gates[go + U + j] = dar;
      gates[go + 2u * U + j] = dhh;
      dX[xo + j] = daz;
      dX[xo + U + j] = dar;
      dX[xo + 2u * U + j] = dac;
      dh[nxt + j] = direct;
    }
    workgroupBarrier();
    for (var j = lid.x; j < U; j += WG) {
      var acc = 0.0;
      let wo = dims.at + j * 3u * U;
      for (var m = 0u; m < 3u * U; m++) { acc += gate[m] * reserve[wo + m]; }
      dh[nxt + j] += acc;
    }
    workgroupBarrier();
    cur = nxt;
  }
  for (var j = lid.x; j < U; j += WG) { dH0[b * U + j] = dh[cur + j]; }
}`;
}

const forward: tf.KernelFunc = ({ inputs, backend: anyBackend }) => {
  const backend = asWebGpuBackend(anyBackend, GRU_SEQUENCE);
  const { x, h0, uz, ur, uh, bh, masks } = inputs as Record<string, tf.TensorInfo>;
  const [B, T, w] = (x as tf.TensorInfo).shape as [number, number, number];
  const u = w / 3;
  const R = reserveRow(u);
  sequenceLimits(backend, GRU_SEQUENCE, { B, T, u, reserveFloats: T * B * R + 3 * u * u + u, workgroupFloats: 2 * u });
  const { reserve, at } = packWeights(
    backend,
    GRU_SEQUENCE,
    { u, rows: T * B, R },
    [uz, ur, uh] as tf.TensorInfo[],
    bh as tf.TensorInfo,
  );
  const wg = workgroupSize(u);
  const masked = masks != null;
  const [outputs, last] = runWgsl(
    backend,
    {
      key: `${GRU_SEQUENCE}/u${u}/wg${wg}/${masked ? 'masked' : 'full'}`,
      code: forwardShader(u, wg, masked),
      workgroups: [B, 1, 1],
      uniforms: [
        { type: 'uint32', value: B },
        { type: 'uint32', value: T },
        { type: 'uint32', value: at },
      ],
    },
    // the reserve is bound read-write (the shader writes its rows and reads the weights packed there)
    [reserve, x, h0, ...(masked ? [masks] : [])] as tf.TensorInfo[],
    [{ shape: [B, T, u] }, { shape: [B, u] }],
  ) as [tf.TensorInfo, tf.TensorInfo];
  return [outputs, last, reserve];
};

const backward: tf.KernelFunc = ({ inputs, backend: anyBackend }) => {
  const backend = asWebGpuBackend(anyBackend, GRU_SEQUENCE_GRAD);
  const { dOut, dState0, reserve } = inputs as Record<string, tf.TensorInfo>;
  if (reserve == null) throw new Error(`${GRU_SEQUENCE_GRAD}: no reserve from the forward kernel`);
  const [B, T, u] = (dOut as tf.TensorInfo).shape as [number, number, number];
  const R = reserveRow(u);
  const wg = workgroupSize(u);
  const [dX, dH0, gateRows] = runWgsl(
    backend,
    {
      key: `${GRU_SEQUENCE_GRAD}/steps/u${u}/wg${wg}`,
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
  // ∂U_z, ∂U_r, ∂U_h and ∂b′_h = Σ ∂hh (the third gate row)
  const grads = weightGradients(
    backend,
    GRU_SEQUENCE_GRAD,
    { u, rows: T * B, R, gates: 3, biasGate: 2 },
    reserve,
    gateRows,
  );
  return [dX, dH0, ...grads];
};

/** Registers the GRU whole-sequence kernels (forward and backward) for a webgpu backend. */
export function registerWebGpuGruSequence(backendName: string): void {
  registerKernelsOnce(backendName, [
    [GRU_SEQUENCE, forward],
    [GRU_SEQUENCE_GRAD, backward],
  ]);
}

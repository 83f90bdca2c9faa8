import type * as tf from '@tensorflow/tfjs-core';
import { asWebGpuBackend, registerKernelsOnce, runWgsl } from '@gradkit/core';
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from '../../fusedSequence';
import { packWeights, weightGradients } from './sequenceCommon';
import { SIGMOID_WGSL, TANH_WGSL, sequenceLimits, workgroupSize } from './wgsl';

/**
 * TF's BasicLSTMCell's whole sequence on webgpu (without layer normalization: that cell has its own kernel name and
 * steps here), the time loop inside the GPU program, as gruSequence.ts does for the GRU:
 *   a = x_t + h·[U_i U_j U_f U_o],  i = σ(a_i), j̃ = tanh(a_j), f = σ(a_f + forgetBias), o = σ(a_o),
 *   c′ = c ⊙ f + i ⊙ j̃,  h′ = tanh(c′) ⊙ o;  past an example's length the output is 0 and (c, h) pass through.
 *
 * Forward: two dispatches — [U_i | U_j | U_f | U_o] ([u, 4u]) packed at the end of the reserve, then one workgroup
 * per example runs every step (h in workgroup memory, two halves swapped each step; c per unit, kept by the thread
 * that owns the unit), saving per (t, b) row h and c entering the step, i, j̃, f, o, tanh(c′) and the valid flag.
 * Backward: two dispatches — every step back (g = ∂h′ + ∂output, ∂a_o = g ⊙ tanh(c′) ⊙ o(1 − o),
 * ∂c′ = ∂c + g ⊙ o ⊙ (1 − tanh²c′), ∂a_i = ∂c′ ⊙ j̃ ⊙ i(1 − i), ∂a_j = ∂c′ ⊙ i ⊙ (1 − j̃²), ∂a_f = ∂c′ ⊙ c ⊙ f(1 − f),
 * ∂c ← ∂c′ ⊙ f, ∂h ← ∂a·[U_i U_j U_f U_o]ᵀ; ∂x_t = ∂a), then ∂U_g = Σ_{t,b} h_{t−1}ᵀ·∂a_g, one thread per weight.
 */

/** Floats per reserve row: h, c, i, j̃, f, o, tanh(c′) (u each) and the valid flag. */
const reserveRow = (u: number) => 7 * u + 1;

function forwardShader(u: number, wg: number, masked: boolean): string {
  const R = reserveRow(u);
  return `
@group(0) @binding(0) var<storage, read_write> outSeq: array<f32>;
@group(0) @binding(1) var<storage, read_write> cLast: array<f32>;
@group(0) @binding(2) var<storage, read_write> hLast: array<f32>;
@group(0) @binding(3) var<storage, read_write> reserve: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> c0: array<f32>;
@group(0) @binding(6) var<storage, read> h0: array<f32>;
${masked ? '@group(0) @binding(7) var<storage, read> masks: array<i32>;' : ''}
struct Dims { B: u32, T: u32, at: u32, forgetBias: f32, }
@group(0) @binding(${masked ? 8 : 7}) var<uniform> dims: Dims;
const U: u32 = ${u}u;
const R: u32 = ${R}u;
const WG: u32 = ${wg}u;
var<workgroup> hs: array<f32, ${2 * u}>;
var<workgroup> cs: array<f32, ${u}>;
${SIGMOID_WGSL}
${TANH_WGSL}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let B = dims.B;
  let T = dims.T;
  let W = dims.at;
  for (var j = lid.x; j < U; j += WG) {
    hs[j] = h0[b * U + j];
    cs[j] = c0[b * U + j];
  }
  workgroupBarrier();
  var cur = 0u;
  for (var t = 0u; t < T; t++) {
    let nxt = U - cur;
    let valid = ${masked ? 'masks[b * T + t] != 0' : 'true'};
    let xo = (b * T + t) * 4u * U;
    let ro = (t * B + b) * R;
    for (var j = lid.x; j < U; j += WG) {
      var ai = x[xo + j];
      var aj = x[xo + U + j];
      var af = x[xo + 2u * U + j];
      var ao = x[xo + 3u * U + j];
      for (var k = 0u; k < U; k++) {
        let hk = hs[cur + k];
        let wo = W + k * 4u * U + j;
        ai += hk * reserve[wo];
        aj += hk * reserve[wo + U];
        af += hk * reserve[wo + 2u * U];
        ao += hk * reserve[wo + 3u * U];
      }
      let hPrev = hs[cur + j];
      let cPrev = cs[j];
      let i = sigmoid(ai);
      let jt = tanhStable(aj);
      let f = sigmoid(af + dims.forgetBias);
      let o = sigmoid(ao);
      let c = cPrev * f + i * jt;
      let tm = tanhStable(c);
      let hn = tm * o;
      reserve[ro + j] = hPrev;
      reserve[ro + U + j] = cPrev;
      reserve[ro + 2u * U + j] = i;
      reserve[ro + 3u * U + j] = jt;
      reserve[ro + 4u * U + j] = f;
      reserve[ro + 5u * U + j] = o;
      reserve[ro + 6u * U + j] = tm;
      outSeq[(b * T + t) * U + j] = select(0.0, hn, valid);
      hs[nxt + j] = select(hPrev, hn, valid);
      cs[j] = select(cPrev, c, valid);
    }
    if (lid.x == 0u) { reserve[ro + 7u * U] = select(0.0, 1.0, valid); }
    workgroupBarrier();
    cur = nxt;
  }
  for (var j = lid.x; j < U; j += WG) {
    hLast[b * U + j] = hs[cur + j];
    cLast[b * U + j] = cs[j];
  }
}`;
}

function backwardStepsShader(u: number, wg: number): string {
  const R = reserveRow(u);
  return `
@group(0) @binding(0) var<storage, read_write> dX: array<f32>;
@group(0) @binding(1) var<storage, read_write> dC0: array<f32>;
@group(0) @binding(2) var<storage, read_write> dH0: array<f32>;
@group(0) @binding(3) var<storage, read_write> gates: array<f32>;
@group(0) @binding(4) var<storage, read> dOut: array<f32>;
@group(0) @binding(5) var<storage, read> dStateC: array<f32>;
@group(0) @binding(6) var<storage, read> dStateH: array<f32>;
@group(0) @binding(7) var<storage, read> reserve: array<f32>;
struct Dims { B: u32, T: u32, at: u32, }
@group(0) @binding(8) var<uniform> dims: Dims;
const U: u32 = ${u}u;
const R: u32 = ${R}u;
const WG: u32 = ${wg}u;
var<workgroup> dh: array<f32, ${2 * u}>;
var<workgroup> dc: array<f32, ${u}>;
var<workgroup> gate: array<f32, ${4 * u}>;
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let B = dims.B;
  let T = dims.T;
  for (var j = lid.x; j < U; j += WG) {
    dh[j] = dStateH[b * U + j];
    dc[j] = dStateC[b * U + j];
  }
  workgroupBarrier();
  var cur = 0u;
  for (var s = 0u; s < T; s++) {
    let t = T - 1u - s;
    let nxt = U - cur;
    let ro = (t * B + b) * R;
    let valid = reserve[ro + 7u * U] != 0.0;
    let xo = (b * T + t) * 4u * U;
    let go = (t * B + b) * 4u * U;
    for (var j = lid.x; j < U; j += WG) {
      var dai = 0.0;
      var daj = 0.0;
      var daf = 0.0;
      var dao = 0.0;
      var carryH = dh[cur + j];
      if (valid) {
        let g = dh[cur + j] + dOut[(b * T + t) * U + j];
        let cPrev = reserve[ro + U + j];
        let i = reserve[ro + 2u * U + j];
        let jt = reserve[ro + 3u * U + j];
        let f = reserve[ro + 4u * U + j];
        let o = reserve[ro + 5u * U + j];
        let tm = reserve[ro + 6u * U + j];
        dao = g * tm * o * (1.0 - o);
        let dcNew = dc[j] + g * o * (1.0 - tm * tm);
        dai = dcNew * jt * i * (1.0 - i);
        daj = dcNew * i * (1.0 - jt * jt);
        daf = dcNew * cPrev * f * (1.0 - f);
        dc[j] = dcNew * f;
        carryH = 0.0;
      }
      gate[j] = dai;
      gate[U + j] = daj;
      gate[2u * U + j] = daf;
      gate[3u * U + j] = dao;
      gates[go + j] = dai;
      gates[go + U + j] = daj;
      gates[go + 2u * U + j] = daf;
      gates[go + 3u * U + j] = dao;
      dX[xo + j] = dai;
      dX[xo + U + j] = daj;
      dX[xo + 2u * U + j] = daf;
      dX[xo + 3u * U + j] = dao;
      dh[nxt + j] = carryH;
    }
    workgroupBarrier();
    for (var j = lid.x; j < U; j += WG) {
      var acc = 0.0;
      let wo = dims.at + j * 4u * U;
      for (var m = 0u; m < 4u * U; m++) { acc += gate[m] * reserve[wo + m]; }
      dh[nxt + j] += acc;
    }
    workgroupBarrier();
    cur = nxt;
  }
  for (var j = lid.x; j < U; j += WG) {
    dH0[b * U + j] = dh[cur + j];
    dC0[b * U + j] = dc[j];
  }
}`;
}

const forward: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGpuBackend(anyBackend, LSTM_SEQUENCE);
  const { x, c0, h0, ui, uj, uf, uo, masks } = inputs as Record<string, tf.TensorInfo>;
  if (attrs?.layerNorm) throw new Error(`${LSTM_SEQUENCE}: layer normalization runs under GradkitLnLstmSequence`);
  const [B, T, w] = (x as tf.TensorInfo).shape as [number, number, number];
  const u = w / 4;
  const R = reserveRow(u);
  sequenceLimits(backend, LSTM_SEQUENCE, { B, T, u, reserveFloats: T * B * R + 4 * u * u, workgroupFloats: 3 * u });
  const { reserve, at } = packWeights(
    backend,
    LSTM_SEQUENCE,
    { u, rows: T * B, R },
    [ui, uj, uf, uo] as tf.TensorInfo[],
    null,
  );
  const wg = workgroupSize(u);
  const masked = masks != null;
  const [outputs, cLast, hLast] = runWgsl(
    backend,
    {
      key: `${LSTM_SEQUENCE}/u${u}/wg${wg}/${masked ? 'masked' : 'full'}`,
      code: forwardShader(u, wg, masked),
      workgroups: [B, 1, 1],
      uniforms: [
        { type: 'uint32', value: B },
        { type: 'uint32', value: T },
        { type: 'uint32', value: at },
        { type: 'float32', value: (attrs?.forgetBias as number | undefined) ?? 0 },
      ],
    },
    // the reserve is bound read-write (the shader writes its rows and reads the weights packed there)
    [reserve, x, c0, h0, ...(masked ? [masks] : [])] as tf.TensorInfo[],
    [{ shape: [B, T, u] }, { shape: [B, u] }, { shape: [B, u] }],
  ) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  return [outputs, cLast, hLast, reserve];
};

const backward: tf.KernelFunc = ({ inputs, backend: anyBackend }) => {
  const backend = asWebGpuBackend(anyBackend, LSTM_SEQUENCE_GRAD);
  const { dOut, dState0, dState1, reserve } = inputs as Record<string, tf.TensorInfo>;
  if (reserve == null) throw new Error(`${LSTM_SEQUENCE_GRAD}: no reserve from the forward kernel`);
  const [B, T, u] = (dOut as tf.TensorInfo).shape as [number, number, number];
  const wg = workgroupSize(u);
  const R = reserveRow(u);
  const [dX, dC0, dH0, gateRows] = runWgsl(
    backend,
    {
      key: `${LSTM_SEQUENCE_GRAD}/steps/u${u}/wg${wg}`,
      code: backwardStepsShader(u, wg),
      workgroups: [B, 1, 1],
      uniforms: [
        { type: 'uint32', value: B },
        { type: 'uint32', value: T },
        { type: 'uint32', value: T * B * R },
      ],
    },
    [dOut, dState0, dState1, reserve] as tf.TensorInfo[],
    [{ shape: [B, T, 4 * u] }, { shape: [B, u] }, { shape: [B, u] }, { shape: [T, B, 4 * u] }],
  ) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const grads = weightGradients(
    backend,
    LSTM_SEQUENCE_GRAD,
    { u, rows: T * B, R, gates: 4, biasGate: null },
    reserve,
    gateRows,
  );
  return [dX, dC0, dH0, ...grads];
};

/** Registers the (plain) LSTM whole-sequence kernels, forward and backward, for a webgpu backend. */
export function registerWebGpuLstmSequence(backendName: string): void {
  registerKernelsOnce(backendName, [
    [LSTM_SEQUENCE, forward],
    [LSTM_SEQUENCE_GRAD, backward],
  ]);
}

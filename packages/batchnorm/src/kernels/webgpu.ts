import type * as tf from '@tensorflow/tfjs-core';
import { asWebGpuBackend, registerKernelsOnce, runWgsl } from '@gradkit/core';
import { EMA_UPDATE } from '../populationStatistics';
import { BN_TRAIN, BN_TRAIN_GRAD, type TrainingAttrs } from '../trainingOp';

/**
 * Batch norm's training step on webgpu: the forward (moments, normalization, affine part, activation) as one WGSL
 * program, the backward as one, and the population statistics' EMA as one — where tfjs's kernels take about 15, 15
 * and 6. The forward and backward run one workgroup of 64 threads per channel: each thread sums a strided share of
 * the rows, the workgroup adds the partial sums in workgroup memory, then the threads write their rows. The formulas
 * are trainingOp.ts's (two passes for the variance, as the reference).
 */
const WG = 64;

/**
 * A workgroup-wide sum of each thread's `v` (all threads get it): the partial sums in workgroup memory, added by one
 * thread (64 adds; a tree of halving rounds with a barrier each gave wrong sums on Mesa's llvmpipe), then read by all.
 */
const REDUCE = `
var<workgroup> red: array<f32, ${WG}>;
var<workgroup> total: f32;
fn workgroupSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  if (lid == 0u) {
    var s = 0.0;
    for (var i = 0u; i < ${WG}u; i++) { s += red[i]; }
    total = s;
  }
  workgroupBarrier();
  let result = total;
  workgroupBarrier();
  return result;
}`;

function forwardShader(hasGamma: boolean, hasBeta: boolean, relu: boolean): string {
  let b = 3;
  const gammaBinding = hasGamma ? `@group(0) @binding(${++b}) var<storage, read> gamma: array<f32>;` : '';
  const betaBinding = hasBeta ? `@group(0) @binding(${++b}) var<storage, read> beta: array<f32>;` : '';
  return `
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> moments: array<f32>;
@group(0) @binding(2) var<storage, read_write> count: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
${gammaBinding}
${betaBinding}
struct Dims { R: u32, C: u32, epsilon: f32, }
@group(0) @binding(${b + 1}) var<uniform> dims: Dims;
${REDUCE}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid3: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = lid3.x;
  let c = wid.x;
  let R = dims.R;
  let C = dims.C;
  let n = f32(R);
  var s = 0.0;
  for (var r = lid; r < R; r += ${WG}u) { s += x[r * C + c]; }
  let mean = workgroupSum(s, lid) / n;
  var q = 0.0;
  for (var r = lid; r < R; r += ${WG}u) {
    let d = x[r * C + c] - mean;
    q += d * d;
  }
  let variance = workgroupSum(q, lid) / n;
  let inv = 1.0 / sqrt(variance + dims.epsilon);
  for (var r = lid; r < R; r += ${WG}u) {
    var v = (x[r * C + c] - mean) * inv;
    ${hasGamma ? 'v = v * gamma[c];' : ''}
    ${hasBeta ? 'v = v + beta[c];' : ''}
    ${relu ? 'v = max(v, 0.0);' : ''}
    y[r * C + c] = v;
  }
  if (lid == 0u) {
    moments[c] = mean;
    moments[C + c] = variance;
    if (c == 0u) { count[0] = n; }
  }
}`;
}

function backwardShader(hasGamma: boolean, relu: boolean): string {
  let b = 5;
  const gammaBinding = hasGamma ? `@group(0) @binding(${++b}) var<storage, read> gamma: array<f32>;` : '';
  const yBinding = relu ? `@group(0) @binding(${++b}) var<storage, read> y: array<f32>;` : '';
  const d = relu ? 'select(0.0, dy[k], y[k] > 0.0)' : 'dy[k]';
  return `
@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(2) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> moments: array<f32>;
${gammaBinding}
${yBinding}
struct Dims { R: u32, C: u32, epsilon: f32, }
@group(0) @binding(${b + 1}) var<uniform> dims: Dims;
${REDUCE}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid3: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = lid3.x;
  let c = wid.x;
  let R = dims.R;
  let C = dims.C;
  let n = f32(R);
  let mean = moments[c];
  let inv = 1.0 / sqrt(moments[C + c] + dims.epsilon);
  let g = ${hasGamma ? 'gamma[c]' : '1.0'};
  var sd = 0.0;
  var sdx = 0.0;
  for (var r = lid; r < R; r += ${WG}u) {
    let k = r * C + c;
    let d = ${d};
    sd += d;
    sdx += d * (x[k] - mean) * inv;
  }
  let sumD = workgroupSum(sd, lid);
  let sumDX = workgroupSum(sdx, lid);
  let sumG = g * sumD / n;
  let sumGX = g * sumDX / n;
  for (var r = lid; r < R; r += ${WG}u) {
    let k = r * C + c;
    let xhat = (x[k] - mean) * inv;
    dx[k] = (g * ${d} - sumG - xhat * sumGX) * inv;
  }
  if (lid == 0u) {
    dgamma[c] = sumDX;
    dbeta[c] = sumD;
  }
}`;
}

const EMA_SHADER = `
@group(0) @binding(0) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(1) var<storage, read_write> varianceOut: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> moments: array<f32>;
struct Dims { C: u32, decay: f32, rest: f32, }
@group(0) @binding(5) var<uniform> dims: Dims;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= dims.C) { return; }
  meanOut[c] = mean[c] * dims.decay + moments[c] * dims.rest;
  varianceOut[c] = variance[c] * dims.decay + moments[dims.C + c] * dims.rest;
}`;

const forward: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGpuBackend(anyBackend, BN_TRAIN);
  const a = attrs as unknown as TrainingAttrs;
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const [R, C] = (x as tf.TensorInfo).shape as [number, number];
  const relu = a.activation === 'relu';
  return runWgsl(
    backend,
    {
      key: `${BN_TRAIN}/${a.hasGamma}/${a.hasBeta}/${relu}`,
      code: forwardShader(a.hasGamma, a.hasBeta, relu),
      workgroups: [C, 1, 1],
      uniforms: [
        { type: 'uint32', value: R },
        { type: 'uint32', value: C },
        { type: 'float32', value: a.epsilon },
      ],
    },
    [x, ...(a.hasGamma ? [gamma] : []), ...(a.hasBeta ? [beta] : [])] as tf.TensorInfo[],
    [{ shape: [R, C] }, { shape: [2, C] }, { shape: [] }],
  );
};

const backward: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGpuBackend(anyBackend, BN_TRAIN_GRAD);
  const a = attrs as unknown as TrainingAttrs;
  const { dy, x, moments, gamma, y } = inputs as Record<string, tf.TensorInfo>;
  const [R, C] = (x as tf.TensorInfo).shape as [number, number];
  const relu = a.activation === 'relu';
  return runWgsl(
    backend,
    {
      key: `${BN_TRAIN_GRAD}/${a.hasGamma}/${relu}`,
      code: backwardShader(a.hasGamma, relu),
      workgroups: [C, 1, 1],
      uniforms: [
        { type: 'uint32', value: R },
        { type: 'uint32', value: C },
        { type: 'float32', value: a.epsilon },
      ],
    },
    [dy, x, moments, ...(a.hasGamma ? [gamma] : []), ...(relu ? [y] : [])] as tf.TensorInfo[],
    [{ shape: [R, C] }, { shape: [C] }, { shape: [C] }],
  );
};

const ema: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGpuBackend(anyBackend, EMA_UPDATE);
  const { mean, variance, moments } = inputs as Record<string, tf.TensorInfo>;
  const C = (mean as tf.TensorInfo).shape[0] as number;
  const decay = (attrs as { decay: number }).decay;
  return runWgsl(
    backend,
    {
      key: EMA_UPDATE,
      code: EMA_SHADER,
      workgroups: [Math.ceil(C / 64), 1, 1],
      uniforms: [
        { type: 'uint32', value: C },
        { type: 'float32', value: decay },
        { type: 'float32', value: 1 - decay },
      ],
    },
    [mean, variance, moments] as tf.TensorInfo[],
    [{ shape: [C] }, { shape: [C] }],
  );
};

/** Registers batch norm's training forward, backward and EMA kernels for a webgpu backend. */
export function registerWebGpuBatchNorm(backendName: string): void {
  registerKernelsOnce(backendName, [
    [BN_TRAIN, forward],
    [BN_TRAIN_GRAD, backward],
    [EMA_UPDATE, ema],
  ]);
}

import type * as tf from '@tensorflow/tfjs-core';
import { DENSE_GRAD, type DenseGradAttrs } from '../dense';
import { compositeKernel } from './compositeKernel';
import { registerKernelsOnce } from './registerOnce';
import { isWebGpuBackendLike, runWgsl, workgroupsFor } from './wgslProgram';

/**
 * dense's backward on webgpu as one WGSL program: each thread computes one entry of ∂L/∂W (Σ over the batch), of
 * ∂L/∂x (Σ over the outputs) or of ∂L/∂b (Σ over the batch), recomputing g = dy ⊙ act′(y) where it reads it — one
 * dispatch instead of five (the activation's derivative, its product with dy, two products and a sum). Its loops are
 * plain, not tiled: above `FUSED_LIMIT` multiply-adds per product (2²⁰: the MLP's 100 × 100 × 100 layers are below,
 * its 100 × 784 × 100 first layer above) the kernel runs tfjs's own tiled products instead (five programs, as the
 * reference). On Mesa's software WebGPU the one-program backward of the first layer took 2.3× the five programs'
 * time (mnist-bench speed: MLP step 84 ms against 36 ms); on a hardware GPU, where each dispatch costs more than
 * such a loop, the limit may rise — not measured yet.
 */
const FUSED_LIMIT = 1 << 20;
const WORKGROUP = 64;

function shader(activation: DenseGradAttrs['activation'], bias: boolean): string {
  const derivative =
    activation === 'relu' ? 'select(0.0, d, y[k] > 0.0)' : activation === 'sigmoid' ? 'd * y[k] * (1.0 - y[k])' : 'd';
  const yBinding =
    activation === 'linear' ? '' : `@group(0) @binding(${bias ? 6 : 5}) var<storage, read> y: array<f32>;`;
  const u = bias ? (activation === 'linear' ? 6 : 7) : activation === 'linear' ? 5 : 6;
  return `
@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
${bias ? '@group(0) @binding(2) var<storage, read_write> db: array<f32>;' : ''}
@group(0) @binding(${bias ? 3 : 2}) var<storage, read> dy: array<f32>;
@group(0) @binding(${bias ? 4 : 3}) var<storage, read> x: array<f32>;
@group(0) @binding(${bias ? 5 : 4}) var<storage, read> w: array<f32>;
${yBinding}
struct Dims { N: u32, I: u32, O: u32, }
@group(0) @binding(${u}) var<uniform> dims: Dims;
fn g(n: u32, o: u32) -> f32 {
  let k = n * dims.O + o;
  let d = dy[k];
  return ${derivative};
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = gid.x + gid.y * groups.x * ${WORKGROUP}u;
  let N = dims.N;
  let I = dims.I;
  let O = dims.O;
  if (t < I * O) {
    let i = t / O;
    let o = t % O;
    var s = 0.0;
    for (var n = 0u; n < N; n++) { s += x[n * I + i] * g(n, o); }
    dw[t] = s;
  } else if (t < I * O + N * I) {
    let e = t - I * O;
    let n = e / I;
    let i = e % I;
    var s = 0.0;
    for (var o = 0u; o < O; o++) { s += g(n, o) * w[i * O + o]; }
    dx[e] = s;
  }${
    bias
      ? ` else if (t < I * O + N * I + O) {
    let o = t - I * O - N * I;
    var s = 0.0;
    for (var n = 0u; n < N; n++) { s += g(n, o); }
    db[o] = s;
  }`
      : ''
  }
}`;
}

/** The composite for large layers: tfjs's own kernels for the derivative, the products and the sum. */
const compositeFor = (backendName: string) =>
  compositeKernel(backendName, (call, { dy, x, w, y }, attrs) => {
    const { activation, bias } = attrs as DenseGradAttrs;
    const dyi = dy as tf.TensorInfo;
    const g =
      activation === 'relu'
        ? call('Multiply', { a: dyi, b: call('Step', { x: y as tf.TensorInfo }, { alpha: 0 }) })
        : activation === 'sigmoid'
          ? call('Multiply', {
              a: dyi,
              b: call('Multiply', {
                a: y as tf.TensorInfo,
                b: call('Sub', { a: call('OnesLike', { x: y as tf.TensorInfo }), b: y as tf.TensorInfo }),
              }),
            })
          : dyi;
    const out = [
      call('BatchMatMul', { a: g, b: w as tf.TensorInfo }, { transposeA: false, transposeB: true }),
      call('BatchMatMul', { a: x as tf.TensorInfo, b: g }, { transposeA: true, transposeB: false }),
    ];
    if (bias) out.push(call('Sum', { x: g }, { axis: [0], keepDims: false }));
    return out;
  });

const kernelFor = (backendName: string): tf.KernelFunc => {
  const composite = compositeFor(backendName);
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { activation, bias } = attrs as unknown as DenseGradAttrs;
    const { dy, x, w, y } = inputs as Record<string, tf.TensorInfo>;
    const [N, I] = (x as tf.TensorInfo).shape as [number, number];
    const O = (w as tf.TensorInfo).shape[1] as number;
    if (!isWebGpuBackendLike(backend) || N * I * O > FUSED_LIMIT) return composite(args);
    const threads = I * O + N * I + (bias ? O : 0);
    return runWgsl(
      backend,
      {
        key: `${DENSE_GRAD}/${activation}/${bias ? 'bias' : 'nobias'}`,
        code: shader(activation, bias),
        workgroups: workgroupsFor(backend.device, threads, WORKGROUP),
        uniforms: [
          { type: 'uint32', value: N },
          { type: 'uint32', value: I },
          { type: 'uint32', value: O },
        ],
      },
      [dy, x, w, ...(activation === 'linear' ? [] : [y])] as tf.TensorInfo[],
      [{ shape: [N, I] }, { shape: [I, O] }, ...(bias ? [{ shape: [O] }] : [])],
    );
  };
};

/** Registers dense's one-program backward for a webgpu backend. */
export function registerWebGpuDenseGrad(backendName: string): void {
  registerKernelsOnce(backendName, [[DENSE_GRAD, kernelFor(backendName)]]);
}

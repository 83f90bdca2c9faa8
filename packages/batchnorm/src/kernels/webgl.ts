import * as tf from '@tensorflow/tfjs-core';
import { asWebGlBackend, registerKernelsOnce, type WebGlBackendLike } from '@gradkit/core';
import { EMA_UPDATE } from '../populationStatistics';
import { BN_TRAIN, BN_TRAIN_GRAD, type TrainingAttrs } from '../trainingOp';

/**
 * Batch norm's training step on webgl, where a fragment program writes one output: the forward as two draws (the
 * moments [2, C], each entry summing its channel's rows; then y = act(γ·x̂ + β)), the backward as two (the sums
 * Σd and Σd·x̂ [2, C]; then ∂x — ∂β and ∂γ are the sums' rows, taken without a copy), the EMA as two (mean′,
 * variance′): six draws per layer and step where tfjs's kernels take about 36. The formulas are trainingOp.ts's.
 */

/** Rows `r`'s sum of an expression over the column `c` (the row count is part of the program). */
const sumOver = (R: number, expr: string, into: string) => `float ${into} = 0.0;
    for (int r = 0; r < ${R}; r++) { ${into} += ${expr}; }`;

/** A [C] row of a [2, C] tensor, without a copy (tfjs's Slice and Reshape of a contiguous row are views on webgl). */
function row(backend: WebGlBackendLike, t: tf.TensorInfo, k: number, C: number): tf.TensorInfo {
  const slice = tf.getKernel('Slice', tf.getBackend()) as tf.KernelConfig;
  const reshape = tf.getKernel('Reshape', tf.getBackend()) as tf.KernelConfig;
  const part = slice.kernelFunc({
    inputs: { x: t },
    backend: backend as never,
    attrs: { begin: [k, 0], size: [1, C] },
  }) as tf.TensorInfo;
  const flat = reshape.kernelFunc({
    inputs: { x: part },
    backend: backend as never,
    attrs: { shape: [C] },
  }) as tf.TensorInfo;
  backend.disposeData(part.dataId);
  return flat;
}

const forward: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGlBackend(anyBackend, BN_TRAIN);
  const a = attrs as unknown as TrainingAttrs;
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const [R, C] = (x as tf.TensorInfo).shape as [number, number];
  const moments = backend.runWebGLProgram(
    {
      variableNames: ['X'],
      outputShape: [2, C],
      userCode: `void main() {
    ivec2 rc = getOutputCoords();
    int c = rc.y;
    ${sumOver(R, 'getX(r, c)', 's')}
    float mean = s / ${R}.0;
    if (rc.x == 0) { setOutput(mean); return; }
    ${sumOver(R, '(getX(r, c) - mean) * (getX(r, c) - mean)', 'q')}
    setOutput(q / ${R}.0);
  }`,
    },
    [x as tf.TensorInfo],
    'float32',
  );
  const names = ['X', 'M', ...(a.hasGamma ? ['G'] : []), ...(a.hasBeta ? ['B'] : [])];
  const y = backend.runWebGLProgram(
    {
      variableNames: names,
      outputShape: [R, C],
      customUniforms: [{ name: 'epsilon', type: 'float' }],
      userCode: `void main() {
    ivec2 rc = getOutputCoords();
    float v = (getX(rc.x, rc.y) - getM(0, rc.y)) * inversesqrt(getM(1, rc.y) + epsilon);
    ${a.hasGamma ? 'v *= getG(rc.y);' : ''}
    ${a.hasBeta ? 'v += getB(rc.y);' : ''}
    ${a.activation === 'relu' ? 'v = max(v, 0.0);' : ''}
    setOutput(v);
  }`,
    },
    [x, moments, ...(a.hasGamma ? [gamma] : []), ...(a.hasBeta ? [beta] : [])] as tf.TensorInfo[],
    'float32',
    [[a.epsilon]],
  );
  return [y, moments, backend.makeTensorInfo([], 'float32', Float32Array.of(R))];
};

const backward: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGlBackend(anyBackend, BN_TRAIN_GRAD);
  const a = attrs as unknown as TrainingAttrs;
  const { dy, x, moments, gamma, y } = inputs as Record<string, tf.TensorInfo>;
  const [R, C] = (x as tf.TensorInfo).shape as [number, number];
  const relu = a.activation === 'relu';
  const d = (r: string, c: string) => (relu ? `(getY(${r}, ${c}) > 0.0 ? getD(${r}, ${c}) : 0.0)` : `getD(${r}, ${c})`);
  const xhat = (r: string, c: string) => `((getX(${r}, ${c}) - getM(0, ${c})) * inversesqrt(getM(1, ${c}) + epsilon))`;
  const base = ['D', 'X', 'M', ...(relu ? ['Y'] : [])];
  const baseInputs = [dy, x, moments, ...(relu ? [y] : [])] as tf.TensorInfo[];
  const sums = backend.runWebGLProgram(
    {
      variableNames: base,
      outputShape: [2, C],
      customUniforms: [{ name: 'epsilon', type: 'float' }],
      userCode: `void main() {
    ivec2 rc = getOutputCoords();
    int c = rc.y;
    if (rc.x == 0) {
      ${sumOver(R, d('r', 'c'), 's')}
      setOutput(s);
      return;
    }
    ${sumOver(R, `${d('r', 'c')} * ${xhat('r', 'c')}`, 's')}
    setOutput(s);
  }`,
    },
    baseInputs,
    'float32',
    [[a.epsilon]],
  );
  const dx = backend.runWebGLProgram(
    {
      variableNames: [...base, 'S', ...(a.hasGamma ? ['G'] : [])],
      outputShape: [R, C],
      customUniforms: [{ name: 'epsilon', type: 'float' }],
      userCode: `void main() {
    ivec2 rc = getOutputCoords();
    float g = ${a.hasGamma ? 'getG(rc.y)' : '1.0'};
    float inv = inversesqrt(getM(1, rc.y) + epsilon);
    float sumG = g * getS(0, rc.y) / ${R}.0;
    float sumGX = g * getS(1, rc.y) / ${R}.0;
    setOutput((g * ${d('rc.x', 'rc.y')} - sumG - ${xhat('rc.x', 'rc.y')} * sumGX) * inv);
  }`,
    },
    [...baseInputs, sums, ...(a.hasGamma ? [gamma] : [])] as tf.TensorInfo[],
    'float32',
    [[a.epsilon]],
  );
  const dgamma = row(backend, sums, 1, C);
  const dbeta = row(backend, sums, 0, C);
  backend.disposeData(sums.dataId);
  return [dx, dgamma, dbeta];
};

const ema: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWebGlBackend(anyBackend, EMA_UPDATE);
  const { mean, variance, moments } = inputs as Record<string, tf.TensorInfo>;
  const C = (mean as tf.TensorInfo).shape[0] as number;
  const decay = (attrs as { decay: number }).decay;
  const one = (k: number) =>
    backend.runWebGLProgram(
      {
        variableNames: ['P', 'M'],
        outputShape: [C],
        customUniforms: [
          { name: 'decay', type: 'float' },
          { name: 'rest', type: 'float' },
        ],
        userCode: `void main() { int c = getOutputCoords(); setOutput(getP(c) * decay + getM(${k}, c) * rest); }`,
      },
      [k === 0 ? mean : variance, moments] as tf.TensorInfo[],
      'float32',
      [[decay], [1 - decay]],
    );
  return [one(0), one(1)];
};

/** Registers batch norm's training forward, backward and EMA kernels for a webgl backend. */
export function registerWebGlBatchNorm(backendName: string): void {
  registerKernelsOnce(backendName, [
    [BN_TRAIN, forward],
    [BN_TRAIN_GRAD, backward],
    [EMA_UPDATE, ema],
  ]);
}

import * as tf from '@tensorflow/tfjs-core';

// What the webgl sequence kernels (gruSequence.ts, lstmSequence.ts) share: running tfjs's webgl kernels and GLSL
// programs for one call with everything intermediate released, and the GLSL activations.

export interface WebGlProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  customUniforms?: { name: string; type: 'int' | 'float' }[];
}
export interface WebGlBackendLike {
  runWebGLProgram(
    program: WebGlProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: number[][],
  ): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}
export type Info = tf.TensorInfo;

/** The backend's kernels and programs for one call; everything made and not kept is released by `release`. */
export class Calls {
  private readonly made: Info[] = [];
  constructor(
    private readonly backend: WebGlBackendLike,
    private readonly backendName: string,
  ) {}
  kernel(name: string, inputs: Record<string, Info>, attrs: tf.NamedAttrMap = {}): Info {
    const config = tf.getKernel(name, this.backendName);
    if (config == null) throw new Error(`webgl sequence kernel: backend "${this.backendName}" has no kernel "${name}"`);
    const out = config.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.backend as never,
      attrs,
    }) as Info;
    this.made.push(out);
    return out;
  }
  /** Several inputs joined along `axis` (tfjs's Concat: a few draws for many inputs). */
  concat(parts: Info[], axis: number): Info {
    const config = tf.getKernel('Concat', this.backendName) as tf.KernelConfig;
    const out = config.kernelFunc({
      inputs: parts as unknown as tf.NamedTensorInfoMap,
      backend: this.backend as never,
      attrs: { axis },
    }) as Info;
    this.made.push(out);
    return out;
  }
  reshape(x: Info, shape: number[]): Info {
    return this.kernel('Reshape', { x }, { shape });
  }
  program(p: WebGlProgram, inputs: Info[], uniforms?: number[][]): Info {
    const out = this.backend.runWebGLProgram(p, inputs, 'float32', uniforms);
    this.made.push(out);
    return out;
  }
  /** The same values in an unpacked texture (one draw), so that the per-step programs read it as it is. */
  unpacked(x: Info): Info {
    return this.program(
      { variableNames: ['A'], outputShape: x.shape, userCode: 'void main() { setOutput(getAAtOutCoords()); }' },
      [x],
    );
  }
  /** Releases what was made, except `keep`. */
  release(keep: Info[]): void {
    const kept = new Set(keep);
    for (const t of this.made) if (!kept.has(t)) this.backend.disposeData(t.dataId);
  }
}

export const GLSL_HELPERS = `
float sigm(float a) { return 1.0 / (1.0 + exp(-a)); }
float tanhStable(float a) { float e = exp(-2.0 * abs(a)); return sign(a) * (1.0 - e) / (1.0 + e); }`;

/** Registers a forward and backward kernel pair for a backend (once). */
export function registerPair(backendName: string, pair: [string, tf.KernelFunc][]): void {
  for (const [kernelName, kernelFunc] of pair) {
    if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
}

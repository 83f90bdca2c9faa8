import * as tf from '@tensorflow/tfjs-core';
import type { WebGlBackendLike, WebGlProgram } from '@gradkit/core';

// What the webgl sequence kernels (gruSequence.ts, lstmSequence.ts) share: running tfjs's webgl kernels and GLSL
// programs for one call with everything intermediate released, and the GLSL activations.

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
  /** A tensor as a flat [size] view. */
  flat(t: Info): Info {
    return this.reshape(t, [tf.util.sizeFromShape(t.shape)]);
  }
  /**
   * The sequence's outputs [B, T, u] from the states after each step (`hsAll` [T + 1, B, u], the first entry the
   * initial state): zero past an example's length. One draw.
   */
  outputsFromStates(hsAll: Info, masks: Info | undefined, B: number, T: number, u: number): Info {
    return this.program(
      {
        variableNames: ['HS', ...(masks ? ['M'] : [])],
        outputShape: [B, T, u],
        userCode: `void main() {
    ivec3 c = getOutputCoords();
    float h = getHS(c.y + 1, c.x, c.z);
    ${masks ? 'setOutput(getM(c.x, c.y, 0) > 0.5 ? h : 0.0);' : 'setOutput(h);'}
  }`,
      },
      [hsAll, ...(masks ? [masks] : [])],
    );
  }
  /** The valid flags as floats [B, T] (all 1 where no masks were given), for the reserve. One draw. */
  validFlags(masks: Info | undefined, B: number, T: number): Info {
    return masks
      ? this.program(
          {
            variableNames: ['M'],
            outputShape: [B, T],
            userCode: 'void main() { ivec2 c = getOutputCoords(); setOutput(getM(c.x, c.y, 0) > 0.5 ? 1.0 : 0.0); }',
          },
          [masks],
        )
      : this.kernel('Fill', {}, { shape: [B, T], value: 1, dtype: 'float32' });
  }
  /** The reserve's consecutive parts, each of the given shape, unpacked. */
  split(reserve: Info, shapes: number[][]): Info[] {
    let at = 0;
    return shapes.map((shape) => {
      const n = tf.util.sizeFromShape(shape);
      const part = this.unpacked(this.reshape(this.kernel('Slice', { x: reserve }, { begin: [at], size: [n] }), shape));
      at += n;
      return part;
    });
  }
  /**
   * The recurrent weights' gradients from the gate rows of every step ([1, B, gates·u] each, in time order) and the
   * states entering them (`hs` [T + 1, B, u]): one product over all steps, then a [u, u] slice per gate. Also returns
   * the gate rows joined as [T·B, gates·u].
   */
  weightGradients(
    gateRows: Info[],
    hs: Info,
    T: number,
    B: number,
    u: number,
    gates: number,
  ): { dU: Info[]; rows: Info } {
    const rows = this.reshape(this.concat(gateRows, 0), [T * B, gates * u]);
    const hPrev = this.reshape(
      this.kernel('Slice', { x: this.reshape(hs, [(T + 1) * B * u]) }, { begin: [0], size: [T * B * u] }),
      [1, T * B, u],
    );
    const dU = this.reshape(
      this.kernel(
        'BatchMatMul',
        { a: hPrev, b: this.reshape(rows, [1, T * B, gates * u]) },
        { transposeA: true, transposeB: false },
      ),
      [u, gates * u],
    );
    return {
      dU: Array.from({ length: gates }, (_, g) => this.kernel('Slice', { x: dU }, { begin: [0, g * u], size: [u, u] })),
      rows,
    };
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

import type * as tf from '@tensorflow/tfjs-core';
import {
  ADAGRAD_UPDATE,
  ADAM_UPDATE,
  MOMENTUM_UPDATE,
  SGD_UPDATE,
  UPDATE_RULES,
  type UpdateAttrs,
  type UpdateRule,
} from '../optimizerUpdates';
import { registerKernelsOnce } from './registerOnce';
import { asWebGlBackend } from './webglProgram';

/**
 * Each output of a rule as one fragment program (a fragment shader has one output): the inputs it reads (`V` the
 * value, `G` the gradient, `S0`, `S1` the slots) and the GLSL computing it from `k[…]`, the constants of
 * {@link UpdateRule}'s doc comment, in its order. An output that needs a new slot recomputes it (Adam's value′
 * recomputes m′ and v′) rather than reading it back: one draw per output, no intermediate texture.
 */
const programs: Record<string, { constants: number; outputs: { reads: string[]; glsl: string }[] }> = {
  [SGD_UPDATE.kernelName]: {
    constants: 1,
    outputs: [{ reads: ['V', 'G'], glsl: 'setOutput(k[0] * getGAtOutCoords() + getVAtOutCoords());' }],
  },
  [MOMENTUM_UPDATE.kernelName]: {
    constants: 3,
    outputs: [
      {
        reads: ['V', 'G', 'S0'],
        glsl: `float g = getGAtOutCoords();
          float a = k[1] * getS0AtOutCoords() + g;
          float step = k[2] != 0.0 ? g + a * k[1] : a;
          setOutput(k[0] * step + getVAtOutCoords());`,
      },
      { reads: ['G', 'S0'], glsl: 'setOutput(k[1] * getS0AtOutCoords() + getGAtOutCoords());' },
    ],
  },
  [ADAGRAD_UPDATE.kernelName]: {
    constants: 2,
    outputs: [
      {
        reads: ['V', 'G', 'S0'],
        glsl: `float g = getGAtOutCoords();
          float a = getS0AtOutCoords() + g * g;
          setOutput((g / sqrt(a + k[1])) * k[0] + getVAtOutCoords());`,
      },
      { reads: ['G', 'S0'], glsl: 'float g = getGAtOutCoords(); setOutput(getS0AtOutCoords() + g * g);' },
    ],
  },
  [ADAM_UPDATE.kernelName]: {
    constants: 8,
    outputs: [
      {
        reads: ['V', 'G', 'S0', 'S1'],
        glsl: `float g = getGAtOutCoords();
          float m1 = getS0AtOutCoords() * k[0] + g * k[1];
          float v1 = getS1AtOutCoords() * k[2] + (g * g) * k[3];
          setOutput(((m1 / k[4]) / (sqrt(v1 / k[5]) + k[6])) * k[7] + getVAtOutCoords());`,
      },
      { reads: ['G', 'S0'], glsl: 'setOutput(getS0AtOutCoords() * k[0] + getGAtOutCoords() * k[1]);' },
      {
        reads: ['G', 'S1'],
        glsl: 'float g = getGAtOutCoords(); setOutput(getS1AtOutCoords() * k[2] + (g * g) * k[3]);',
      },
    ],
  },
};

function webGlKernel(rule: UpdateRule): tf.KernelFunc {
  const spec = programs[rule.kernelName] as (typeof programs)[string];
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWebGlBackend(anyBackend, rule.kernelName);
    const named = inputs as tf.NamedTensorInfoMap;
    const byName: Record<string, tf.TensorInfo> = {
      V: named.value as tf.TensorInfo,
      G: named.gradient as tf.TensorInfo,
    };
    rule.slots.forEach((s, j) => (byName[`S${j}`] = named[s] as tf.TensorInfo));
    const shape = byName.V!.shape;
    const k = (attrs as unknown as UpdateAttrs).k;
    return spec.outputs.map(({ reads, glsl }) =>
      backend.runWebGLProgram(
        {
          variableNames: reads,
          outputShape: shape,
          customUniforms: [{ name: 'k', arrayIndex: spec.constants, type: 'float' }],
          userCode: `void main() { ${glsl} }`,
        },
        reads.map((r) => byName[r] as tf.TensorInfo),
        'float32',
        [k],
      ),
    );
  };
}

/** The optimizer updates on a webgl backend: one draw per output (Adam 3, momentum and Adagrad 2, SGD 1). */
export function registerWebGlOptimizerUpdates(backendName: string): void {
  registerKernelsOnce(
    backendName,
    UPDATE_RULES.map((rule) => [rule.kernelName, webGlKernel(rule)]),
  );
}

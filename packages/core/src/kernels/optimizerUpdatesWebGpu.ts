import * as tf from '@tensorflow/tfjs-core';
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
import { asWebGpuBackend, runWgsl, workgroupsFor } from './wgslProgram';

const WORKGROUP = 64;

/**
 * Each rule's body in WGSL, per element `i`: reads `value[i]`, `g[i]` and the slots (by their names), the constants
 * `u.k0…`, and writes `out0[i]` (value′) and `out1[i]`, `out2[i]` (the slots′) — the expressions of
 * {@link UpdateRule}'s doc comment, in its order.
 */
const bodies: Record<string, { constants: number; body: string }> = {
  [SGD_UPDATE.kernelName]: { constants: 1, body: 'out0[i] = u.k0 * g[i] + value[i];' },
  [MOMENTUM_UPDATE.kernelName]: {
    constants: 3,
    body: `
      let a = u.k1 * accumulation[i] + g[i];
      out1[i] = a;
      var step = a;
      if (u.k2 != 0.0) { step = g[i] + a * u.k1; }
      out0[i] = u.k0 * step + value[i];`,
  },
  [ADAGRAD_UPDATE.kernelName]: {
    constants: 2,
    body: `
      let gi = g[i];
      let a = accumulator[i] + gi * gi;
      out1[i] = a;
      out0[i] = (gi / sqrt(a + u.k1)) * u.k0 + value[i];`,
  },
  [ADAM_UPDATE.kernelName]: {
    constants: 8,
    body: `
      let gi = g[i];
      let m1 = m[i] * u.k0 + gi * u.k1;
      let v1 = v[i] * u.k2 + (gi * gi) * u.k3;
      out1[i] = m1;
      out2[i] = v1;
      out0[i] = ((m1 / u.k4) / (sqrt(v1 / u.k5) + u.k6)) * u.k7 + value[i];`,
  },
};

function shaderFor(rule: UpdateRule): string {
  const { constants, body } = bodies[rule.kernelName] as { constants: number; body: string };
  const outputs = 1 + rule.slots.length;
  const inputs = ['value', 'g', ...rule.slots];
  const lines: string[] = [];
  for (let o = 0; o < outputs; o++)
    lines.push(`@group(0) @binding(${o}) var<storage, read_write> out${o}: array<f32>;`);
  inputs.forEach((name, j) => lines.push(`@group(0) @binding(${outputs + j}) var<storage, read> ${name}: array<f32>;`));
  const fields = Array.from({ length: constants }, (_, c) => `k${c}: f32,`).join(' ');
  lines.push(`struct Uniforms { ${fields} size: u32, }`);
  lines.push(`@group(0) @binding(${outputs + inputs.length}) var<uniform> u: Uniforms;`);
  lines.push(`@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${WORKGROUP}u;
  if (i >= u.size) { return; }
  ${body}
}`);
  return lines.join('\n');
}

function webGpuKernel(rule: UpdateRule): tf.KernelFunc {
  const code = shaderFor(rule);
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWebGpuBackend(anyBackend, rule.kernelName);
    const named = inputs as tf.NamedTensorInfoMap;
    const value = named.value as tf.TensorInfo;
    const order = [value, named.gradient, ...rule.slots.map((s) => named[s])] as tf.TensorInfo[];
    const size = tf.util.sizeFromShape(value.shape);
    const k = (attrs as unknown as UpdateAttrs).k;
    if (size === 0) return [value, ...rule.slots].map(() => backend.makeTensorInfo(value.shape, 'float32'));
    return runWgsl(
      backend,
      {
        key: rule.kernelName,
        code,
        workgroups: workgroupsFor(backend.device, size, WORKGROUP),
        uniforms: [...k.map((x) => ({ type: 'float32' as const, value: x })), { type: 'uint32' as const, value: size }],
      },
      order,
      [value, ...rule.slots].map(() => ({ shape: value.shape })),
    );
  };
}

/** The optimizer updates as one WGSL program each (every output written by one dispatch) on a webgpu backend. */
export function registerWebGpuOptimizerUpdates(backendName: string): void {
  registerKernelsOnce(
    backendName,
    UPDATE_RULES.map((rule) => [rule.kernelName, webGpuKernel(rule)]),
  );
}

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
import { hostArrays } from './hostArrays';
import { registerKernelsOnce } from './registerOnce';

const f = Math.fround;

/**
 * One pass over the elements computing every output of a rule: `inputs` are [value, gradient, ...slots], `outputs`
 * [value′, ...slots′]. Each operation is rounded to float32 as it happens (Math.fround), so the result is the one
 * tfjs's optimizer computes with one float32 kernel per operation — bit for bit on tfjs's cpu backend.
 */
type Loop = (inputs: Float32Array[], outputs: Float32Array[], k: number[]) => void;

const loops: Record<string, Loop> = {
  [SGD_UPDATE.kernelName]: ([value, g], [out], [c]) => {
    const n = out!.length;
    for (let i = 0; i < n; i++) out![i] = f(c! * g![i]!) + value![i]!;
  },
  [MOMENTUM_UPDATE.kernelName]: ([value, g, acc], [out, accOut], [c, mu, nesterov]) => {
    const n = out!.length;
    for (let i = 0; i < n; i++) {
      const a = f(f(mu! * acc![i]!) + g![i]!);
      accOut![i] = a;
      const step = nesterov ? f(g![i]! + f(a * mu!)) : a;
      out![i] = f(c! * step) + value![i]!;
    }
  },
  [ADAGRAD_UPDATE.kernelName]: ([value, g, acc], [out, accOut], [c, eps]) => {
    const n = out!.length;
    for (let i = 0; i < n; i++) {
      const gi = g![i]!;
      const a = f(acc![i]! + f(gi * gi));
      accOut![i] = a;
      out![i] = f(f(gi / f(Math.sqrt(f(a + eps!)))) * c!) + value![i]!;
    }
  },
  [ADAM_UPDATE.kernelName]: ([value, g, m, v], [out, mOut, vOut], k) => {
    const [b1, ob1, b2, ob2, omab1, omab2, eps, c] = k as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const n = out!.length;
    for (let i = 0; i < n; i++) {
      const gi = g![i]!;
      const m1 = f(f(m![i]! * b1) + f(gi * ob1));
      const v1 = f(f(v![i]! * b2) + f(f(gi * gi) * ob2));
      mOut![i] = m1;
      vOut![i] = v1;
      const denom = f(f(Math.sqrt(f(v1 / omab2))) + eps);
      out![i] = f(f(f(m1 / omab1) / denom) * c) + value![i]!;
    }
  },
};

function hostKernel(rule: UpdateRule): tf.KernelFunc {
  const loop = loops[rule.kernelName] as Loop;
  return ({ inputs, backend, attrs }) => {
    const named = inputs as tf.NamedTensorInfoMap;
    const order = [named.value, named.gradient, ...rule.slots.map((s) => named[s])] as tf.TensorInfo[];
    const shape = (named.value as tf.TensorInfo).shape;
    const arrays = hostArrays(
      backend,
      order,
      order.filter((_, i) => i !== 1).map(() => shape),
    );
    loop(arrays.inputs, arrays.outputs, (attrs as unknown as UpdateAttrs).k);
    return arrays.finish();
  };
}

/** The optimizer updates as one loop each on a backend that keeps tensors in host memory (cpu, wasm). */
export function registerHostOptimizerUpdates(backendName: string): void {
  registerKernelsOnce(
    backendName,
    UPDATE_RULES.map((rule) => [rule.kernelName, hostKernel(rule)]),
  );
}

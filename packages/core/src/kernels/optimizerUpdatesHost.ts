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
import { heapMemory, hostArrays } from './hostArrays';
import { simdUpdatesOn, type SimdUpdates } from './simd/updates';
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

/**
 * The same rules in WebAssembly SIMD (simd/updates.wat), on the memory of a backend that keeps its tensors in a
 * WebAssembly heap (tfjs's wasm): the same float32 operations in the same order, so the same bits, 4 elements per
 * instruction and nothing copied. Arguments: byte offsets of [value, gradient, ...slots] and [value′, ...slots′].
 */
type SimdLoop = (simd: SimdUpdates, inputs: number[], outputs: number[], n: number, k: number[]) => void;

const simdLoops: Record<string, SimdLoop> = {
  [SGD_UPDATE.kernelName]: (simd, [value, g], [out], n, [c]) => simd.sgd(value!, g!, out!, n, c!),
  [MOMENTUM_UPDATE.kernelName]: (simd, [value, g, acc], [out, accOut], n, [c, mu, nesterov]) =>
    simd.momentum(value!, g!, acc!, out!, accOut!, n, c!, mu!, nesterov ? 1 : 0),
  [ADAGRAD_UPDATE.kernelName]: (simd, [value, g, acc], [out, accOut], n, [c, eps]) =>
    simd.adagrad(value!, g!, acc!, out!, accOut!, n, c!, eps!),
  [ADAM_UPDATE.kernelName]: (simd, [value, g, m, v], [out, mOut, vOut], n, k) =>
    simd.adam(value!, g!, m!, v!, out!, mOut!, vOut!, n, ...k),
};

function hostKernel(rule: UpdateRule): tf.KernelFunc {
  const loop = loops[rule.kernelName] as Loop;
  const simdLoop = simdLoops[rule.kernelName] as SimdLoop;
  return ({ inputs, backend, attrs }) => {
    const named = inputs as tf.NamedTensorInfoMap;
    const order = [named.value, named.gradient, ...rule.slots.map((s) => named[s])] as tf.TensorInfo[];
    const shape = (named.value as tf.TensorInfo).shape;
    const arrays = hostArrays(
      backend,
      order,
      order.filter((_, i) => i !== 1).map(() => shape),
    );
    const { k } = attrs as unknown as UpdateAttrs;
    const memory = heapMemory(backend);
    const simd = memory == null ? null : simdUpdatesOn(memory);
    const inHeap = (a: Float32Array) => a.buffer === (memory as { buffer?: unknown } | null)?.buffer;
    if (simd != null && arrays.inputs.every(inHeap) && arrays.outputs.every(inHeap)) {
      const offsets = (a: Float32Array[]) => a.map((x) => x.byteOffset);
      simdLoop(simd, offsets(arrays.inputs), offsets(arrays.outputs), (arrays.outputs[0] as Float32Array).length, k);
    } else {
      loop(arrays.inputs, arrays.outputs, k);
    }
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

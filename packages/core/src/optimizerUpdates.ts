import * as tf from '@tensorflow/tfjs-core';
import { defineKernelOp, type KernelInputs } from './kernelOp';

/**
 * One optimizer's update of one variable as a single op: the variable's new value and new slots from its value,
 * its gradient and its slots. A kernel registered for a backend (in `kernels/`) runs it as one pass — one GPU
 * program on webgpu, one loop on cpu and wasm — where tfjs's own optimizers run 2 (SGD) to ~14 (Adam) kernels per
 * variable. Without a kernel the op runs its reference: tfjs's own optimizer's ops, in its order.
 *
 * Every rule is written with float32 constants `k` derived from the optimizer's settings on the host (`constants`),
 * in this order, and every kernel evaluates the same expressions in the same order, in float32:
 *
 * - **sgd** `k = [c]`, c = −lr:  value′ = c·g + value
 * - **momentum** `k = [c, μ, nesterov]`:  acc′ = μ·acc + g;  value′ = c·(g + acc′·μ) + value with Nesterov, else
 *   c·acc′ + value
 * - **adagrad** `k = [c, ε]`:  acc′ = acc + g²;  value′ = (g / √(acc′ + ε))·c + value
 * - **adam** `k = [β₁, 1−β₁, β₂, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, c]`:  m′ = m·β₁ + g·(1−β₁);  v′ = v·β₂ + g²·(1−β₂);
 *   value′ = ((m′ / (1−β₁ᵗ)) / (√(v′ / (1−β₂ᵗ)) + ε))·c + value
 *
 * (tfjs's AdamOptimizer, MomentumOptimizer, AdagradOptimizer and SGDOptimizer, term for term; β₁ᵗ is the product of
 * t float32 factors β₁, as tfjs accumulates it.)
 */
export interface UpdateRule {
  /** The kernel's name in tfjs's registry. */
  readonly kernelName: string;
  /** The slots' input names, in output order after the value (adam: m, v). */
  readonly slots: readonly string[];
}

export const SGD_UPDATE: UpdateRule = { kernelName: 'GradkitSgdUpdate', slots: [] };
export const MOMENTUM_UPDATE: UpdateRule = { kernelName: 'GradkitMomentumUpdate', slots: ['accumulation'] };
export const ADAGRAD_UPDATE: UpdateRule = { kernelName: 'GradkitAdagradUpdate', slots: ['accumulator'] };
export const ADAM_UPDATE: UpdateRule = { kernelName: 'GradkitAdamUpdate', slots: ['m', 'v'] };
export const UPDATE_RULES: readonly UpdateRule[] = [SGD_UPDATE, MOMENTUM_UPDATE, ADAGRAD_UPDATE, ADAM_UPDATE];

/** The float32 constants `k` of a rule's update, in the order the doc comment of {@link UpdateRule} lists them. */
export type UpdateConstants = number[];

/** An update's attributes: its constants `k` (float32 values). */
export interface UpdateAttrs extends tf.NamedAttrMap {
  k: number[];
}

const noGradient = (kernelName: string) => ({
  gradFunc: (): never => {
    throw new Error(`${kernelName}: an optimizer update has no gradient (it is applied outside any gradient tape)`);
  },
});

/** The references: tfjs's optimizers' ops, term for term (see {@link UpdateRule}). */
const references: Record<string, (inputs: KernelInputs, k: number[]) => tf.Tensor[]> = {
  [SGD_UPDATE.kernelName]: ({ value, gradient }, [c]) => [tf.add(tf.mul(tf.scalar(c as number), gradient!), value!)],
  [MOMENTUM_UPDATE.kernelName]: ({ value, gradient, accumulation }, [c, mu, nesterov]) => {
    const m = tf.scalar(mu as number);
    const acc = tf.add(tf.mul(m, accumulation!), gradient!);
    const step = nesterov ? tf.add(gradient!, tf.mul(acc, m)) : acc;
    return [tf.add(tf.mul(tf.scalar(c as number), step), value!), acc];
  },
  [ADAGRAD_UPDATE.kernelName]: ({ value, gradient, accumulator }, [c, eps]) => {
    const acc = tf.add(accumulator!, tf.square(gradient!));
    return [tf.add(tf.mul(tf.div(gradient!, tf.sqrt(tf.add(acc, eps as number))), c as number), value!), acc];
  },
  [ADAM_UPDATE.kernelName]: ({ value, gradient, m, v }, k) => {
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
    const m1 = tf.add(tf.mul(m!, b1), tf.mul(gradient!, ob1));
    const v1 = tf.add(tf.mul(v!, b2), tf.mul(tf.square(gradient!), ob2));
    const mHat = tf.div(m1, omab1);
    const vHat = tf.div(v1, omab2);
    return [tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), c), value!), m1, v1];
  },
};

const ops = new Map(
  UPDATE_RULES.map((rule) => [
    rule.kernelName,
    defineKernelOp<UpdateAttrs, tf.Tensor[]>({
      kernelName: rule.kernelName,
      reference: (inputs, attrs) =>
        (references[rule.kernelName] as (i: KernelInputs, k: number[]) => tf.Tensor[])(inputs, attrs.k),
      gradient: noGradient(rule.kernelName),
    }),
  ]),
);

/**
 * Runs one update: `[value′, ...slots′]` from the variable's value, its gradient and its slots (named as the rule's
 * `slots`), with the rule's float32 constants `k`. New tensors; the caller assigns them.
 */
export function applyUpdate(rule: UpdateRule, inputs: KernelInputs, k: UpdateConstants): tf.Tensor[] {
  const op = ops.get(rule.kernelName);
  if (op == null) throw new Error(`applyUpdate: rule "${rule.kernelName}", expected one of the UPDATE_RULES`);
  return op(inputs, { k: k.map((x) => Math.fround(x)) });
}

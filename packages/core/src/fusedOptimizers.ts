import * as tf from '@tensorflow/tfjs-core';
import {
  ADAGRAD_UPDATE,
  ADAM_UPDATE,
  applyUpdate,
  MOMENTUM_UPDATE,
  SGD_UPDATE,
  type UpdateConstants,
  type UpdateRule,
} from './optimizerUpdates';

type VariableGradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];
interface Slot {
  originalName: string;
  variable: tf.Variable;
}

const f = Math.fround;

/** The (name, gradient) pairs of `applyGradients`' argument, in tfjs's order. */
function pairs(variableGradients: VariableGradients): { name: string; gradient: tf.Tensor | undefined }[] {
  return Array.isArray(variableGradients)
    ? variableGradients.map((v) => ({ name: v.name, gradient: v.tensor }))
    : Object.keys(variableGradients).map((name) => ({ name, gradient: variableGradients[name] }));
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Applies `rule` to every variable with a gradient, after checking all of them (a bad one throws before any variable
 * changes): slots are created as tfjs's optimizer creates them (`initSlot`), kept in `slots[i]` by position as tfjs
 * keeps them (so getWeights/setWeights work unchanged), and the new value and slots assigned.
 */
function applyRule(
  who: string,
  rule: UpdateRule,
  variableGradients: VariableGradients,
  slots: Slot[][],
  initSlot: (value: tf.Variable, name: string, slot: number) => Slot,
  k: UpdateConstants,
): void {
  const list = pairs(variableGradients);
  const variables = list.map(({ name, gradient }) => {
    const value = tf.engine().registeredVariables[name];
    if (value == null)
      throw new Error(`${who}.applyGradients: no variable named "${name}", expected a tf.variable's name`);
    if (gradient != null) {
      if (!tf.util.arraysEqual(gradient.shape, value.shape)) {
        throw new Error(
          `${who}.applyGradients: the gradient of "${name}" has shape ${shapeText(gradient.shape)}, expected the variable's shape ${shapeText(value.shape)}`,
        );
      }
      if (value.dtype !== 'float32' || gradient.dtype !== 'float32') {
        throw new Error(
          `${who}.applyGradients: "${name}" is ${value.dtype} with a ${gradient.dtype} gradient, expected float32 for both`,
        );
      }
    }
    return value;
  });
  tf.tidy(() => {
    list.forEach(({ name, gradient }, i) => {
      const value = variables[i] as tf.Variable;
      rule.slots.forEach((_, s) => {
        const perSlot = (slots[s] ??= []);
        perSlot[i] ??= initSlot(value, name, s);
      });
      if (gradient == null) return;
      const inputs: Record<string, tf.Tensor> = { value, gradient };
      rule.slots.forEach((slotName, s) => (inputs[slotName] = (slots[s] as Slot[])[i]!.variable));
      const [next, ...nextSlots] = applyUpdate(rule, inputs, k);
      nextSlots.forEach((t, s) => (slots[s] as Slot[])[i]!.variable.assign(t));
      value.assign(next as tf.Tensor);
    });
  });
}

const zeroSlot = (suffix: string) => (value: tf.Variable, name: string) => ({
  originalName: `${name}/${suffix}`,
  variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
});

/**
 * tfjs's SGD with each variable's update in one kernel (`GradkitSgdUpdate`: one GPU program, one host loop) instead
 * of two. Same results (bit for bit on cpu), same API: pass it wherever tfjs takes an optimizer.
 */
export class FusedSGDOptimizer extends tf.SGDOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    applyRule('FusedSGDOptimizer', SGD_UPDATE, variableGradients, [], zeroSlot('unused'), [-this.learningRate]);
    this.incrementIterations();
  }
}

interface MomentumInternals {
  momentum: number;
  useNesterov: boolean;
  accumulations: Slot[];
}

/**
 * tfjs's momentum optimizer with each variable's update in one kernel (`GradkitMomentumUpdate`) instead of ~5.
 * `dispose()` also frees the learning-rate scalar, which tfjs's MomentumOptimizer 4.22 leaks.
 */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    this.c.dispose();
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const own = this as unknown as MomentumInternals;
    const slots = [own.accumulations];
    applyRule('FusedMomentumOptimizer', MOMENTUM_UPDATE, variableGradients, slots, zeroSlot('momentum'), [
      -this.learningRate,
      own.momentum,
      own.useNesterov ? 1 : 0,
    ]);
    own.accumulations = slots[0] as Slot[];
    this.incrementIterations();
  }
}

interface AdagradInternals {
  initialAccumulatorValue: number;
  accumulatedGrads: Slot[];
}

/** tfjs's Adagrad with each variable's update in one kernel (`GradkitAdagradUpdate`) instead of ~6. */
export class FusedAdagradOptimizer extends tf.AdagradOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    const own = this as unknown as AdagradInternals;
    const slots = [own.accumulatedGrads];
    const init = (value: tf.Variable, name: string) => ({
      originalName: `${name}/accumulator`,
      variable: tf.tidy(() => tf.fill(value.shape, own.initialAccumulatorValue).variable(false)),
    });
    applyRule('FusedAdagradOptimizer', ADAGRAD_UPDATE, variableGradients, slots, init, [
      -this.learningRate,
      tf.backend().epsilon(),
    ]);
    own.accumulatedGrads = slots[0] as Slot[];
    this.incrementIterations();
  }
}

interface AdamInternals {
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
}

/**
 * β^n as tfjs accumulates it: n float32 products (its accBeta tensors), computed on the host — from the previous
 * power when n is one more than last time (every step), else from the start (after setWeights).
 */
class AccumulatedPower {
  private n = 0;
  private acc = 1;
  constructor(private readonly beta: number) {}
  at(n: number): number {
    if (n !== this.n + 1) [this.n, this.acc] = [0, 1];
    while (this.n < n) {
      this.acc = this.n === 0 ? f(this.beta) : f(this.acc * f(this.beta));
      this.n++;
    }
    return this.acc;
  }
}

/**
 * tfjs's Adam with each variable's update in one kernel (`GradkitAdamUpdate`: one GPU program on webgpu, one host
 * loop on cpu and wasm) instead of ~14. The bias corrections 1 − βᵗ are computed on the host as tfjs accumulates
 * them (t float32 products), so no step reads the GPU; tfjs's own accBeta tensors are not updated by this class.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  private readonly power1 = new AccumulatedPower(this.beta1);
  private readonly power2 = new AccumulatedPower(this.beta2);

  override applyGradients(variableGradients: VariableGradients): void {
    const own = this as unknown as AdamInternals;
    const slots = [own.accumulatedFirstMoment, own.accumulatedSecondMoment];
    const t = this.iterations + 1;
    const init = (value: tf.Variable, name: string, s: number) => zeroSlot(s === 0 ? 'm' : 'v')(value, name);
    applyRule('FusedAdamOptimizer', ADAM_UPDATE, variableGradients, slots, init, [
      this.beta1,
      1 - this.beta1,
      this.beta2,
      1 - this.beta2,
      1 - this.power1.at(t),
      1 - this.power2.at(t),
      this.epsilon,
      -this.learningRate,
    ]);
    own.accumulatedFirstMoment = slots[0] as Slot[];
    own.accumulatedSecondMoment = slots[1] as Slot[];
    this.incrementIterations();
  }
}

/**
 * Fused versions of `tf.train.sgd`, `momentum`, `adagrad` and `adam`, with tfjs's arguments and defaults: the same
 * optimizer classes (getWeights, setWeights, setLearningRate work as in tfjs) with each variable's update in one
 * kernel. Use them wherever tfjs takes an optimizer.
 *
 * @example
 * const optimizer = fused.adam(1e-3);        // as tf.train.adam(1e-3)
 * optimizer.minimize(() => loss(model(x)));  // one update program per variable on webgpu
 */
export const fused = {
  sgd: (learningRate: number) => new FusedSGDOptimizer(learningRate),
  momentum: (learningRate: number, momentum: number, useNesterov = false) =>
    new FusedMomentumOptimizer(learningRate, momentum, useNesterov),
  adagrad: (learningRate: number, initialAccumulatorValue = 0.1) =>
    new FusedAdagradOptimizer(learningRate, initialAccumulatorValue),
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) =>
    new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon ?? undefined),
};

import * as tf from '@tensorflow/tfjs-core';
import {
  customGradient,
  getOptimizerWeights,
  injectGradient,
  scaleGradient,
  setOptimizerWeights,
  stopGradient,
} from '@gradkit/core';
import type { Module, Synthesizer } from './module';

/**
 * How the hidden modules learn (the head always learns from the true gradient of the loss):
 * - `'backprop'`: ordinary backpropagation through everything (update-locked);
 * - `'no-backprop'`: the hidden modules never change (their batch norm statistics still update);
 * - `'synthetic-gradient'`: each module updates from its synthesizer's prediction ĝ of ∂L/∂h as soon as its
 *   forward pass is done (DNI, Jaderberg et al. 2016);
 * - `'synthetic-loss'`: each module updates from the gradient of a predicted per-example loss ℓ̂(h) ≥ 0.
 */
export type TrainingMethod = 'backprop' | 'no-backprop' | 'synthetic-gradient' | 'synthetic-loss';

export interface DecoupledTrainerOptions {
  /** The hidden modules, bottom to top. */
  modules: Module[];
  /** The output module (logits). */
  head: Module;
  /** The per-example loss ([batch]) of the logits; the trainer minimizes its sum over the batch (as the post). */
  loss: (logits: tf.Tensor, labels: tf.Tensor) => tf.Tensor;
  method: TrainingMethod;
  /** One per hidden module for the synthetic methods. */
  synthesizers?: Synthesizer[];
  /**
   * Makes the optimizer of one parameter group (each module, the head, each synthesizer), e.g.
   * `() => tf.train.adam(3e-5)` for the post's Adam on everything. tfjs optimizers keep their slots by position in
   * the variable list, so one instance cannot serve groups that update at different times; the trainer owns and
   * disposes them ({@link DecoupledTrainer.dispose}).
   */
  optimizer: (group: string) => tf.Optimizer;
  /**
   * Synthetic-gradient mixing: module i updates with Jᵀ·(λ·g + (1 − λ)·ĝ), g the true gradient; the head, which has no
   * synthesizer, with its true gradient. λ = 0 (default) is
   * pure DNI and update-unlocked; λ > 0 needs the true gradient, so those updates wait for backprop; λ = 1 is backprop.
   */
  lambda?: number;
  /**
   * Steps at the start during which modules learn by backprop while the synthesizers learn from the truth — the
   * true gradients, or for synthetic loss each example's true loss (default 0): a synthesizer warm-up
   * (koz4k/dni-pytorch #2).
   */
  warmupSteps?: number;
  /** Measure how long each module waits between its forward pass and its update (ms; cpu/wasm clocks). */
  timing?: boolean;
  /** Observes each synthesizer's training target (for diagnostics and tests); the tensors are freed after it returns. */
  onSynthesizerTarget?: (index: number, h: tf.Tensor, target: tf.Tensor) => void;
}

/** One named optimizer weight, as tfjs optimizers' `getWeights()` lists them. */
export interface NamedWeight {
  name: string;
  tensor: tf.Tensor;
}

/**
 * What {@link DecoupledTrainer.modulesStep} leaves for what comes above: the top module's output, its index, and
 * the bootstrapped target for a synthesizer below the input (when asked for).
 * @internal
 */
export interface ModulesStepResult {
  h: tf.Tensor;
  index: number;
  below: tf.Tensor | null;
  waits: number[];
  synthesizerLosses: number[];
}

export interface StepResult {
  /** Mean per-example loss of the batch. */
  loss: number;
  /** Per module: ms between the end of its forward pass and the start of its update (when timing is on). */
  waits: number[];
  /** Per synthesizer: its loss on this batch (MSE to its target). */
  synthesizerLosses: number[];
}

/**
 * Trains a stack of modules with decoupled neural interfaces (R2RT post 8, Jaderberg et al. 2016).
 *
 * Synthetic gradients, one step: for i = 1..n, h_i = f_i(h_{i−1}); ĝ_i = S_i(h_i [, y]); module i is updated at
 * once with J_iᵀ·ĝ_i (J_i = ∂h_i/∂θ_i). Synthesizer targets: for the top module the true ∂L/∂h_n; for lower ones
 * the bootstrapped ∂h_{i+1}/∂h_iᵀ·ĝ_{i+1} (the upper prediction pushed back through the module above), held
 * constant; synthesizer loss: mean squared error. Synthetic loss: the same with ℓ̂_i = S_i(h_i) and updates
 * ∇_θ Σ ℓ̂_i(f_i(h_{i−1})); targets the true per-example loss (top) and ℓ̂_{i+1} (bootstrapped).
 */
export class DecoupledTrainer {
  private steps = 0;
  private readonly optimizers = new Map<string, tf.Optimizer>();

  constructor(readonly options: DecoupledTrainerOptions) {
    const { modules, synthesizers, method, lambda = 0, warmupSteps = 0 } = options;
    if (modules.length === 0) throw new Error('DecoupledTrainer: modules = [], expected at least one hidden module');
    if (!['backprop', 'no-backprop', 'synthetic-gradient', 'synthetic-loss'].includes(method)) {
      throw new TypeError(
        `DecoupledTrainer: method = ${JSON.stringify(method)}, expected 'backprop', 'no-backprop', 'synthetic-gradient' or 'synthetic-loss'`,
      );
    }
    if (method.startsWith('synthetic')) {
      if (synthesizers?.length !== modules.length) {
        throw new Error(
          `DecoupledTrainer: ${synthesizers?.length ?? 0} synthesizer(s) for ${modules.length} module(s); expected one per module for ${method}`,
        );
      }
      const kind = method === 'synthetic-gradient' ? 'gradient' : 'loss';
      synthesizers.forEach((s, i) => {
        if (s.kind !== kind)
          throw new Error(`DecoupledTrainer: synthesizer ${i} predicts a ${s.kind}; ${method} needs kind '${kind}'`);
      });
    }
    if (!(lambda >= 0 && lambda <= 1))
      throw new RangeError(`DecoupledTrainer: lambda = ${lambda}, expected a number in [0, 1]`);
    if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0))
      throw new RangeError(`DecoupledTrainer: warmupSteps = ${warmupSteps}, expected an integer ≥ 0`);
  }

  /** Training steps taken (counts toward `warmupSteps`); set it when continuing a run from a checkpoint. */
  get stepsDone(): number {
    return this.steps;
  }

  set stepsDone(steps: number) {
    if (!(Number.isInteger(steps) && steps >= 0))
      throw new RangeError(`DecoupledTrainer: stepsDone = ${steps}, expected an integer ≥ 0`);
    this.steps = steps;
  }

  /**
   * The optimizers' state (e.g. Adam's moments, step count and running powers: see core's `getOptimizerWeights`) for a
   * checkpoint that continues exactly, as one list like a tfjs optimizer's
   * `getWeights()`: each group's weights in its optimizer's order, named `<group>/<name>`, groups sorted by name.
   * The caller disposes the tensors that are not variables (as with an optimizer's own list).
   */
  async getWeights(): Promise<NamedWeight[]> {
    const out: NamedWeight[] = [];
    for (const group of [...this.optimizers.keys()].sort()) {
      for (const w of await getOptimizerWeights(this.optimizers.get(group) as tf.Optimizer))
        out.push({ name: `${group}/${w.name}`, tensor: w.tensor });
    }
    return out;
  }

  /**
   * Restores {@link getWeights}'s list into a trainer built like the saved one (same modules, method and optimizer
   * factory), before its first step: each group's optimizer is made and given its weights. Groups are checked
   * before any optimizer is touched.
   */
  async setWeights(weights: NamedWeight[]): Promise<void> {
    const known = this.groups();
    const groups = new Map<string, NamedWeight[]>();
    for (const w of weights) {
      const cut = w.name.indexOf('/');
      const group = cut > 0 ? w.name.slice(0, cut) : '';
      if (!known.includes(group)) {
        throw new Error(
          `DecoupledTrainer.setWeights: weight "${w.name}" belongs to no parameter group of this trainer; expected a name starting with one of ${known.map((g) => `"${g}/"`).join(', ')}`,
        );
      }
      groups.set(group, [...(groups.get(group) ?? []), { name: w.name.slice(cut + 1), tensor: w.tensor }]);
    }
    for (const [group, list] of groups) await setOptimizerWeights(this.optimizerOf(group), list);
  }

  /** The parameter groups this trainer can update: each module, the head, each synthesizer. */
  private groups(): string[] {
    const { modules, synthesizers } = this.options;
    return [...modules.map((_, i) => `module ${i}`), 'head', ...(synthesizers ?? []).map((_, i) => `synthesizer ${i}`)];
  }

  /** Frees the optimizers (not the modules or synthesizers: the caller owns those). */
  dispose(): void {
    for (const o of this.optimizers.values()) o.dispose();
    this.optimizers.clear();
  }

  private optimizerOf(group: string): tf.Optimizer {
    let o = this.optimizers.get(group);
    if (o == null) {
      o = this.options.optimizer(group);
      this.optimizers.set(group, o);
    }
    return o;
  }

  /** Applies the gradients of one group's variables (by name) with that group's optimizer. */
  private apply(group: string, variables: tf.Variable[], grads: tf.NamedTensorMap): void {
    const mine = Object.fromEntries(
      variables.filter((v) => grads[v.name] != null).map((v) => [v.name, grads[v.name] as tf.Tensor]),
    );
    if (Object.keys(mine).length > 0) this.optimizerOf(group).applyGradients(mine);
  }

  /** Logits of the whole stack (inference: `training` false uses batch norm's population statistics). */
  predict(x: tf.Tensor, training = false): tf.Tensor {
    return tf.tidy(() =>
      this.options.head.forward(
        this.options.modules.reduce((h, m) => m.forward(h, training), x),
        training,
      ),
    );
  }

  /** One training step on a batch (x, one-hot labels). Frees everything it allocates. */
  async step(x: tf.Tensor, labels: tf.Tensor): Promise<StepResult> {
    const { method, lambda = 0, warmupSteps = 0 } = this.options;
    const warm = this.steps < warmupSteps;
    this.steps += 1;
    if (
      method === 'backprop' ||
      method === 'no-backprop' ||
      (method === 'synthetic-gradient' && (warm || lambda > 0))
    ) {
      return this.backpropStep(
        x,
        labels,
        method === 'no-backprop',
        method === 'synthetic-gradient' ? (warm ? 1 : lambda) : 1,
      );
    }
    if (method === 'synthetic-loss' && warm) return this.backpropStep(x, labels, false, 1);
    return this.decoupledStep(x, labels);
  }

  /** Backprop (λ = 1), no-backprop, warm-up, and λ-mixing. Synthesizers (if any) learn from the true gradients. */
  private async backpropStep(x: tf.Tensor, labels: tf.Tensor, frozen: boolean, lambda: number): Promise<StepResult> {
    const { modules, head, synthesizers, timing } = this.options;
    const taps: Array<tf.Tensor | null> = modules.map(() => null);
    const outputs: tf.Tensor[] = [];
    const forwardDone: number[] = [];
    const tap = (i: number) =>
      customGradient((h: tf.Tensor) => ({
        value: h,
        gradient: (dy: tf.Tensor) => {
          taps[i] = tf.keep(tf.clone(dy));
          return dy;
        },
      }));
    const varList = frozen ? head.trainable : [...modules.flatMap((m) => m.trainable), ...head.trainable];
    let kept: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      let h = x;
      modules.forEach((m, i) => {
        h = frozen ? stopGradient(m.forward(h, true)) : tap(i)(m.forward(h, true));
        outputs.push(tf.keep(stopGradient(h)));
        if (timing) forwardDone.push(performance.now());
      });
      // λ·g into the modules (their share of the true gradient), g into the head, which has no synthesizer
      const perExample = this.options.loss(head.forward(lambda === 1 ? h : scaleGradient(h, lambda), true), labels);
      kept = tf.keep(stopGradient(perExample));
      return tf.sum(perExample) as tf.Scalar;
    }, varList);
    // λ < 1: add each module's synthetic share J_iᵀ·(1 − λ)·ĝ_i, computed locally (it must not reach lower modules).
    if (lambda < 1 && synthesizers != null) {
      let input = x;
      modules.forEach((m, i) => {
        const local = tf.variableGrads(() => {
          const h = m.forward(input, true);
          const g = tf.tidy(() =>
            tf.mul(
              stopGradient((synthesizers[i] as Synthesizer).predict(stopGradient(h), this.conditioning(i, labels))),
              1 - lambda,
            ),
          );
          return injectGradient(h, g);
        }, m.trainable);
        for (const [name, g] of Object.entries(local.grads)) {
          const sum = tf.add(grads[name] as tf.Tensor, g);
          (grads[name] as tf.Tensor).dispose();
          grads[name] = sum;
        }
        tf.dispose([local.value, local.grads as never]);
        input = outputs[i] as tf.Tensor;
      });
    }
    // reported as the decoupled step reports it (the mean in float32), so equal training reports equal losses
    const mean = tf.mean(kept as unknown as tf.Tensor);
    const loss = (await mean.data())[0] as number;
    mean.dispose();
    const updateStart = performance.now();
    if (!frozen) modules.forEach((m, i) => this.apply(`module ${i}`, m.trainable, grads));
    this.apply('head', head.trainable, grads);
    const waits = timing ? forwardDone.map((t) => updateStart - t) : [];
    tf.dispose([value, grads as never]);
    // Synthesizers learn from the truth: a gradient synthesizer from ∂L/∂h_i (the taps saw λ·g: rescale), a loss
    // synthesizer from each example's loss L, which every ℓ̂_i predicts.
    const synthesizerLosses: number[] = [];
    if (synthesizers != null && !frozen) {
      for (let i = 0; i < modules.length; i++) {
        const s = synthesizers[i] as Synthesizer;
        const target =
          s.kind === 'gradient' ? tf.div(taps[i] as tf.Tensor, lambda) : tf.clone(kept as unknown as tf.Tensor);
        synthesizerLosses.push(await this.trainSynthesizer(s, outputs[i] as tf.Tensor, target, labels, i));
        target.dispose();
      }
    }
    tf.dispose([kept as unknown as tf.Tensor, ...outputs, ...(taps.filter((t) => t != null) as tf.Tensor[])]);
    return { loss, waits, synthesizerLosses };
  }

  /** Update-unlocked step: each module updates from its synthesizer right after its forward pass. */
  private async decoupledStep(x: tf.Tensor, labels: tf.Tensor): Promise<StepResult> {
    return this.headStep(await this.modulesStep(x, labels, false), labels);
  }

  /**
   * The update-unlocked steps of the hidden modules, bottom to top (one stage of a pipelined run, or all of them): each
   * module's forward pass, its update from its synthesizer's prediction, and the training of the synthesizer below it
   * on its bootstrapped target. The top module's output `h` (kept; the caller frees it) is for what comes above —
   * the head, or the next stage, whose bootstrapped target for the top synthesizer arrives later
   * ({@link trainSynthesizerOn}). With `inputGradient`, the bootstrapped target for a synthesizer below `x` (in
   * another stage) is returned as `below` (the caller frees it): J₀ᵀ·ĝ₀ with respect to the input for synthetic
   * gradients, the bottom module's predicted loss for synthetic loss.
   * @internal used by the parallel trainer's stages; not part of the public API
   */
  async modulesStep(x: tf.Tensor, labels: tf.Tensor, inputGradient: boolean): Promise<ModulesStepResult> {
    const { modules, timing, method } = this.options;
    const synthesizers = this.options.synthesizers as Synthesizer[];
    if (method !== 'synthetic-gradient' && method !== 'synthetic-loss')
      throw new Error(`DecoupledTrainer.modulesStep: method = '${method}', expected a synthetic method`);
    const waits: number[] = [];
    const synthesizerLosses: number[] = [];
    let below: tf.Tensor | null = null;
    let input: tf.Tensor = x;
    let previous: { h: tf.Tensor; index: number } | null = null;
    for (let i = 0; i < modules.length; i++) {
      const m = modules[i] as Module;
      const s = synthesizers[i] as Synthesizer;
      let h: tf.Tensor | undefined;
      let forwardDone = 0;
      // One tape over [input, θ_i]: h_i, the module's update J_iᵀ·ĝ_i, and J_iᵀ·ĝ_i with respect to the input —
      // the bootstrapped target for the synthesizer below.
      // (a module with no synthesizer below it needs no gradient with respect to its input)
      const withInput = i > 0 || inputGradient;
      const all = withInput ? [input, ...m.trainable] : m.trainable;
      const grads = tf.grads(() => {
        const out = m.forward(input, true);
        h = tf.keep(stopGradient(out));
        if (timing) forwardDone = performance.now();
        if (method === 'synthetic-gradient')
          return injectGradient(out, stopGradient(s.predict(stopGradient(out), this.conditioning(i, labels))));
        return tf.sum(s.predict(out, this.conditioning(i, labels)));
      })(all);
      const dInput = withInput ? (grads[0] as tf.Tensor) : null;
      const dTheta = withInput ? grads.slice(1) : grads;
      const updateStart = performance.now();
      if (timing) waits.push(updateStart - forwardDone);
      this.apply(
        `module ${i}`,
        m.trainable,
        Object.fromEntries(m.trainable.map((v, k) => [v.name, dTheta[k] as tf.Tensor])),
      );
      tf.dispose(dTheta);
      if (previous != null || (i === 0 && inputGradient)) {
        const target =
          method === 'synthetic-gradient'
            ? (dInput as tf.Tensor)
            : tf.tidy(() => s.predict(h as tf.Tensor, this.conditioning(i, labels)));
        if (previous == null) {
          below = target === dInput ? tf.clone(target) : target;
        } else {
          const lower = synthesizers[previous.index] as Synthesizer;
          synthesizerLosses.push(await this.trainSynthesizer(lower, previous.h, target, labels, previous.index));
          previous.h.dispose();
        }
        if (target !== dInput && target !== below) target.dispose();
      }
      dInput?.dispose();
      previous = { h: h as tf.Tensor, index: i };
      input = h as tf.Tensor;
    }
    const top = previous as { h: tf.Tensor; index: number };
    return { h: top.h, index: top.index, below, waits, synthesizerLosses };
  }

  /**
   * The head's step above {@link modulesStep}: it learns from the true gradient; its ∂L/∂h_n (or the per-example
   * loss) trains the top synthesizer. Frees `part.h`.
   * @internal used by the parallel trainer's last stage; not part of the public API
   */
  async headStep(part: ModulesStepResult, labels: tf.Tensor): Promise<StepResult> {
    const { head, method } = this.options;
    const synthesizers = this.options.synthesizers as Synthesizer[];
    let perExample: tf.Tensor | null = null;
    const headGrads = tf.grads((...args: tf.Tensor[]) => {
      const pe = this.options.loss(head.forward(args[0] as tf.Tensor, true), labels);
      perExample = tf.keep(stopGradient(pe));
      return tf.sum(pe);
    })([part.h, ...head.trainable]);
    const [dTop, ...dHead] = headGrads as [tf.Tensor, ...tf.Tensor[]];
    this.apply(
      'head',
      head.trainable,
      Object.fromEntries(head.trainable.map((v, k) => [v.name, dHead[k] as tf.Tensor])),
    );
    tf.dispose(dHead);
    const lossPerExample = perExample as unknown as tf.Tensor;
    const target = method === 'synthetic-gradient' ? dTop : lossPerExample;
    const synthesizerLosses = [...part.synthesizerLosses];
    synthesizerLosses.push(
      await this.trainSynthesizer(synthesizers[part.index] as Synthesizer, part.h, target, labels, part.index),
    );
    const mean = tf.mean(lossPerExample);
    const loss = (await mean.data())[0] as number;
    tf.dispose([mean, dTop, lossPerExample, part.h]);
    return { loss, waits: part.waits, synthesizerLosses };
  }

  /**
   * One step of synthesizer `index` on MSE(S(h [, y]), target), the target held constant (e.g. a bootstrapped target
   * that another stage computed). Returns the loss. Frees nothing.
   * @internal used by the parallel trainer's stages; not part of the public API
   */
  trainSynthesizerOn(index: number, h: tf.Tensor, target: tf.Tensor, labels: tf.Tensor): Promise<number> {
    return this.trainSynthesizer(
      (this.options.synthesizers as Synthesizer[])[index] as Synthesizer,
      h,
      target,
      labels,
      index,
    );
  }

  /** One step of a synthesizer on MSE(S(h [, y]), target), target held constant. Returns the loss. */
  private async trainSynthesizer(
    s: Synthesizer,
    h: tf.Tensor,
    target: tf.Tensor,
    labels: tf.Tensor,
    index: number,
  ): Promise<number> {
    this.options.onSynthesizerTarget?.(index, h, target);
    if (s.trainable.length === 0) return NaN;
    const loss = this.optimizerOf(`synthesizer ${index}`).minimize(
      () => tf.mean(tf.squaredDifference(s.predict(h, this.conditioning(index, labels)), target)) as tf.Scalar,
      true,
      s.trainable,
    ) as tf.Scalar;
    const value = (await loss.data())[0] as number;
    loss.dispose();
    return value;
  }

  private conditioning(index: number, labels: tf.Tensor): tf.Tensor | null {
    return this.options.synthesizers?.[index]?.conditioned ? labels : null;
  }
}

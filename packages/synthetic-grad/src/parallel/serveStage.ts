import * as tf from '@tensorflow/tfjs-core';
import { DecoupledTrainer, type TrainingMethod } from '../decoupledTrainer';
import type { Module, Synthesizer } from '../module';
import { parentPort, wrapPort, type Port } from './endpoint';
import type { FromStage, InitMessage, ToStage, Wire } from './protocol';

/** What a stage builder is told: which stage of how many, and the arguments the main thread passed. */
export interface StageContext {
  index: number;
  count: number;
  args: unknown;
}

/** One stage of a network trained with decoupled interfaces in parallel: a slice of its hidden modules. */
export interface StageDefinition {
  /** This stage's hidden modules, bottom to top (at least one). */
  modules: Module[];
  /** One per module. */
  synthesizers: Synthesizer[];
  /** 'synthetic-gradient' or 'synthetic-loss' (every stage the same). */
  method: 'synthetic-gradient' | 'synthetic-loss';
  /** Makes each parameter group's optimizer, as {@link DecoupledTrainerOptions.optimizer}. */
  optimizer: (group: string) => tf.Optimizer;
  /** The last stage only: the output module, trained with the true gradient. */
  head?: Module;
  /** The last stage only: the per-example loss of the logits. */
  loss?: (logits: tf.Tensor, labels: tf.Tensor) => tf.Tensor;
}

export type StageBuilder = (context: StageContext) => StageDefinition | Promise<StageDefinition>;

/** A module in place of the head of a stage that has none (never called). */
const NO_HEAD: Module = {
  name: 'no head',
  trainable: [],
  variables: [],
  forward: () => {
    throw new Error('this stage has no head');
  },
  dispose: () => undefined,
};

// read asynchronously: a GPU backend may not read synchronously (webgpu in Node)
const toWire = async (t: tf.Tensor): Promise<Wire> => ({
  shape: [...t.shape],
  values: new Float32Array(await t.data()),
});
const fromWire = (w: Wire): tf.Tensor => tf.tensor(w.values, w.shape, 'float32');

/** Messages kept by (type, step) until the loop asks for them. */
class Inbox {
  private readonly held = new Map<string, unknown>();
  private readonly waiting = new Map<string, (message: unknown) => void>();
  put(key: string, message: unknown): void {
    const wake = this.waiting.get(key);
    if (wake != null) {
      this.waiting.delete(key);
      wake(message);
    } else this.held.set(key, message);
  }
  take<T>(key: string): Promise<T> {
    if (this.held.has(key)) {
      const message = this.held.get(key) as T;
      this.held.delete(key);
      return Promise.resolve(message);
    }
    return new Promise((resolve) => this.waiting.set(key, resolve as (message: unknown) => void));
  }
}

/**
 * Makes the module this runs in a stage of a {@link ParallelDecoupledTrainer}: in a worker the trainer started, it
 * builds its stage with `build` (which also picks the worker's tfjs backend, e.g. `await useBackend('wasm')`) and
 * serves it; anywhere else (imported on the main thread) it does nothing. Call it once, at the top level of the
 * stage module.
 *
 * A stage trains its modules as {@link DecoupledTrainer} does, update-unlocked: for each batch (from the main
 * thread, or the stage below's top activation) the forward pass and updates of its modules, the bootstrapped target
 * for the stage below's top synthesizer sent back down, its top activation sent up — or on the last stage the head's
 * true-gradient step. Its own top synthesizer learns from the target the stage above sends back; before its step t
 * a stage waits for the target of step t − depth (lockstep: depth 1, the sequential trainer's order exactly).
 */
export function serveStage(build: StageBuilder): void {
  void parentPort().then((parent) => {
    if (parent != null) new StageServer(parent, build).listen();
  });
}

class StageServer {
  private readonly inbox = new Inbox();
  private trainer: DecoupledTrainer | null = null;
  private built: StageDefinition[] = [];
  private index = -1;
  private step: number | null = null;
  private failed = false;
  /** When the first input arrived, and the time since spent waiting for inputs and targets (ms). */
  private started = 0;
  private waitMs = 0;

  constructor(
    private readonly parent: Port,
    private readonly build: StageBuilder,
  ) {}

  listen(): void {
    this.parent.listen((raw) => {
      const message = raw as ToStage;
      if (message.type === 'init') void this.guard(() => this.init(message));
      else if (message.type === 'weights') void this.guard(async () => this.send(await this.weights()));
      else if (message.type === 'dispose') void this.guard(async () => this.dispose());
      else this.inbox.put(message.type === 'batch' ? `in ${message.step}` : 'end', message);
    });
    // a browser drops messages that arrive before a listener exists: the main thread sends init only after this
    this.send({ type: 'listening' });
  }

  private send(message: FromStage, transfer: unknown[] = []): void {
    this.parent.post(message, transfer);
  }

  private async guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (this.failed) return;
      this.failed = true;
      const message = error instanceof Error ? error.message : String(error);
      this.send({ type: 'error', stage: this.index, step: this.step, message });
    }
  }

  private async init(init: InitMessage): Promise<void> {
    this.index = init.stages[0] as number;
    for (const index of init.stages) this.built.push(await this.build({ index, count: init.count, args: init.args }));
    const last = this.built[this.built.length - 1] as StageDefinition;
    const first = this.built[0] as StageDefinition;
    const isLast = init.stages.includes(init.count - 1);
    this.built.forEach((stage, k) => {
      const where = `stage ${init.stages[k]}`;
      if (!(stage.modules?.length > 0)) throw new Error(`${where}: modules = [], expected at least one hidden module`);
      if (stage.method !== first.method)
        throw new Error(`${where}: method '${stage.method}', expected '${first.method}' as in stage ${init.stages[0]}`);
    });
    if (isLast && (last.head == null || last.loss == null))
      throw new Error(`stage ${init.count - 1} (the last): head and loss are required`);
    const method = (init.method ?? first.method) as TrainingMethod;
    this.trainer = new DecoupledTrainer({
      modules: this.built.flatMap((s) => s.modules),
      // the baselines train no synthesizer (DecoupledTrainer's backprop step would teach them the true gradients)
      ...(method === 'backprop' || method === 'no-backprop'
        ? {}
        : { synthesizers: this.built.flatMap((s) => s.synthesizers) }),
      head: isLast ? (last.head as Module) : NO_HEAD,
      loss: last.loss ?? (() => tf.scalar(0)),
      method,
      optimizer: first.optimizer,
    });
    this.send({ type: 'ready', stage: this.index });
    const below = init.below == null ? null : wrapPort(init.below);
    const above = init.above == null ? null : wrapPort(init.above);
    // from below: activations, then the end; from above: targets
    below?.listen((raw) => {
      const m = raw as { type: string; step: number };
      this.inbox.put(m.type === 'end' ? 'end' : `in ${m.step}`, raw);
    });
    above?.listen((raw) => this.inbox.put(`target ${(raw as { step: number }).step}`, raw));
    void this.guard(() => (init.stages.length > 1 ? this.runSequential() : this.run(init.depth, below, above)));
  }

  private async run(depth: number, below: Port | null, above: Port | null): Promise<void> {
    const trainer = this.trainer as DecoupledTrainer;
    const top = trainer.options.modules.length - 1;
    const pending = new Map<number, { h: tf.Tensor; labels: tf.Tensor }>();
    const trainTop = async (s: number) => {
      const asked = performance.now();
      const message = await this.inbox.take<{ target: Wire }>(`target ${s}`);
      this.waitMs += performance.now() - asked;
      const kept = pending.get(s) as { h: tf.Tensor; labels: tf.Tensor };
      pending.delete(s);
      const target = fromWire(message.target);
      await trainer.trainSynthesizerOn(top, kept.h, target, kept.labels);
      tf.dispose([target, kept.h, kept.labels]);
    };
    let end: { steps: number } | null = null;
    for (let t = 0; ; t++) {
      this.step = t;
      const asked = performance.now();
      const input = await this.nextInput(
        t,
        () => end,
        (e) => (end = e),
      );
      // the clock starts with the first input: waiting for it is start-up, not the pipeline
      if (t === 0) this.started = performance.now();
      else this.waitMs += performance.now() - asked;
      if (input == null) break;
      if (above != null && t - depth >= 0) await trainTop(t - depth);
      this.send({ type: 'took', stage: this.index, step: t });
      const x = fromWire(input.x);
      const labels = fromWire(input.labels);
      const part = await trainer.modulesStep(x, labels, below != null);
      x.dispose();
      if (below != null) {
        const target = await toWire(part.below as tf.Tensor);
        (part.below as tf.Tensor).dispose();
        below.post({ type: 'target', step: t, target }, [target.values.buffer]);
      }
      if (above != null) {
        const h = await toWire(part.h);
        const wireLabels: Wire = { shape: input.labels.shape, values: new Float32Array(input.labels.values) };
        above.post({ type: 'activation', step: t, h, labels: wireLabels }, [h.values.buffer, wireLabels.values.buffer]);
        pending.set(t, { h: part.h, labels });
      } else {
        const { loss } = await trainer.headStep(part, labels);
        labels.dispose();
        this.send({ type: 'loss', step: t, loss });
      }
    }
    const steps = (end as { steps: number } | null)?.steps ?? 0;
    this.step = null;
    above?.post({ type: 'end', steps });
    if (above != null) for (let s = Math.max(0, steps - depth); s < steps; s++) await trainTop(s);
    const totalMs = performance.now() - this.started;
    this.send({ type: 'finished', stage: this.index, busyMs: totalMs - this.waitMs, waitMs: this.waitMs });
  }

  /** The input of step t (a batch or an activation), or null after the last step. */
  private async nextInput(
    t: number,
    getEnd: () => { steps: number } | null,
    setEnd: (end: { steps: number }) => void,
  ): Promise<{ x: Wire; labels: Wire } | null> {
    let end = getEnd();
    if (end == null) {
      const first = await Promise.race([
        this.inbox.take<{ x?: Wire; h?: Wire; labels: Wire }>(`in ${t}`).then((m) => ({ input: m })),
        this.endPromise().then((e) => ({ end: e })),
      ]);
      if ('input' in first) return { x: (first.input.x ?? first.input.h) as Wire, labels: first.input.labels };
      end = first.end;
      setEnd(end);
    }
    if (t >= end.steps) return null;
    const m = await this.inbox.take<{ x?: Wire; h?: Wire; labels: Wire }>(`in ${t}`);
    return { x: (m.x ?? m.h) as Wire, labels: m.labels };
  }

  private ending: Promise<{ steps: number }> | null = null;
  private endPromise(): Promise<{ steps: number }> {
    this.ending ??= this.inbox.take<{ steps: number }>('end');
    return this.ending;
  }

  /** Every stage in this worker, by the sequential trainer (the reference the parallel schedules are tested against). */
  private async runSequential(): Promise<void> {
    const trainer = this.trainer as DecoupledTrainer;
    let end: { steps: number } | null = null;
    for (let t = 0; ; t++) {
      this.step = t;
      const input = await this.nextInput(
        t,
        () => end,
        (e) => (end = e),
      );
      if (t === 0) this.started = performance.now();
      if (input == null) break;
      this.send({ type: 'took', stage: this.index, step: t });
      const x = fromWire(input.x);
      const labels = fromWire(input.labels);
      const { loss } = await trainer.step(x, labels);
      tf.dispose([x, labels]);
      this.send({ type: 'loss', step: t, loss });
    }
    this.step = null;
    this.send({ type: 'finished', stage: this.index, busyMs: performance.now() - this.started, waitMs: 0 });
  }

  private async weights(): Promise<FromStage> {
    const values = (vs: tf.Variable[]) => Promise.all(vs.map(toWire));
    const stages = this.built;
    return {
      type: 'weights',
      stage: this.index,
      modules: await values(stages.flatMap((s) => s.modules.flatMap((m) => [...m.variables, ...(m.state ?? [])]))),
      synthesizers: await values(stages.flatMap((s) => s.synthesizers.flatMap((sy) => sy.variables))),
      head: await values(stages.flatMap((s) => (s.head == null ? [] : s.head.variables))),
    };
  }

  private async dispose(): Promise<void> {
    this.trainer?.dispose();
    for (const s of this.built) {
      s.modules.forEach((m) => m.dispose());
      s.synthesizers.forEach((sy) => sy.dispose());
      s.head?.dispose();
    }
    this.built = [];
    this.send({ type: 'disposed', stage: this.index, tensors: tf.memory().numTensors });
  }
}

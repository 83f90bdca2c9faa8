import * as tf from '@tensorflow/tfjs-core';
import { channel, startWorker, type WorkerHandle } from './endpoint';
import type { FromStage, Schedule, ToStage, Wire } from './protocol';

export interface ParallelTrainerOptions {
  /**
   * The stage module: an ES module file (a URL, or an absolute path in Node) that calls {@link serveStage} with a
   * builder of stage `index` of `count`. Each stage runs it in a worker of its own (Node `worker_threads`, or a Web
   * Worker of type module in the browser).
   */
  stageModule: string | URL;
  /** How many stages (≥ 2): the network's hidden modules split bottom to top; the last stage also has the head. */
  stages: number;
  /** Passed to every builder call (structured-cloneable). */
  args?: unknown;
  /**
   * - `'pipelined'` (default): stage k works on batch t while stage k + 1 works on batch t − 1, …; a stage's top
   *   synthesizer trains on the target of step t − depth just before the stage's step t, so it is `depth − 1` steps
   *   behind the sequential trainer's, and at most `depth` batches wait in each queue between stages;
   * - `'lockstep'`: depth 1 — the sequential decoupled trainer's arithmetic exactly (same seed, same numbers), stages
   *   still overlapping where that order allows (the head's step with the next batch's lower modules);
   * - `'sequential'`: every stage in one worker, trained by {@link DecoupledTrainer} (the reference, and with
   *   `method: 'backprop'` the backprop baseline on the same network).
   */
  schedule?: Schedule;
  /** Pipelined: batches a stage may run ahead of its top synthesizer's targets (default 2; ≥ 1). */
  depth?: number;
  /** How long a worker may take to load the stage module and call serveStage (default 60,000 ms). */
  startTimeoutMs?: number;
  /** Sequential schedule only: train with this method instead of the stages' (e.g. 'backprop'). */
  method?: 'backprop' | 'no-backprop' | 'synthetic-gradient' | 'synthetic-loss';
}

/** One worker's time from its first input to its end: computing, and waiting for inputs or targets (ms). */
export interface StageTime {
  busyMs: number;
  waitMs: number;
}

/** A batch as the trainer takes it: the inputs and one-hot labels (tensors or values with their shapes). */
export type BatchInput = tf.Tensor | { shape: number[]; values: Float32Array };

/** Per stage: a variable's values, in the stage builders' order (modules' variables then state, synthesizers, head). */
export interface StageWeights {
  modules: Wire[];
  synthesizers: Wire[];
  head: Wire[];
}

const wire = async (x: BatchInput, what: string): Promise<Wire> => {
  if (x instanceof tf.Tensor) {
    if (x.dtype !== 'float32')
      throw new TypeError(`ParallelDecoupledTrainer.step: ${what} is ${x.dtype}, expected float32`);
    // read asynchronously: a GPU backend may not read synchronously (webgpu in Node)
    return { shape: [...x.shape], values: new Float32Array(await x.data()) };
  }
  const size = x.shape.reduce((a, b) => a * b, 1);
  if (!(x.values instanceof Float32Array) || x.values.length !== size)
    throw new TypeError(
      `ParallelDecoupledTrainer.step: ${what} has ${x.values?.length} values for shape [${x.shape}], expected a Float32Array of ${size}`,
    );
  return { shape: [...x.shape], values: new Float32Array(x.values) };
};

/**
 * Trains a network with decoupled neural interfaces (R2RT post 8) with its modules in parallel threads: each stage —
 * a slice of the hidden modules with their synthesizers; the last also the head — in its own worker with its own
 * tfjs backend, stages joined by message channels (activations and labels up, bootstrapped synthesizer targets down;
 * buffers transferred, not copied). Stage k updates from its synthesizers without waiting for anything above it,
 * so with the stages on separate cores they compute at the same time.
 *
 * ```ts
 * const trainer = await ParallelDecoupledTrainer.start({ stageModule: new URL('./stage.js', import.meta.url), stages: 2 });
 * for (const { x, y } of batches) await trainer.step(x, y);
 * const losses = await trainer.finish();
 * await trainer.close();
 * ```
 *
 * A stage that fails ends the run: every pending and later call rejects with one error naming the stage and step,
 * and every worker is ended.
 */
export class ParallelDecoupledTrainer {
  private failure: Error | null = null;
  private readonly waiters = new Set<{ reject: (e: Error) => void; check: () => boolean; resolve: () => void }>();
  private readonly losses: number[] = [];
  private taken = 0;
  private sent = 0;
  private finished = 0;
  private ended = false;
  private closed = false;
  private readonly replies = new Map<number, FromStage>();

  private constructor(
    private readonly workers: WorkerHandle[],
    private readonly window: number,
  ) {}

  /** Starts the workers and builds every stage; resolves when all are ready. */
  static async start(options: ParallelTrainerOptions): Promise<ParallelDecoupledTrainer> {
    const {
      stageModule,
      stages,
      args = null,
      schedule = 'pipelined',
      depth = 2,
      method,
      startTimeoutMs = 60_000,
    } = options;
    if (!(Number.isInteger(stages) && stages >= 2))
      throw new RangeError(`ParallelDecoupledTrainer: stages = ${stages}, expected an integer ≥ 2`);
    if (!['pipelined', 'lockstep', 'sequential'].includes(schedule))
      throw new TypeError(
        `ParallelDecoupledTrainer: schedule = ${JSON.stringify(schedule)}, expected 'pipelined', 'lockstep' or 'sequential'`,
      );
    if (!(Number.isInteger(depth) && depth >= 1))
      throw new RangeError(`ParallelDecoupledTrainer: depth = ${depth}, expected an integer ≥ 1`);
    if (method != null && schedule !== 'sequential')
      throw new Error(`ParallelDecoupledTrainer: method '${method}' is for the sequential schedule, not '${schedule}'`);
    const groups =
      schedule === 'sequential'
        ? [Array.from({ length: stages }, (_, i) => i)]
        : Array.from({ length: stages }, (_, i) => [i]);
    const workers: WorkerHandle[] = [];
    try {
      for (let k = 0; k < groups.length; k++) workers.push(await startWorker(stageModule));
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    const stageDepth = schedule === 'lockstep' ? 1 : depth;
    const trainer = new ParallelDecoupledTrainer(workers, stageDepth + 1);
    workers.forEach((w, k) => {
      w.listen((message) => trainer.receive(k, message as FromStage));
      w.onFailure((error) =>
        trainer.fail(new Error(`ParallelDecoupledTrainer: stage ${groups[k]?.[0]} failed: ${error.message}`)),
      );
    });
    // each worker says when its stage module listens (a browser drops messages sent before that)
    const timer = setTimeout(
      () =>
        trainer.fail(
          new Error(
            `ParallelDecoupledTrainer: ${String(stageModule)} did not call serveStage within ${startTimeoutMs} ms (a stage module calls serveStage(build) at its top level)`,
          ),
        ),
      startTimeoutMs,
    );
    await trainer
      .until(() => trainer.listening.size === workers.length)
      .catch(async (error: unknown) => {
        await trainer.close().catch(() => undefined);
        throw error;
      })
      .finally(() => clearTimeout(timer));
    // channels between neighbouring workers: links[k] joins worker k (its `above`) and worker k + 1 (its `below`)
    const links = workers.slice(1).map(() => channel());
    workers.forEach((w, k) => {
      const below = k > 0 ? (links[k - 1] as [unknown, unknown])[1] : null;
      const above = k < workers.length - 1 ? (links[k] as [unknown, unknown])[0] : null;
      const init: ToStage = {
        type: 'init',
        stages: groups[k] as number[],
        count: stages,
        args,
        depth: stageDepth,
        below,
        above,
        ...(method == null ? {} : { method }),
      };
      w.post(
        init,
        [below, above].filter((p) => p != null),
      );
    });
    await trainer
      .until(() => trainer.readyCount === workers.length)
      .catch(async (error: unknown) => {
        await trainer.close().catch(() => undefined);
        throw error;
      });
    return trainer;
  }

  private readyCount = 0;
  private readonly listening = new Set<number>();
  private readonly times: StageTime[] = [];

  /**
   * After {@link finish}, per worker (bottom to top): the time from its first input to its end spent computing and
   * spent waiting for an input or a synthesizer target (ms) — how well the stages overlap.
   */
  get stageTimes(): StageTime[] {
    return [...this.times];
  }

  /** How many of the trainer's worker threads still run (0 once it is closed or has failed and ended them). */
  get liveWorkers(): number {
    return this.workers.filter((w) => w.alive).length;
  }

  private receive(worker: number, message: FromStage): void {
    switch (message.type) {
      case 'listening':
        this.listening.add(worker);
        break;
      case 'ready':
        this.readyCount += 1;
        break;
      case 'took':
        this.taken = Math.max(this.taken, message.step + 1);
        break;
      case 'loss':
        this.losses[message.step] = message.loss;
        break;
      case 'finished':
        this.finished += 1;
        this.times[worker] = { busyMs: message.busyMs, waitMs: message.waitMs };
        break;
      case 'error':
        this.fail(
          new Error(
            `ParallelDecoupledTrainer: stage ${message.stage}${message.step == null ? '' : ` failed at step ${message.step}`}: ${message.message}`,
          ),
        );
        break;
      default:
        this.replies.set(worker, message);
    }
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  private fail(error: Error): void {
    if (this.failure != null || this.closed) return;
    this.failure = error;
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      w.reject(error);
    }
    void Promise.all(this.workers.map((w) => w.terminate()));
  }

  private until(check: () => boolean): Promise<void> {
    if (this.failure != null) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('ParallelDecoupledTrainer: closed'));
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.add({ check, resolve, reject }));
  }

  /**
   * Hands one batch (inputs, one-hot labels) to the first stage. Resolves once it is queued; waits first while more
   * than `depth + 1` batches are queued and not yet started, so a fast caller cannot fill memory.
   */
  async step(x: BatchInput, labels: BatchInput): Promise<void> {
    if (this.ended) throw new Error('ParallelDecoupledTrainer.step: called after finish()');
    const message: ToStage = {
      type: 'batch',
      step: this.sent,
      x: await wire(x, 'x'),
      labels: await wire(labels, 'labels'),
    };
    await this.until(() => this.sent - this.taken < this.window);
    this.sent += 1;
    (this.workers[0] as WorkerHandle).post(message, [message.x.values.buffer, message.labels.values.buffer]);
  }

  /** Waits until every stage has done every batch (and every synthesizer has its last target); the losses per step. */
  async finish(): Promise<number[]> {
    if (!this.ended) {
      this.ended = true;
      (this.workers[0] as WorkerHandle).post({ type: 'end', steps: this.sent } satisfies ToStage);
    }
    await this.until(() => this.finished === this.workers.length);
    return [...this.losses];
  }

  /** Every stage's variables after {@link finish} (bottom to top). */
  async weights(): Promise<StageWeights> {
    const replies = await this.ask('weights');
    const all = replies as Array<Extract<FromStage, { type: 'weights' }>>;
    return {
      modules: all.flatMap((r) => r.modules),
      synthesizers: all.flatMap((r) => r.synthesizers),
      head: all.flatMap((r) => r.head),
    };
  }

  private async ask(type: 'weights' | 'dispose'): Promise<FromStage[]> {
    this.replies.clear();
    this.workers.forEach((w) => w.post({ type } satisfies ToStage));
    await this.until(() => this.replies.size === this.workers.length);
    return this.workers.map((_, k) => this.replies.get(k) as FromStage);
  }

  /**
   * Frees every stage's tensors and ends the workers. After {@link finish}, resolves with the tensors each worker
   * still held after freeing (0 when nothing leaked). Before it (an interrupted run) or after a failure it ends the
   * workers at once — their memory goes with them — rejects whatever was waiting, and resolves with [].
   */
  async close(): Promise<number[]> {
    if (this.closed) return [];
    let left: number[] = [];
    if (this.failure == null && this.ended && this.finished === this.workers.length) {
      try {
        left = (await this.ask('dispose')).map((r) => (r as { tensors: number }).tensors);
      } catch {
        left = [];
      }
    }
    this.closed = true;
    const error = new Error('ParallelDecoupledTrainer: closed');
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      w.reject(error);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
    return left;
  }
}

import * as tf from '@tensorflow/tfjs-core';
import type { BackendStatus } from '@gradkit/backends';
import { median, type Curve, type RunContext, type RunRecord } from '@gradkit/experiment-runner';
import { runTraining } from 'mnist-bench/browser';
import type { PageData, PlaygroundExperiment, Trainer } from './experiment';

/** Thrown into a stopped run that is discarded: it ends without a result, its tensors freed. */
export class RunDiscarded extends Error {
  override name = 'RunDiscarded';
}

export type RunState = 'starting' | 'running' | 'stopped' | 'finished' | 'discarded' | 'failed';

/** What the page shows while a run trains. */
export interface LiveView {
  state: RunState;
  step: number;
  steps: number;
  /** Median of the last 50 steps' times (each until its loss was read back, so GPU work counts). */
  msPerStep: number | null;
  examplesPerSecond: number | null;
  curves: Curve[];
}

export interface RunRequest {
  experiment: PlaygroundExperiment;
  backend: BackendStatus;
  data: PageData;
  steps: number;
  seed: number;
  choices: Record<string, string>;
  view: HTMLElement;
  /** Called on every change (throttle in the listener). */
  onChange: (live: LiveView) => void;
  log: (message: string) => void;
}

/** JavaScript heap in MB where the browser reports it (Chromium), else NaN. */
function heapMb(): number {
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return memory == null ? NaN : memory.usedJSHeapSize / 2 ** 20;
}

/**
 * One run of an experiment in the page: mnist-bench's `runTraining` steps the experiment's trainer (timing each step
 * until its loss is read back, evaluating every `evalEvery` steps); between steps the run can stop (the networks
 * keep their state), resume, or be discarded. Whatever happens, the trainer's tensors are freed at the end, and the
 * record says how many tensors the run left behind (none, or it is a leak).
 */
export class Run {
  private live: LiveView;
  private pauseRequested = false;
  private discardRequested = false;
  private gate: { resume: () => void; discard: (e: Error) => void } | null = null;
  private pausedMs = 0;
  private lastYield = 0;
  /** The record of the finished run; rejects with {@link RunDiscarded} or the run's error. */
  readonly result: Promise<RunRecord>;

  constructor(private readonly request: RunRequest) {
    this.live = {
      state: 'starting',
      step: 0,
      steps: request.steps,
      msPerStep: null,
      examplesPerSecond: null,
      curves: [],
    };
    this.result = this.execute();
    this.result.catch(() => {});
  }

  get state(): RunState {
    return this.live.state;
  }

  /** Stops after the current step; the networks keep their state until {@link resume} or {@link discard}. */
  stop(): void {
    if (this.live.state === 'running' || this.live.state === 'starting') this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.gate?.resume();
  }

  /** Ends the run without a result (a stopped run at once, a running one after its current step). */
  discard(): void {
    this.discardRequested = true;
    this.gate?.discard(new RunDiscarded('the run was discarded'));
  }

  private change(patch: Partial<LiveView>): void {
    this.live = { ...this.live, ...patch };
    this.request.onChange(this.live);
  }

  private async betweenSteps(): Promise<void> {
    // On cpu and wasm a step's loss is ready at once: without a pause now and then the page would not redraw or
    // take a click until the run ended.
    if (performance.now() - this.lastYield > 40) {
      await new Promise((resume) => setTimeout(resume, 0));
      this.lastYield = performance.now();
    }
    if (this.discardRequested) throw new RunDiscarded('the run was discarded');
    if (!this.pauseRequested) return;
    const since = performance.now();
    this.change({ state: 'stopped' });
    try {
      await new Promise<void>((resume, discard) => (this.gate = { resume, discard }));
    } finally {
      this.gate = null;
      this.pausedMs += performance.now() - since;
    }
    this.change({ state: 'running' });
  }

  private async execute(): Promise<RunRecord> {
    const { experiment, backend, steps, seed, choices } = this.request;
    const tensorsBefore = tf.memory().numTensors;
    const started = performance.now();
    let peakTensors = tensorsBefore;
    let peakHeap = heapMb();
    let trainer: Trainer | null = null;
    const times: number[] = [];
    let stepStarted = 0;
    const points = new Map<string, Curve>();
    let evaluationMs = 0;
    try {
      trainer = await experiment.create({
        data: this.request.data,
        seed,
        steps,
        choices,
        view: this.request.view,
      });
      const t = trainer;
      this.change({ state: 'running' });
      const ctx: RunContext = {
        backend,
        seed,
        profile: steps === experiment.quickSteps ? 'quick' : `${steps} steps`,
        progress: (done) => {
          times.push(performance.now() - stepStarted);
          const ms = median(times.slice(-50));
          this.change({
            step: done,
            msPerStep: ms,
            examplesPerSecond: ms == null ? null : (1000 * t.examplesPerStep) / ms,
          });
        },
        sampleMemory: () => {
          peakTensors = Math.max(peakTensors, tf.memory().numTensors);
          peakHeap = Math.max(peakHeap, heapMb());
        },
        log: this.request.log,
      };
      const result = await runTraining(ctx, {
        steps,
        evalEvery: t.evalEvery,
        step: async (i) => {
          await this.betweenSteps();
          stepStarted = performance.now();
          return t.step(i);
        },
        evaluate: async () => {
          const evaluationStarted = performance.now();
          const metrics = await t.evaluate();
          evaluationMs += performance.now() - evaluationStarted;
          for (const [key, value] of Object.entries(metrics)) {
            const [metric, series] = key.split(' | ') as [string, string | undefined];
            const curve = points.get(key) ?? { series: series ?? metric, metric, points: [] };
            curve.points.push({ step: this.live.step, value });
            points.set(key, curve);
          }
          this.change({ curves: [...points.values()].map((c) => ({ ...c, points: [...c.points] })) });
          return metrics;
        },
      });
      const out = await t.finish(result.final);
      trainer = null;
      t.dispose();
      const tensorsLeft = tf.memory().numTensors - tensorsBefore;
      // the steps' times as runTraining counts them (after its warm-up), without the time the run stood stopped
      const timed = times.slice(Math.min(20, Math.floor(steps / 10)));
      const msPerStepMedian = median(timed);
      const record: RunRecord = {
        id: `${experiment.name}.${backend.name}.seed${seed}.${Date.now()}`,
        experiment: experiment.name,
        title: experiment.title,
        backend: backend.name,
        device: backend.device ?? backend.name,
        profile: ctx.profile,
        seed,
        config: { ...t.config, ...choices, steps, seed },
        primary: out.primary,
        metrics: {
          ...out.metrics,
          'evaluation seconds': evaluationMs / 1000,
          'tensors left after the run': tensorsLeft,
        },
        curves: result.curves,
        msPerStepMedian,
        examplesPerSecond: msPerStepMedian == null ? null : (1000 * t.examplesPerStep) / msPerStepMedian,
        timedSteps: timed.length,
        wallSeconds: (performance.now() - started - this.pausedMs) / 1000,
        peakTensors,
        peakRssMb: peakHeap,
        notes: out.notes,
        finishedAt: new Date().toISOString(),
      };
      this.change({ state: 'finished', curves: result.curves });
      return record;
    } catch (error) {
      this.change({ state: error instanceof RunDiscarded ? 'discarded' : 'failed' });
      throw error;
    } finally {
      trainer?.dispose();
    }
  }
}

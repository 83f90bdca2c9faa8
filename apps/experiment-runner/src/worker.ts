import * as tf from '@tensorflow/tfjs-core';
import { releaseBackends, useBackend } from '@gradkit/backends';
import type { BenchDefinition, WorkerJob } from './bench';
import { fileCheckpoint, reportOnlyCheckpoint, type RunCheckpoint } from './checkpoint/storage';
import type { RunContext, RunRecord } from './experiment';
import { median } from './stats';

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'log'; message: string }
  | { type: 'result'; record: RunRecord }
  | { type: 'error'; message: string; stack?: string };

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));
}

export function runId(job: Pick<WorkerJob, 'experiment' | 'backend' | 'profile' | 'seed'>): string {
  return `${job.experiment}--${job.backend}--${job.profile}--seed${job.seed}`;
}

/** Runs one experiment on one backend in this (child) process and reports to the parent over IPC. */
export async function runWorker<Data>(bench: BenchDefinition<Data>, job: WorkerJob): Promise<void> {
  try {
    const experiment = bench.registry.get(job.experiment);
    const config = experiment.profiles[job.profile];
    if (config === undefined) throw new Error(`experiment "${job.experiment}" has no profile "${job.profile}"`);
    const status = await useBackend(job.backend);
    const data = await bench.loadData(job.extra);
    let peakTensors = tf.memory().numTensors;
    let partial: string | undefined;
    // the data's key is part of the configuration: a checkpoint made on other data is refused, never continued
    const checkpointConfig = {
      experiment: job.experiment,
      backend: job.backend,
      profile: job.profile,
      seed: job.seed,
      config,
      data: job.data.key,
    };
    const start = performance.now();
    const time = { earlier: 0, parts: 1 };
    let checkpoint: RunCheckpoint | undefined;
    if (job.checkpointFile != null) {
      checkpoint = timed(
        job.partial === true
          ? reportOnlyCheckpoint(job.checkpointFile, checkpointConfig, (text) => (partial = text))
          : fileCheckpoint(job.checkpointFile, checkpointConfig, job.resume === true),
        time,
        start,
      );
    }
    let lastProgress = 0;
    const ctx: RunContext = {
      backend: status,
      seed: job.seed,
      profile: job.profile,
      progress(done, total) {
        const now = Date.now();
        if (now - lastProgress >= 250 || done >= total) {
          lastProgress = now;
          void send({ type: 'progress', done, total });
        }
      },
      sampleMemory() {
        peakTensors = Math.max(peakTensors, tf.memory().numTensors);
      },
      log(message) {
        void send({ type: 'log', message });
      },
      ...(checkpoint != null ? { checkpoint } : {}),
    };
    const output = await experiment.run(ctx, config, data);
    // a run continued from a checkpoint reports its whole wall time: the parts before and this one
    const wallSeconds = (partial != null ? 0 : (performance.now() - start) / 1000) + time.earlier;
    if (job.partial === true && partial == null)
      throw new Error(
        `--partial: experiment "${job.experiment}" does not report on unfinished runs (it keeps no per-epoch checkpoints)`,
      );
    ctx.sampleMemory();
    const ms = median(output.stepTimesMs);
    const record: RunRecord = {
      id: runId(job),
      experiment: experiment.name,
      title: typeof experiment.title === 'function' ? experiment.title(data) : experiment.title,
      data: job.data,
      backend: status.name,
      device: status.device ?? status.name,
      profile: job.profile,
      seed: job.seed,
      config,
      primary: output.primary,
      reference: experiment.reference,
      metrics: output.metrics ?? {},
      curves: output.curves ?? [],
      msPerStepMedian: ms,
      examplesPerSecond: ms != null && ms > 0 ? (output.examplesPerStep * 1000) / ms : null,
      timedSteps: output.stepTimesMs.length,
      wallSeconds,
      peakTensors,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      notes: [
        ...(partial != null ? [`Partial report, ${partial}: the run is not finished.`] : []),
        ...(time.parts > 1
          ? [`Run in ${time.parts} parts (continued from checkpoints): wall time and step times cover all of them.`]
          : []),
        ...(output.notes ?? []),
      ],
      finishedAt: new Date().toISOString(),
      ...(partial != null ? { partial } : {}),
    };
    await send({ type: 'result', record });
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    await send({
      type: 'error',
      message,
      ...(error instanceof Error && error.stack != null ? { stack: error.stack } : {}),
    });
  } finally {
    releaseBackends();
  }
}

/**
 * The run's checkpoint, keeping the wall time of the parts before it: each save records the time so far (and the
 * part's number) beside the experiment's own state; a load gives the experiment its state and `time` the rest.
 */
export function timed(inner: RunCheckpoint, time: { earlier: number; parts: number }, start: number): RunCheckpoint {
  return {
    load() {
      const data = inner.load();
      if (data == null) return null;
      const saved = data.state as { run: unknown; wallSeconds: number; parts: number };
      time.earlier = saved.wallSeconds;
      time.parts = saved.parts + 1;
      return { state: saved.run, arrays: data.arrays };
    },
    save(data) {
      inner.save({
        state: { run: data.state, wallSeconds: time.earlier + (performance.now() - start) / 1000, parts: time.parts },
        arrays: data.arrays,
      });
    },
    ...(inner.reportOnly != null ? { reportOnly: inner.reportOnly.bind(inner) } : {}),
  };
}

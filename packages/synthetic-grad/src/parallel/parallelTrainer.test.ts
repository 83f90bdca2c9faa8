import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, describeBackends, expect, test } from '@gradkit/test-harness';
import { ParallelDecoupledTrainer, type ParallelTrainerOptions, type StageWeights } from './parallelTrainer';

// The stages run in worker threads from the built package (test/stage.fixture.mjs imports @gradkit/synthetic-grad's
// dist, as a user's stage module would), each on its own wasm backend.
const root = join(__dirname, '..', '..');
const stageModule = pathToFileURL(join(root, 'test', 'stage.fixture.mjs'));
if (!existsSync(join(root, 'dist', 'index.js')))
  throw new Error(`${join(root, 'dist')} is missing: build @gradkit/synthetic-grad first (npm test does)`);

const small = { inputDim: 20, hidden: [16, 12], classes: 4, synthesizerHidden: [8], conditioned: false, seed: 3 };

/** Deterministic batches: inputs from sines, labels cycling through the classes. */
function batch(step: number, rows: number, inputDim: number, classes: number) {
  const x = new Float32Array(rows * inputDim).map((_, i) => Math.sin(i * 0.37 + step));
  const y = new Float32Array(rows * classes).map((_, i) =>
    i % classes === (Math.floor(i / classes) + step) % classes ? 1 : 0,
  );
  return { x: { shape: [rows, inputDim], values: x }, y: { shape: [rows, classes], values: y } };
}

async function train(options: Omit<ParallelTrainerOptions, 'stageModule'>, steps: number) {
  const trainer = await ParallelDecoupledTrainer.start({ stageModule, ...options });
  const args = options.args as typeof small;
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(s, 8, args.inputDim, args.classes);
    await trainer.step(x, y);
  }
  const losses = await trainer.finish();
  const weights = await trainer.weights();
  const left = await trainer.close();
  return { losses, weights, left, alive: trainer.liveWorkers, times: trainer.stageTimes };
}

const flat = (w: StageWeights) => [...w.modules, ...w.synthesizers, ...w.head].flatMap((t) => Array.from(t.values));

describe('ParallelDecoupledTrainer (stages in worker threads, wasm)', () => {
  test.each([
    ['2 stages of one module', { ...small }, 2],
    ['3 stages, cDNI (conditioned on the labels)', { ...small, hidden: [16, 12, 10], conditioned: true }, 3],
    ['2 stages of two modules each', { ...small, hidden: [16, 12, 10, 8], perStage: 2 }, 2],
  ])(
    'lockstep: the sequential decoupled trainer bit for bit (%s); no tensors left in any worker',
    async (_, args, stages) => {
      const steps = 7;
      const sequential = await train({ stages, args, schedule: 'sequential' }, steps);
      const lockstep = await train({ stages, args, schedule: 'lockstep' }, steps);
      expect(sequential.losses).toHaveLength(steps);
      expect(lockstep.losses).toEqual(sequential.losses);
      const [a, b] = [flat(sequential.weights), flat(lockstep.weights)];
      expect(b.length).toBe(a.length);
      expect(b.every((v, i) => Object.is(v, a[i]))).toBe(true);
      // the run moved the weights (the synthesizers' zero-initialized last kernels included)
      expect(sequential.weights.synthesizers.some((w) => w.values.some((v) => v !== 0))).toBe(true);
      expect(lockstep.left).toEqual(new Array(stages).fill(0));
      expect(sequential.left).toEqual([0]);
      expect([lockstep.alive, sequential.alive]).toEqual([0, 0]);
      // each worker's time: computing and waiting, both measured
      expect(lockstep.times).toHaveLength(stages);
      for (const t of [...lockstep.times, ...sequential.times]) expect(t.busyMs > 0 && t.waitMs >= 0).toBe(true);
      expect(sequential.times[0]?.waitMs).toBe(0);
    },
  );

  test('pipelined (depth 2): every step done, the top synthesizer one step behind the sequential order', async () => {
    const steps = 9;
    const sequential = await train({ stages: 2, args: small, schedule: 'sequential' }, steps);
    const pipelined = await train({ stages: 2, args: small, schedule: 'pipelined', depth: 2 }, steps);
    expect(pipelined.losses).toHaveLength(steps);
    expect(pipelined.losses.every(Number.isFinite)).toBe(true);
    // with depth 2 the lower synthesizer's training lags: the arithmetic differs from the sequential trainer's
    expect(flat(pipelined.weights)).not.toEqual(flat(sequential.weights));
    expect(pipelined.left).toEqual([0, 0]);
  });

  test('a stage that throws: one error naming the stage and step, every worker ended, nothing hangs', async () => {
    const trainer = await ParallelDecoupledTrainer.start({
      stageModule,
      stages: 2,
      args: { ...small, failAt: { stage: 1, step: 3 } },
    });
    const run = (async () => {
      for (let s = 0; s < 50; s++) {
        const { x, y } = batch(s, 8, 20, 4);
        await trainer.step(x, y);
      }
      await trainer.finish();
    })();
    await expect(run).rejects.toThrow('ParallelDecoupledTrainer: stage 1 failed at step 3: injected fault in m1');
    await trainer.close();
    expect(trainer.liveWorkers).toBe(0);
    await expect(trainer.finish()).rejects.toThrow('stage 1 failed at step 3');
  });

  test('a stage that cannot be built: start() rejects naming it, and ends every worker', async () => {
    await expect(
      ParallelDecoupledTrainer.start({ stageModule, stages: 2, args: { ...small, hidden: [16] } }),
    ).rejects.toThrow('ParallelDecoupledTrainer: stage 1: stage 1: modules = [], expected at least one hidden module');
  });

  test('a stage module that cannot load, or never calls serveStage: start() rejects saying so', async () => {
    const missing = pathToFileURL(join(root, 'test', 'no-such-stage.mjs'));
    await expect(ParallelDecoupledTrainer.start({ stageModule: missing, stages: 2 })).rejects.toThrow(
      /^ParallelDecoupledTrainer: stage [01] failed: .*no-such-stage\.mjs/,
    );
    // in Node a module that never listens lets its worker end (a browser's worker would wait: startTimeoutMs)
    const silent = pathToFileURL(join(root, 'test', 'silent.fixture.mjs'));
    await expect(ParallelDecoupledTrainer.start({ stageModule: silent, stages: 2 })).rejects.toThrow(
      /^ParallelDecoupledTrainer: stage [01] failed: the worker ended on its own \(does its module call serveStage\(build\) at the top level\?\)$/,
    );
  });

  test('a worker that stays alive without serving a stage: start() gives up after startTimeoutMs', async () => {
    const idle = pathToFileURL(join(root, 'test', 'idle.fixture.mjs'));
    await expect(
      ParallelDecoupledTrainer.start({ stageModule: idle, stages: 2, startTimeoutMs: 1000 }),
    ).rejects.toThrow(
      `ParallelDecoupledTrainer: ${idle.href} did not call serveStage within 1000 ms (a stage module calls serveStage(build) at its top level)`,
    );
  });

  test('bad options: one-line errors naming the value', async () => {
    await expect(ParallelDecoupledTrainer.start({ stageModule, stages: 1 })).rejects.toThrow(
      'ParallelDecoupledTrainer: stages = 1, expected an integer ≥ 2',
    );
    await expect(
      ParallelDecoupledTrainer.start({ stageModule, stages: 2, schedule: 'async' as never }),
    ).rejects.toThrow(`ParallelDecoupledTrainer: schedule = "async", expected 'pipelined', 'lockstep' or 'sequential'`);
    await expect(ParallelDecoupledTrainer.start({ stageModule, stages: 2, depth: 0 })).rejects.toThrow(
      'ParallelDecoupledTrainer: depth = 0, expected an integer ≥ 1',
    );
    await expect(
      ParallelDecoupledTrainer.start({ stageModule, stages: 2, schedule: 'lockstep', method: 'backprop' }),
    ).rejects.toThrow("ParallelDecoupledTrainer: method 'backprop' is for the sequential schedule, not 'lockstep'");
  });

  test('SIGINT: the run closes its trainer, every worker ends, the process exits 130', async () => {
    const child = spawn(process.execPath, [join(root, 'test', 'interrupt.fixture.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('training')) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('closed, workers alive: 0');
    expect(code).toBe(130);
  });
});

// the main thread's tensors on each backend, handed to the stages (on wasm) as values
describeBackends('ParallelDecoupledTrainer.step with tensors', () => {
  test('tensor batches are taken as values (float32 only)', async () => {
    const trainer = await ParallelDecoupledTrainer.start({ stageModule, stages: 2, args: small, schedule: 'lockstep' });
    try {
      const x = tf.randomUniform([8, 20], -1, 1, 'float32', 1);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4));
      const yFloat = tf.cast(y, 'float32');
      await expect(trainer.step(x, y)).rejects.toThrow(
        'ParallelDecoupledTrainer.step: labels is int32, expected float32',
      );
      await trainer.step(x, yFloat);
      await expect(
        trainer.step({ shape: [8, 20], values: new Float32Array(3) }, { shape: [8, 4], values: new Float32Array(32) }),
      ).rejects.toThrow(
        'ParallelDecoupledTrainer.step: x has 3 values for shape [8,20], expected a Float32Array of 160',
      );
      const losses = await trainer.finish();
      expect(losses).toHaveLength(1);
      tf.dispose([x, y, yFloat]);
    } finally {
      await trainer.close();
    }
  });
});

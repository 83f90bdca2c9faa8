import * as tf from '@tensorflow/tfjs-core';
import type { SequenceData } from '../data';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  countStepKernels,
  countStepPrograms,
  median,
  timeTrainingSteps,
  type Experiment,
} from '@gradkit/experiment-runner';
import { fused, useKernels } from '@gradkit/core';
import { gruCell, stackedRnn } from '@gradkit/rnn';
import { timePytorchGru } from '../pytorchGru';

export interface GruSpeedConfig {
  batch: number;
  steps: number;
  units: number;
  warmup: number;
  timed: number;
  /** Also time PyTorch's nn.GRU on the same shapes (scripts/pytorch_gru.py, where python3-torch is installed). */
  pytorch: boolean;
}

/**
 * The multiply-adds of one training step of the 2-layer GRU (input width = units), counted as 2 FLOPs each: per layer
 * the input projection and the recurrent product, 2·B·T·H·3H each forward; backward, each product's weight gradient
 * and input gradient, twice the forward — except the bottom layer's input projection, whose input (the data) needs
 * no gradient. 1.73 GFLOP for batch 32 × 50 steps × 128 units.
 */
export function gruStepFlops(batch: number, steps: number, units: number): number {
  const product = 2 * batch * steps * units * 3 * units;
  return 2 * (2 * product) * 3 - product;
}

/**
 * A benchmark, not a test: one training step (forward, backward, Adam) of a 2-layer GRU, batch 32 × 50 steps ×
 * 128 units (input 128), loss = mean square of the top layer's outputs. @gradkit/rnn's `stackedRnn` of `gruCell`s
 * against tfjs-layers' `gru` layers on the same backend, interleaved step by step; medians and their ratio. Then
 * ours alone, then PyTorch's nn.GRU on the same shapes (scripts/pytorch_gru.py in a child process, one CPU thread,
 * OpenBLAS; also alone), so all three numbers come from one run on one machine. Where torch is not installed the
 * report says so instead.
 */
export const gruSpeedExperiment: Experiment<SequenceData, GruSpeedConfig> = {
  name: 'gru-speed',
  title: '2-layer GRU training step, batch 32 × 50 steps × 128 units: @gradkit/rnn vs tfjs-layers',
  inDefaultSet: false,
  profiles: {
    quick: { batch: 32, steps: 50, units: 128, warmup: 3, timed: 15, pytorch: true },
    paper: { batch: 32, steps: 50, units: 128, warmup: 5, timed: 40, pytorch: true },
    smoke: { batch: 4, steps: 5, units: 8, warmup: 1, timed: 2, pytorch: false },
  },
  async run(ctx, config) {
    const { batch, steps, units } = config;
    const x = tf.randomNormal([batch, steps, units], 0, 1, 'float32', ctx.seed) as tf.Tensor3D;
    const cells = [
      gruCell({ inputSize: units, units, seed: ctx.seed }),
      gruCell({ inputSize: units, units, seed: ctx.seed + 10 }),
    ];
    const ours = {
      optimizer: () => fused.adam(1e-3), // @gradkit/core's fused Adam: one kernel per variable
      vars: cells.flatMap((c) => c.variables),
      loss: () => tf.mean(tf.square(stackedRnn(cells, x).outputs)) as tf.Scalar,
    };
    const model = tfl.sequential({
      layers: [
        tfl.layers.gru({ units, returnSequences: true, inputShape: [steps, units] }),
        tfl.layers.gru({ units, returnSequences: true }),
      ],
    });
    const theirs = {
      vars: model.trainableWeights.map((w) => w.read() as tf.Variable),
      loss: () => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
    };
    const times = await timeTrainingSteps(
      ctx,
      [
        { name: '@gradkit/rnn', ...ours },
        { name: 'tfjs-layers', ...theirs },
      ],
      config,
    );
    const [a, b] = times.map((t) => median(t) as number) as [number, number];
    // PyTorch is timed alone (scripts/pytorch_gru.py), so the comparison with it times ours alone too: interleaved
    // with tfjs-layers, each of our steps also pays for collecting the other model's garbage.
    const [alone] = await timeTrainingSteps(ctx, [{ name: '@gradkit/rnn', ...ours }], config);
    const aloneMs = median(alone ?? []) as number;
    // on webgpu and webgl: the GPU programs one step dispatches (null on cpu and wasm)
    const [oursPrograms, theirPrograms, oursTfjsAdam] = await countStepPrograms([
      { name: '@gradkit/rnn', ...ours },
      { name: 'tfjs-layers', ...theirs },
      { name: '@gradkit/rnn with tf.train.adam', ...ours, optimizer: undefined },
    ]);
    // the same model with gradkit's kernels off (the GRU stepped, tfjs's Adam): what a step cost before the kernels
    const previous = useKernels(false);
    const [oursNoKernels] = await countStepPrograms([
      { name: '@gradkit/rnn, kernels off', ...ours, optimizer: undefined },
    ]).finally(() => useKernels(previous));
    // on every backend: the tfjs kernels one step runs
    const [oursKernels, theirKernels] = await countStepKernels([
      { name: '@gradkit/rnn', ...ours },
      { name: 'tfjs-layers', ...theirs },
    ]);
    cells.forEach((c) => c.dispose());
    model.dispose();
    x.dispose();
    const torch = config.pytorch
      ? timePytorchGru({ batch, steps, units }, config)
      : { ok: false as const, reason: 'not asked for in this profile' };
    return {
      primary: { metric: 'tfjs-layers ms / @gradkit/rnn ms', value: b / a },
      metrics: {
        'ms/step, @gradkit/rnn': a,
        'ms/step, tfjs-layers gru': b,
        'ms/step, @gradkit/rnn alone (to compare with PyTorch, timed alone)': aloneMs,
        'GFLOP/s, @gradkit/rnn alone': gruStepFlops(batch, steps, units) / (aloneMs * 1e6),
        'kernels/step, @gradkit/rnn': oursKernels as number,
        'kernels/step, tfjs-layers gru': theirKernels as number,
        ...(oursPrograms == null
          ? {}
          : {
              'GPU programs/step, @gradkit/rnn': oursPrograms,
              'GPU programs/step, @gradkit/rnn with tf.train.adam': oursTfjsAdam ?? 0,
              'GPU programs/step, @gradkit/rnn with kernels off (stepped, tf.train.adam)': oursNoKernels ?? 0,
              'GPU programs/step, tfjs-layers gru': theirPrograms ?? 0,
            }),
        ...(torch.ok
          ? {
              'ms/step, PyTorch nn.GRU (one CPU thread, OpenBLAS, timed alone)': torch.timing.msPerStepMedian,
              '@gradkit/rnn alone / PyTorch': aloneMs / torch.timing.msPerStepMedian,
              'GFLOP/s, PyTorch': gruStepFlops(batch, steps, units) / (torch.timing.msPerStepMedian * 1e6),
            }
          : {}),
      },
      notes: [
        torch.ok
          ? `PyTorch: ${torch.timing.framework}, ${torch.timing.threads} thread(s), median of ${torch.timing.timedSteps} steps.`
          : `PyTorch not timed: ${torch.reason}.`,
      ],
      stepTimesMs: times[0] ?? [],
      examplesPerStep: batch,
    };
  },
};

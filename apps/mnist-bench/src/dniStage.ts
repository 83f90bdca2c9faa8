/**
 * The stage module of mnist-bench's `dni-parallel` experiments (built to dist/dniStage.js): in a worker thread of
 * @gradkit/synthetic-grad's ParallelDecoupledTrainer it builds one stage of R2RT post 8's network — or of a wider
 * one — on its own tfjs backend; imported on the main thread it only exports `buildDniStage`, which the experiment
 * uses to rebuild the network for evaluation.
 *
 * Module i is a stack of [Dense → BN → ReLU] layers (`widths[i]`; the post's: one layer of 256), with a synthesizer
 * on its output; the last stage also has the linear head. Seeds as in the sequential `dni-*` experiments
 * (module i's first layer seed·10 + 1 + i, head seed·10 + 3, synthesizer i seed·100 + i), so the sequential
 * schedule repeats `dni-synthetic-gradient` / `dni-backprop` exactly on the post's network.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gradkit/backends';
import {
  createSynthesizer,
  denseModule,
  serveStage,
  stackModules,
  type StageContext,
  type StageDefinition,
} from '@gradkit/synthetic-grad';

export interface DniStageArgs {
  backend: string;
  features: number;
  classes: number;
  /** Per hidden module, its layers' widths (the post: [[256], [256]]). */
  widths: number[][];
  /** Hidden modules per stage. */
  perStage: number;
  synthesizerHidden: number[];
  conditioned: boolean;
  learningRate: number;
  seed: number;
  /** 'dense': the decoupled runs' kernel and bias only (the post); 'all': also BN γ/β (its backprop baseline). */
  trainable: 'dense' | 'all';
}

export async function buildDniStage({ index, count, args }: StageContext): Promise<StageDefinition> {
  const a = args as DniStageArgs;
  await useBackend(a.backend);
  const first = index * a.perStage;
  const last = index === count - 1 ? a.widths.length : Math.min(a.widths.length, first + a.perStage);
  const modules = [];
  const synthesizers = [];
  for (let i = first; i < last; i++) {
    const widths = a.widths[i] as number[];
    let inputDim = i === 0 ? a.features : (a.widths[i - 1]?.at(-1) as number);
    const layers = widths.map((units, j) => {
      const layer = denseModule({
        name: `h${i + 1}${widths.length > 1 ? `.${j + 1}` : ''}`,
        inputDim,
        units,
        batchNorm: true,
        trainable: a.trainable,
        seed: a.seed * 10 + 1 + i + 1000 * j,
      });
      inputDim = units;
      return layer;
    });
    modules.push(layers.length === 1 ? (layers[0] as (typeof layers)[0]) : stackModules(`h${i + 1}`, layers));
    synthesizers.push(
      createSynthesizer({
        dim: inputDim,
        hidden: a.synthesizerHidden,
        labelClasses: a.conditioned ? a.classes : 0,
        seed: a.seed * 100 + i,
      }),
    );
  }
  const top = a.widths.at(-1)?.at(-1) as number;
  return {
    modules,
    synthesizers,
    method: 'synthetic-gradient',
    optimizer: () => tf.train.adam(a.learningRate),
    ...(index === count - 1
      ? {
          head: denseModule({
            name: 'logits',
            inputDim: top,
            units: a.classes,
            activation: 'linear',
            seed: a.seed * 10 + 3,
          }),
          loss: (logits: tf.Tensor, labels: tf.Tensor) => tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)),
        }
      : {}),
  };
}

serveStage(buildDniStage);

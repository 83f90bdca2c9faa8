import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@gradkit/core';
import { DecoupledTrainer, type TrainingMethod } from '@gradkit/synthetic-grad';
import { accuracy, BatchStream, post8Loss, post8Network, toTensors } from 'mnist-bench/browser';
import { evaluationsEvery, type PlaygroundExperiment } from '../experiment';

interface Variant {
  label: string;
  method: TrainingMethod;
  conditioned: boolean;
}

const VARIANTS: Variant[] = [
  { label: 'backprop', method: 'backprop', conditioned: false },
  { label: 'DNI (synthetic gradients)', method: 'synthetic-gradient', conditioned: false },
  { label: 'cDNI (conditioned on the labels)', method: 'synthetic-gradient', conditioned: true },
];

/**
 * Post 8's network (784 → [Dense → BN → ReLU] × 2 → Dense 10, per-example cross-entropy summed, one Adam for
 * everything, BN's γ/β trained only by backprop as in the post) trained three ways side by side on the same batches,
 * at a size and learning rate that show the difference in a quick run: 128 units, synthesizers with one hidden layer
 * of 256 (the post: 256 units, synthesizers of two layers of 1024), Adam 1e-3 (the post: 3e-5 for 25,000 steps),
 * batches of 32 (the post: 256).
 */
export const syntheticGradients: PlaygroundExperiment = {
  name: 'synthetic-gradients',
  title: 'Synthetic gradients: backprop vs DNI vs cDNI, 784-128-128-10 with batch norm',
  post: 'post 8: synthetic gradients',
  about:
    'With synthetic gradients each layer updates as soon as its own forward pass is done, from a small network ' +
    '(its synthesizer) that predicts the gradient the layers above will send; the synthesizer learns from the ' +
    'gradients that do arrive (bootstrapped from the synthesizer above). DNI predicts from the layer’s output alone ' +
    'and lags behind backprop; cDNI also sees the labels and comes closer (the post: level with backprop after ' +
    '25,000 steps). One step trains all three on the same batch. @gradkit/synthetic-grad’s DecoupledTrainer, as its ' +
    'README composes it.',
  quickSteps: 150,
  data: 'mnist',
  async create({ data, seed, steps }) {
    const d = await data.mnist();
    const config = { hidden: 128, synthesizerHidden: [256], learningRate: 1e-3, batchSize: 32, steps };
    const evalEvery = evaluationsEvery(steps, 5);
    const runs = VARIANTS.map((variant, v) => {
      // post 8's network as mnist-bench's dni-* experiments build it (smaller here)
      const { modules, head, synthesizers } = post8Network({
        features: d.features,
        classes: d.classes,
        hidden: config.hidden,
        synthesizerHidden: config.synthesizerHidden,
        method: variant.method,
        conditioned: variant.conditioned,
        seed,
        suffix: `_${v}`,
      });
      const trainer = new DecoupledTrainer({
        modules,
        head,
        method: variant.method,
        synthesizers,
        loss: post8Loss,
        optimizer: () => tf.train.adam(config.learningRate),
      });
      return { variant, trainer, parts: [...modules, head, ...(synthesizers ?? [])] };
    });
    const batches = new BatchStream(d.trainFull, d.features, config.batchSize, createRng(seed));
    const losses = new Map<string, number>();
    return {
      config: { ...config, evalEvery },
      examplesPerStep: config.batchSize * runs.length,
      evalEvery,
      async step() {
        const { images, labels } = batches.nextArrays();
        const { x, y } = toTensors(images, labels, d.features, d.classes);
        for (const r of runs) losses.set(r.variant.label, (await r.trainer.step(x, y)).loss);
        tf.dispose([x, y]);
        return tf.scalar(losses.get(VARIANTS[0]?.label ?? '') ?? NaN);
      },
      async evaluate() {
        const out: Record<string, number> = {};
        for (const r of runs)
          out[`test accuracy | ${r.variant.label}`] = await accuracy(
            (x) => r.trainer.predict(x, false) as tf.Tensor2D,
            d.test,
            d.features,
          );
        return out;
      },
      async finish(final) {
        const of = (label: string) => final[`test accuracy | ${label}`] as number;
        return {
          primary: { metric: 'test accuracy, cDNI', value: of('cDNI (conditioned on the labels)') },
          metrics: {
            'test accuracy, backprop': of('backprop'),
            'test accuracy, DNI': of('DNI (synthetic gradients)'),
            ...Object.fromEntries([...losses].map(([label, loss]) => [`last training loss, ${label}`, loss])),
          },
          notes: [],
        };
      },
      dispose() {
        for (const r of runs) {
          r.trainer.dispose();
          r.parts.forEach((m) => m.dispose());
        }
      },
    };
  },
};

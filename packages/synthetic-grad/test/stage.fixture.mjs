// A stage module for the parallel trainer's tests (run in worker threads against the built package): the post's
// MNIST network made small — [Dense → BN → ReLU] modules, a linear head — split into stages, one hidden module each
// unless args.perStage says otherwise. args: { inputDim, hidden, classes, synthesizerHidden, conditioned, seed,
// perStage, backend, failAt: { stage, step } }.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gradkit/backends';
import { createSynthesizer, denseModule, serveStage } from '@gradkit/synthetic-grad';

export async function build({ index, count, args }) {
  await useBackend(args.backend ?? 'wasm');
  const perStage = args.perStage ?? 1;
  const sizes = [args.inputDim, ...args.hidden];
  const first = index * perStage;
  const modules = [];
  const synthesizers = [];
  for (let i = first; i < Math.min(first + perStage, args.hidden.length); i++) {
    const module = denseModule({
      name: `m${i}`,
      inputDim: sizes[i],
      units: sizes[i + 1],
      batchNorm: true,
      trainable: 'dense',
      seed: args.seed + i,
    });
    if (args.failAt?.stage === index) {
      let calls = 0;
      const forward = module.forward.bind(module);
      module.forward = (x, training) => {
        if (calls++ === args.failAt.step) throw new Error(`injected fault in m${i}`);
        return forward(x, training);
      };
    }
    modules.push(module);
    synthesizers.push(
      createSynthesizer({
        kind: 'gradient',
        dim: sizes[i + 1],
        hidden: args.synthesizerHidden,
        labelClasses: args.conditioned ? args.classes : 0,
        seed: args.seed + 100 + i,
      }),
    );
  }
  const last = index === count - 1;
  return {
    modules,
    synthesizers,
    method: 'synthetic-gradient',
    optimizer: () => tf.train.adam(1e-3),
    ...(last
      ? {
          head: denseModule({
            name: 'head',
            inputDim: sizes[sizes.length - 1],
            units: args.classes,
            activation: 'linear',
            seed: args.seed + 50,
          }),
          loss: (logits, labels) =>
            tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.NONE),
        }
      : {}),
  };
}

serveStage(build);

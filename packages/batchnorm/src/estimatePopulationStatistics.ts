import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BatchNorm } from './BatchNormLayer';
import { resetPopulationStatistics, type PopulationStatistics } from './populationStatistics';

/** A model of your own: its batch-norm states and a forward pass that runs them in training mode. */
export interface StatisticsModel {
  populationStatistics(): PopulationStatistics[];
  /** Runs the model on `x` with batch norm in training mode and statistics update `update`. */
  forward(x: tf.Tensor, update: 'cumulative'): void;
}

/**
 * Recomputes the population statistics of every batch-norm layer from data, after training (the post's
 * suggestion; PyTorch's `torch.optim.swa_utils.update_bn`): the statistics are reset, the model runs over
 * `batches` in training mode with exact cumulative averaging, and each layer's previous update mode is restored.
 * The weights do not change. Works on `tf.LayersModel`s with {@link BatchNorm} layers and on any
 * {@link StatisticsModel}. Returns the number of batches seen.
 */
export async function estimatePopulationStatistics(
  model: tfl.LayersModel | StatisticsModel,
  batches: Iterable<tf.Tensor> | AsyncIterable<tf.Tensor>,
): Promise<number> {
  let seen = 0;
  if (isStatisticsModel(model)) {
    model.populationStatistics().forEach(resetPopulationStatistics);
    for await (const x of batches) {
      tf.tidy(() => model.forward(x, 'cumulative'));
      seen += 1;
    }
    return seen;
  }
  const layers = model.layers.filter((l): l is BatchNorm => l instanceof BatchNorm);
  if (layers.length === 0)
    throw new Error(`estimatePopulationStatistics: model "${model.name}" has no BatchNorm layer`);
  const modes = layers.map((l) => l.statistics);
  try {
    for (const l of layers) {
      resetPopulationStatistics(l.populationStatistics());
      l.statistics = 'cumulative';
    }
    for await (const x of batches) {
      tf.dispose(tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]));
      seen += 1;
    }
  } finally {
    layers.forEach((l, i) => (l.statistics = modes[i] as BatchNorm['statistics']));
  }
  return seen;
}

function isStatisticsModel(model: unknown): model is StatisticsModel {
  return (
    typeof (model as StatisticsModel).populationStatistics === 'function' &&
    typeof (model as StatisticsModel).forward === 'function'
  );
}

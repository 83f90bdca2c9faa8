import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, createPopulationStatistics, disposePopulationStatistics } from '@gradkit/batchnorm';
import { dense, glorotUniform } from '@gradkit/core';
import { makeVariable, type Module } from './module';

export interface DenseModuleOptions {
  name: string;
  inputDim: number;
  units: number;
  /** Batch norm between the product and the activation (default false). */
  batchNorm?: boolean;
  activation?: 'relu' | 'linear';
  /**
   * What updates change: `'dense'` the kernel and bias only (R2RT post 8's decoupled runs: BN γ/β never train),
   * `'all'` also γ and β (its backprop baseline). Default `'all'`.
   */
  trainable?: 'dense' | 'all';
  seed?: number;
}

/**
 * Dense (Glorot-uniform kernel, zero bias) → optional batch norm (batch statistics in training, EMA population
 * statistics at inference) → ReLU or nothing. The caller disposes it.
 */
export function denseModule(options: DenseModuleOptions): Module {
  const { name, inputDim, units, batchNorm: useBn = false, activation = 'relu', trainable = 'all', seed = 1 } = options;
  if (trainable !== 'dense' && trainable !== 'all')
    throw new TypeError(`denseModule: trainable = ${JSON.stringify(trainable)}, expected 'dense' or 'all'`);
  const w = makeVariable(() => glorotUniform([inputDim, units], seed), `${name}/kernel`);
  const b = makeVariable(() => tf.zeros([units]), `${name}/bias`);
  const bn = useBn
    ? {
        gamma: makeVariable(() => tf.ones([units]), `${name}/gamma`),
        beta: makeVariable(() => tf.zeros([units]), `${name}/beta`),
        stats: createPopulationStatistics(units, `${name}/bn`),
      }
    : null;
  const variables = [w, b, ...(bn ? [bn.gamma, bn.beta] : [])];
  return {
    name,
    variables,
    trainable: trainable === 'all' ? variables : [w, b],
    state: bn ? [bn.stats.mean, bn.stats.variance, bn.stats.count] : [],
    forward(x: tf.Tensor, training: boolean): tf.Tensor {
      if (bn == null) return dense(x, w, b, activation);
      // tidy: the product and the pre-activation must not outlive a call made outside a tidy or a tape
      return tf.tidy(() => {
        const z = batchNorm(dense(x, w, b), bn, bn.stats, { training, decay: 0.99 });
        return activation === 'relu' ? tf.relu(z) : z;
      });
    },
    dispose() {
      tf.dispose(variables);
      if (bn) disposePopulationStatistics(bn.stats);
    },
  };
}

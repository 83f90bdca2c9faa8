/**
 * Registers tfjs-core's gradients and chained ops (`x.sum()`), which tfjs-core's Node build leaves out, plus
 * gradkit's discrete-gradient guard and its backend-aware matrix-product gradient (`matMulTransposed`). Imported for its side effect by `@gradkit/core` and `@gradkit/backends`, so
 * a user of either can never end up without gradients; importing it again is harmless.
 *
 * Only missing gradients are registered — a gradient the user (or the `@tensorflow/tfjs` union package)
 * registered first is left alone — except tfjs's zero gradients of the discrete ops and its BatchMatMul gradient,
 * which are replaced by numerically identical ones and stay so whatever is imported after gradkit, in any order
 * (`releaseGradient` hands one back); tfjs never prints "Overriding the gradient".
 */
import * as tf from '@tensorflow/tfjs-core';
import { gradConfigs } from './tfjsGradients';
import { discreteGradientConfigs, isDiscreteGradientConfig } from './discreteGradientGuard';
import { ownGradient } from './gradientOwnership';
import { batchMatMulGradConfig } from './matMulTransposed';

/** Registers every missing gradient; returns the kernel names it registered. */
export function registerGradients(): string[] {
  const registered: string[] = [];
  for (const config of gradConfigs) {
    if (tf.getGradient(config.kernelName) == null) {
      tf.registerGradient(config);
      registered.push(config.kernelName);
    }
  }
  // The guard replaces tfjs's zero gradients for Sign, Round, Step, Floor and Ceil with identical zeros that
  // report their use (see setDiscreteGradientPolicy); the matrix-product gradient computes its transposed products
  // the fastest way the backend has (setTransposeStrategy), with tfjs's formulas and numbers. Both stay installed
  // whatever is imported later (gradientOwnership.ts); tfjs never prints "Overriding the gradient".
  for (const config of discreteGradientConfigs()) {
    if (!isDiscreteGradientConfig(tf.getGradient(config.kernelName))) ownGradient(config);
  }
  if (tf.getGradient('BatchMatMul') !== batchMatMulGradConfig) ownGradient(batchMatMulGradConfig);
  return registered;
}

registerGradients();

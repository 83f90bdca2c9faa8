/**
 * Registers tfjs-core's gradients and chained ops (`x.sum()`), which tfjs-core's Node build leaves out, plus
 * gradkit's discrete-gradient guard and its backend-aware matrix-product gradient (`matMulTransposed`). Imported for its side effect by `@gradkit/core` and `@gradkit/backends`, so
 * a user of either can never end up without gradients; importing it again is harmless.
 *
 * Only missing gradients are registered — a gradient the user (or the `@tensorflow/tfjs` union package)
 * registered first is left alone — except tfjs's zero gradients of the discrete ops and its BatchMatMul gradient,
 * which are replaced by numerically identical ones; tfjs never prints "Overriding the gradient".
 */
import * as tf from '@tensorflow/tfjs-core';
import { gradConfigs } from '../generated/tfjs-gradients.js';
import { discreteGradientConfigs, isDiscreteGradientConfig } from './discreteGradientGuard';
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
  // report their use (see setDiscreteGradientPolicy).
  for (const config of discreteGradientConfigs()) {
    if (!isDiscreteGradientConfig(tf.getGradient(config.kernelName))) {
      if (tf.getGradient(config.kernelName) != null) tf.unregisterGradient(config.kernelName);
      tf.registerGradient(config);
    }
  }
  // The matrix-product gradient computes its transposed products the fastest way the backend has
  // (setTransposeStrategy); same formulas and numbers as tfjs's. Unregistering first keeps tfjs from printing
  // "Overriding the gradient".
  if (tf.getGradient('BatchMatMul') !== batchMatMulGradConfig) {
    if (tf.getGradient('BatchMatMul') != null) tf.unregisterGradient('BatchMatMul');
    tf.registerGradient(batchMatMulGradConfig);
  }
  return registered;
}

registerGradients();

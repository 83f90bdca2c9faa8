// The browser build's tfjs-core gradients: the very modules @tensorflow/tfjs imports to register them, so that an
// app bundling both pays for them once (a bundler keeps one copy of each module), where the Node bundle
// (tfjsGradients.ts, ~150 KB minified) would be a second copy. They register every gradient as they load; gradkit's
// own (the discrete-op guard, the matrix-product gradient) are installed after them by register-gradients.ts.
import type * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

/** Nothing left to register: the imports above did it. */
export const gradConfigs: tf.GradConfig[] = [];

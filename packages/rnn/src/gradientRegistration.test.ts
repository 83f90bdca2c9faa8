// The import order of an app that loads @gradkit/core first and tfjs-layers after it.
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulGradConfig } from '@gradkit/core';
import '@tensorflow/tfjs-layers';
import { describe, expect, test } from '@gradkit/test-harness';

describe('@gradkit/rnn and tfjs-layers', () => {
  test("tfjs-layers registers tfjs's stock gradients as it loads; @gradkit/core's BatchMatMul gradient stays installed", async () => {
    expect(tf.getGradient('BatchMatMul')).toBe(batchMatMulGradConfig);
    await import('./index');
    expect(tf.getGradient('BatchMatMul')).toBe(batchMatMulGradConfig);
  });
});

// The import order of an app that loads @gradkit/core first and tfjs-layers after it.
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulGradConfig } from '@gradkit/core';
import '@tensorflow/tfjs-layers';
import { describe, expect, test } from '@gradkit/test-harness';

describe('@gradkit/rnn and tfjs-layers', () => {
  test("tfjs-layers registers tfjs's stock BatchMatMul gradient over @gradkit/core's; loading @gradkit/rnn puts gradkit's back", async () => {
    expect(tf.getGradient('BatchMatMul')).not.toBe(batchMatMulGradConfig);
    await import('./index');
    expect(tf.getGradient('BatchMatMul')).toBe(batchMatMulGradConfig);
  });
});

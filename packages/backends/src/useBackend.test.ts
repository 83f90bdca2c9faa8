// browser-tests: node-only — the Node build's providers (tfjs-node, Dawn, webgl absent in Node) and their error texts
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulGradConfig } from '@gradkit/core';
import { describe, describeBackends, expect, expectTensorClose, test } from '@gradkit/test-harness';
import { availableBackends, BACKEND_NAMES, BackendUnavailableError, useBackend } from './index';

describeBackends('useBackend', (backend) => {
  test('selects the backend, and a matmul and its gradient are right there', async () => {
    const status = await useBackend(backend.name);
    expect(tf.getBackend()).toBe(status.tfName);
    expect(status.available).toBe(true);
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [5, 6],
      [7, 8],
    ]);
    const c = tf.matMul(a, b);
    await expectTensorClose(c, [
      [19, 22],
      [43, 50],
    ]);
    // ∂/∂a Σ(a·b) = 1·bᵀ: rows [5+6, 7+8]
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, b)))(a);
    await expectTensorClose(g, [
      [11, 15],
      [11, 15],
    ]);
    tf.dispose([a, b, c, g]);
  });

  test("keeps @gradkit/core's BatchMatMul gradient when something unregisters it and registers tfjs's (tfjs-layers does)", async () => {
    const stock: tf.GradConfig = { kernelName: 'BatchMatMul', inputsToSave: ['a', 'b'], gradFunc: () => ({}) };
    tf.unregisterGradient('BatchMatMul');
    tf.registerGradient(stock);
    expect(tf.getGradient('BatchMatMul')).toBe(batchMatMulGradConfig);
    await useBackend(backend.name);
    expect(tf.getGradient('BatchMatMul')).toBe(batchMatMulGradConfig);
  });
});

describe('availableBackends', () => {
  test('lists every backend once, each available or with a reason', async () => {
    const report = await availableBackends();
    expect(report.map((s) => s.name)).toEqual([...BACKEND_NAMES]);
    for (const s of report) {
      if (s.available) expect(typeof s.device).toBe('string');
      else expect(s.reason).toMatch(/\S/);
    }
    // cpu and wasm need nothing outside node_modules
    expect(report.filter((s) => s.name === 'cpu' || s.name === 'wasm').every((s) => s.available)).toBe(true);
  });

  test('probing registers no backend with tfjs', async () => {
    const before = Object.keys(tf.engine().registryFactory).sort();
    await availableBackends();
    expect(Object.keys(tf.engine().registryFactory).sort()).toEqual(before);
  });
});

describe('useBackend errors', () => {
  test('an unknown name is a one-line error listing the known ones', async () => {
    await expect(useBackend('tpu')).rejects.toThrow(
      'Unknown backend "tpu": expected one of cpu, wasm, webgl, webgpu, tensorflow, tensorflow-gpu',
    );
  });

  test('webgl in Node: unavailable, saying it needs a browser', async () => {
    const error = await useBackend('webgl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(
      'Backend "webgl" is unavailable: WebGL needs a browser: Node has none (tfjs\'s webgl backend would need a headless GL context, which gradkit does not set up)',
    );
  });

  test('tfjs-node missing: the reason says it is not installed and why installing may fail', async () => {
    const report = await availableBackends();
    const node = report.find((s) => s.name === 'tensorflow');
    if (node?.available) return; // a machine with tfjs-node installed: nothing to check here
    const error = await useBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      /^Backend "tensorflow" is unavailable: @tensorflow\/tfjs-node is not installed \(optional peer dependency; /,
    );
    expect((error as BackendUnavailableError).status.reason).toBe(node?.reason);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, describeBackends, expect, randomInput, test } from '@gradkit/test-harness';
import { compositeKernel, defineKernelOp, hasKernel, matMulTransposed, sumRows, useKernels } from './index';
import { registerCoreKernels } from './kernels/register';

describeBackends('defineKernelOp', (backend) => {
  test('runs the registered kernel on a backend that has one and the reference elsewhere; both differentiate', async () => {
    const used: string[] = [];
    // x ↦ 2x: the reference in tfjs ops, the kernel from the backend's own Add kernel (x + x)
    const twice = defineKernelOp<Record<string, never>>({
      kernelName: `GradkitTestTwice${backend.name}`,
      reference: ({ x }) => {
        used.push('reference');
        return tf.mul(x as tf.Tensor, 2);
      },
      gradient: { gradFunc: (dy) => ({ x: () => tf.mul(dy as tf.Tensor, 2) }) },
    });
    const input = randomInput([2, 3], 4);
    await checkGradients({ f: (x) => twice({ x }, {}), reference: (v) => v.map((u) => 2 * u), inputs: [input] });
    expect(used.length).toBeGreaterThan(0);
    tf.registerKernel({
      kernelName: `GradkitTestTwice${backend.name}`,
      backendName: tf.getBackend(),
      kernelFunc: compositeKernel(tf.getBackend(), (call, { x }) => {
        used.push('kernel');
        return call('Add', { a: x as tf.TensorInfo, b: x as tf.TensorInfo });
      }),
    });
    expect(hasKernel(`GradkitTestTwice${backend.name}`)).toBe(true);
    used.length = 0;
    await checkGradients({ f: (x) => twice({ x }, {}), reference: (v) => v.map((u) => 2 * u), inputs: [input] });
    expect(new Set(used)).toEqual(new Set(['kernel']));
    // kernels off: the reference runs although the kernel is registered; on again: the kernel
    expect(useKernels(false)).toBe(true);
    expect(hasKernel(`GradkitTestTwice${backend.name}`)).toBe(false);
    used.length = 0;
    try {
      await checkGradients({ f: (x) => twice({ x }, {}), reference: (v) => v.map((u) => 2 * u), inputs: [input] });
    } finally {
      expect(useKernels(true)).toBe(false);
    }
    expect(new Set(used)).toEqual(new Set(['reference']));
    expect(() => useKernels('no' as never)).toThrow('useKernels: on is no, expected true or false');
    tf.unregisterKernel(`GradkitTestTwice${backend.name}`, tf.getBackend());
    expect(() =>
      defineKernelOp({
        kernelName: 'SumRows',
        reference: ({ x }) => x as tf.Tensor,
        gradient: { gradFunc: () => ({}) },
      }),
    ).toThrow('defineKernelOp: kernelName "SumRows", expected a name starting with "Gradkit"');
  });

  test('composite kernels release their intermediate results on the backend (no data left behind)', async () => {
    const x = tf.tensor2d(randomInput([40, 7], 5).values, [40, 7]);
    const w = tf.tensor2d(randomInput([9, 7], 6).values, [9, 7]);
    const before = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) {
      tf.dispose([sumRows(x), matMulTransposed(x, w, false, true), matMulTransposed(x, x, true, false)]);
    }
    expect(tf.engine().backend.numDataIds()).toBe(before);
    tf.dispose([x, w]);
  });
  test('a gradient already registered for the kernel (by another copy of the package) is kept', () => {
    const kernelName = `GradkitTestKept${backend.name}`;
    const first: tf.GradConfig = { kernelName, gradFunc: (dy) => ({ x: () => tf.mul(dy as tf.Tensor, 2) }) };
    tf.registerGradient(first);
    defineKernelOp<Record<string, never>>({
      kernelName,
      reference: ({ x }) => tf.mul(x as tf.Tensor, 2),
      gradient: { gradFunc: (dy) => ({ x: () => tf.mul(dy as tf.Tensor, 2) }) },
    });
    expect(tf.getGradient(kernelName)).toBe(first);
    tf.unregisterGradient(kernelName);
  });

  test('a composite kernel calling a kernel the backend lacks is a one-line error', () => {
    const kernelName = `GradkitTestMissing${backend.name}`;
    tf.registerKernel({
      kernelName,
      backendName: tf.getBackend(),
      kernelFunc: compositeKernel(tf.getBackend(), (call, { x }) =>
        call('GradkitNoSuchKernel', { x: x as tf.TensorInfo }),
      ),
    });
    const x = tf.ones([2]);
    expect(() => tf.engine().runKernel(kernelName, { x })).toThrow(
      `compositeKernel: backend "${tf.getBackend()}" has no kernel "GradkitNoSuchKernel"`,
    );
    tf.unregisterKernel(kernelName, tf.getBackend());
    x.dispose();
  });
  test("registering core's kernels again keeps the registered ones (tfjs is never asked to replace a kernel)", () => {
    const keys = [
      ['GradkitSumRows', 'cpu'],
      ['GradkitSumRows', 'wasm'],
      ['GradkitMatMulTransposed', 'wasm'],
    ] as const;
    const before = keys.map(([k, b]) => tf.getKernel(k, b));
    expect(before.every((k) => k != null)).toBe(true);
    registerCoreKernels();
    keys.forEach(([k, b], i) => expect(tf.getKernel(k, b)).toBe(before[i]));
  });
});

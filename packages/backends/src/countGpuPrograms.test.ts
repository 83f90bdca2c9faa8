import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expect, test } from '@gradkit/test-harness';
import { canCountGpuPrograms, countGpuPrograms } from './index';

describeBackends('countGpuPrograms', (backend) => {
  const gpu = backend.name === 'webgpu' || backend.name === 'webgl';

  if (!gpu) {
    test('a backend without GPU programs: one line naming it', () => {
      expect(canCountGpuPrograms()).toBe(false);
      expect(() => countGpuPrograms()).toThrow(
        `countGpuPrograms: backend "${tf.getBackend()}" runs no GPU programs, expected a webgpu or webgl backend`,
      );
    });
    return;
  }

  // 4,096 elements: tfjs runs smaller ops on host data on the CPU (its CPU handoff), which dispatches nothing
  const N = 4096;

  test('counts the programs of each op: three of the same op are three times one; none before start or after stop', async () => {
    const a = tf.range(0, N);
    const b = tf.fill([N], 2);
    const warm = tf.add(a, b); // uploads and compiles outside the count
    await warm.data();

    expect(canCountGpuPrograms()).toBe(true);
    const one = countGpuPrograms();
    expect(one.backend).toBe(tf.getBackend());
    const r1 = tf.add(a, b);
    const k = one.stop();
    expect(k).toBeGreaterThanOrEqual(1);

    const three = countGpuPrograms();
    const rs = [tf.add(a, b), tf.add(a, b)];
    const overlapping = countGpuPrograms(); // starts before the third op: counts only it
    rs.push(tf.add(a, b));
    expect(overlapping.stop()).toBe(k);
    expect(three.programs).toBe(3 * k);
    expect(three.stop()).toBe(3 * k);

    const later = tf.add(a, b); // after stop: not counted
    await later.data();
    expect(three.stop()).toBe(3 * k);
    expect(one.programs).toBe(k);
    expect(Array.from((await r1.data()).slice(0, 3))).toEqual([2, 3, 4]);
    tf.dispose([a, b, warm, r1, ...rs, later]);
  });

  test('a matrix product and a reduction each count, and reading a result back adds no compute program on webgpu', async () => {
    const x = tf.fill([64, 64], 0.5);
    await x.data();
    const counter = countGpuPrograms();
    const p = tf.matMul(x, x);
    const s = tf.sum(p);
    const afterOps = counter.programs;
    expect(afterOps).toBeGreaterThanOrEqual(2);
    expect(Array.from(await s.data())).toEqual([64 * 64 * 64 * 0.25]);
    if (backend.name === 'webgpu') expect(counter.programs).toBe(afterOps);
    counter.stop();
    tf.dispose([x, p, s]);
  });
});

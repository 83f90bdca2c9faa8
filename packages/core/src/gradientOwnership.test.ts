import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, test } from '@gradkit/test-harness';
import { batchMatMulGradConfig, ownedGradients, registerGradients, releaseGradient } from './index';
import { isDiscreteGradientConfig } from './discreteGradientGuard';
import { ownGradient } from './gradientOwnership';

// In this process (the module-loading cases, with @tensorflow/tfjs imported before or after, are in
// importOrder.test.ts): the ownership table and tfjs's registry as a user sees them.
describe('gradient ownership', () => {
  afterEach(() => {
    // back to what importing @gradkit/core leaves: every owned kernel gradkit's again
    registerGradients();
  });

  test('gradkit owns the discrete kernels and BatchMatMul', () => {
    expect(ownedGradients()).toEqual(['Sign', 'Round', 'Step', 'Floor', 'Ceil', 'BatchMatMul']);
    expect(tf.getGradient('BatchMatMul')).toBe(batchMatMulGradConfig);
    expect(isDiscreteGradientConfig(tf.getGradient('Floor'))).toBe(true);
    expect(isDiscreteGradientConfig(tf.getGradient('Sin'))).toBe(false);
    expect(isDiscreteGradientConfig(undefined)).toBe(false);
  });

  test('every copy of @gradkit/core finds the shared state under its registered symbols', () => {
    // what an ESM and a CJS copy in one process agree on: the ownership table and the mark of the guard's configs
    const table = (globalThis as unknown as Record<symbol, { owned: Map<string, tf.GradConfig> }>)[
      Symbol.for('@gradkit/core.gradientOwnership')
    ];
    expect([...(table?.owned.keys() ?? [])]).toEqual(ownedGradients());
    expect(table?.owned.get('BatchMatMul')).toBe(batchMatMulGradConfig);
    const sign = tf.getGradient('Sign') as unknown as Record<symbol, unknown>;
    expect(sign[Symbol.for('@gradkit/core.discreteGradient')]).toBe(true);
  });

  test('a later registration is kept aside; releaseGradient puts it in place, once', () => {
    const mine: tf.GradConfig = { kernelName: 'Floor', gradFunc: (dy) => ({ x: () => tf.onesLike(dy as tf.Tensor) }) };
    tf.registerGradient(mine);
    expect(isDiscreteGradientConfig(tf.getGradient('Floor'))).toBe(true);
    expect(releaseGradient('Floor')).toBe(true);
    expect(tf.getGradient('Floor')).toBe(mine);
    expect(ownedGradients()).not.toContain('Floor');
    // no longer owned: a registration now replaces, and a second release hands back nothing
    const other: tf.GradConfig = {
      kernelName: 'Floor',
      gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as tf.Tensor) }),
    };
    tf.registerGradient(other);
    expect(tf.getGradient('Floor')).toBe(other);
    expect(releaseGradient('Floor')).toBe(false);
    expect(tf.getGradient('Floor')).toBe(other);
    tf.unregisterGradient('Floor');
  });

  test('a kernel that had no gradient before it was owned has none after its release', () => {
    const config: tf.GradConfig = { kernelName: 'GradkitTestFresh', gradFunc: () => ({}) };
    ownGradient(config);
    expect(tf.getGradient('GradkitTestFresh')).toBe(config);
    // registering the owned config itself again keeps nothing aside
    tf.registerGradient(config);
    expect(tf.getGradient('GradkitTestFresh')).toBe(config);
    expect(releaseGradient('GradkitTestFresh')).toBe(true);
    expect(tf.getGradient('GradkitTestFresh')).toBeUndefined();
    // none at all: tfjs's registry (a Map on globalThis) has no entry for it
    const registry = (globalThis as unknown as { _tfGlobals: Map<string, Map<string, unknown>> })._tfGlobals.get(
      'gradRegistry',
    );
    expect(registry?.has('GradkitTestFresh')).toBe(false);
  });

  test("a second copy of @gradkit/core owning BatchMatMul with its own config keeps tfjs's gradient aside, not the first copy's", () => {
    const tfjs = (() => {
      releaseGradient('BatchMatMul');
      const config = tf.getGradient('BatchMatMul');
      registerGradients();
      return config;
    })();
    // another copy's config: the same gradient, a different object
    ownGradient({ ...batchMatMulGradConfig });
    expect(tf.getGradient('BatchMatMul')).not.toBe(batchMatMulGradConfig);
    expect(releaseGradient('BatchMatMul')).toBe(true);
    expect(tf.getGradient('BatchMatMul')).toBe(tfjs);
  });

  test("unregistered and registered again by registerGradients, an owned kernel keeps gradkit's; tfjs's is kept aside", () => {
    tf.unregisterGradient('Ceil');
    registerGradients();
    expect(isDiscreteGradientConfig(tf.getGradient('Ceil'))).toBe(true);
    expect(releaseGradient('Ceil')).toBe(true);
    const tfjs = tf.getGradient('Ceil') as tf.GradConfig;
    expect(isDiscreteGradientConfig(tfjs)).toBe(false);
    expect(tfjs.kernelName).toBe('Ceil');
  });

  test("releasing BatchMatMul puts tfjs's gradient back; registerGradients takes it again", () => {
    const tfjs = (() => {
      expect(releaseGradient('BatchMatMul')).toBe(true);
      return tf.getGradient('BatchMatMul');
    })();
    expect(tfjs).toBeDefined();
    expect(tfjs).not.toBe(batchMatMulGradConfig);
    expect((tfjs as tf.GradConfig).kernelName).toBe('BatchMatMul');
    expect(registerGradients()).toEqual([]);
    expect(tf.getGradient('BatchMatMul')).toBe(batchMatMulGradConfig);
    // and a second release restores tfjs's again (it was kept aside a second time)
    expect(releaseGradient('BatchMatMul')).toBe(true);
    expect(tf.getGradient('BatchMatMul')).toBe(tfjs);
  });

  test('owning the config that is already installed keeps nothing aside', () => {
    const config: tf.GradConfig = { kernelName: 'GradkitTestOwned', gradFunc: () => ({}) };
    tf.registerGradient(config);
    ownGradient(config);
    expect(ownedGradients()).toContain('GradkitTestOwned');
    expect(releaseGradient('GradkitTestOwned')).toBe(true);
    expect(tf.getGradient('GradkitTestOwned')).toBeUndefined();
  });

  test('a kernel gradkit never owned is not released', () => {
    expect(releaseGradient('Sin')).toBe(false);
    expect(tf.getGradient('Sin')).toBeDefined();
  });

  test("without tfjs-core's gradient registry on globalThis: a one-line error", () => {
    const globals = (globalThis as unknown as { _tfGlobals: Map<string, unknown> })._tfGlobals;
    const registry = globals.get('gradRegistry');
    globals.delete('gradRegistry');
    try {
      expect(() => ownedGradients()).toThrow(
        "@gradkit/core: tfjs-core's gradient registry was not found on globalThis; expected @tensorflow/tfjs-core 4.x to be loaded first",
      );
    } finally {
      globals.set('gradRegistry', registry);
    }
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, test } from '@gradkit/test-harness';
import { backendPackage } from './backendPackage.browser';

// A stand-in for a tfjs backend package: importing it registers backend NAME, as tfjs-backend-webgl does (an app that
// imported @tensorflow/tfjs first has evaluated that module already: then nothing new is registered).
const NAME = 'gradkit-test-backend';
const factory = () => new tf.KernelBackend();
function fakePackage(): { importer: () => Promise<{ id: string }>; imports: number } {
  const pkg = {
    imports: 0,
    importer: async () => {
      if (pkg.imports++ === 0 && tf.findBackendFactory(NAME) == null) tf.registerBackend(NAME, factory, 7);
      return { id: 'module' };
    },
  };
  return pkg;
}

afterEach(() => {
  if (tf.findBackendFactory(NAME) != null) tf.removeBackend(NAME);
});

describe('a backend package imported on demand (browser build)', () => {
  test('load() imports once and takes back the registration the import made; register() puts it back', async () => {
    const fake = fakePackage();
    const pkg = backendPackage(NAME, fake.importer);
    expect(await pkg.load()).toEqual({ id: 'module' });
    expect(tf.findBackendFactory(NAME)).toBeNull();
    await pkg.load();
    expect(await pkg.register()).toEqual({ id: 'module' });
    expect(tf.engine().registryFactory[NAME]).toEqual({ factory, priority: 7 });
    await pkg.register(); // idempotent: no second registration, no second import
    expect(fake.imports).toBe(1);
  });

  test('a registration that existed before the import is left alone', async () => {
    const own = () => new tf.KernelBackend();
    tf.registerBackend(NAME, own, 1);
    const fake = fakePackage();
    await backendPackage(NAME, fake.importer).load();
    expect(tf.engine().registryFactory[NAME]?.factory).toBe(own);
  });

  test('a failed import stays failed and is tried once', async () => {
    let tries = 0;
    const pkg = backendPackage(NAME, async () => {
      tries++;
      throw new Error("Failed to resolve module specifier '@tensorflow/tfjs-backend-webgl'");
    });
    await expect(pkg.load()).rejects.toThrow('Failed to resolve module specifier');
    await expect(pkg.register()).rejects.toThrow('Failed to resolve module specifier');
    expect(tries).toBe(1);
  });
});

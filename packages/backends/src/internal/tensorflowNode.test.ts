import { describe, expect, test } from '@gradkit/test-harness';
import { tensorflowNodeProvider, type ModuleLoader } from './tensorflowNode';

function loader(resolve: () => string, load: () => unknown): ModuleLoader & { loads: number } {
  const l = { loads: 0, resolve, load: () => (l.loads++, load()) };
  return l;
}

describe('tfjs-node detection', () => {
  test('not installed: unavailable, nothing loaded', async () => {
    const l = loader(
      () => {
        throw new Error("Cannot find module '@tensorflow/tfjs-node'");
      },
      () => ({}),
    );
    const status = await tensorflowNodeProvider('tensorflow', l).probe();
    expect(status).toMatchObject({ name: 'tensorflow', available: false, tfName: 'tensorflow' });
    expect(status.reason).toMatch(/^@tensorflow\/tfjs-node is not installed/);
    expect(l.loads).toBe(0);
  });

  test('installed but the native binding fails to load: unavailable with the loader’s first line', async () => {
    const l = loader(
      () => '/x/index.js',
      () => {
        throw new Error('The specified module could not be found.\n/x/lib/napi-v8/tfjs_binding.node');
      },
    );
    const status = await tensorflowNodeProvider('tensorflow-gpu', l).probe();
    expect(status.available).toBe(false);
    expect(status.reason).toBe(
      '@tensorflow/tfjs-node-gpu is installed but failed to load: The specified module could not be found.',
    );
  });

  test('installed and loadable: available, probed once', async () => {
    const l = loader(
      () => '/x/index.js',
      () => ({}),
    );
    const provider = tensorflowNodeProvider('tensorflow', l);
    expect(await provider.probe()).toMatchObject({ available: true, device: 'libtensorflow on the CPU' });
    await provider.probe();
    expect(l.loads).toBe(1);
  });
});

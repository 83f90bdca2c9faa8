import { describe, expect, test } from '@gradkit/test-harness';
import { describeAdapter } from './dawn';

describe('webgpu adapter description', () => {
  test('names the path and marks software rasterizers', () => {
    expect(
      describeAdapter('opengles', {
        features: { has: () => false },
        limits: {},
        requestDevice: async () => ({ destroy() {} }),
        info: { device: 'llvmpipe-llvm-15', description: 'OpenGL ES 3.2 Mesa 22.3.6' },
      }),
    ).toBe('Dawn opengles on OpenGL ES 3.2 Mesa 22.3.6 (llvmpipe, software)');
    expect(
      describeAdapter('vulkan', {
        features: { has: () => false },
        limits: {},
        requestDevice: async () => ({ destroy() {} }),
        info: { vendor: 'nvidia', description: 'NVIDIA H200' },
      }),
    ).toBe('Dawn vulkan on NVIDIA H200');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { describe, expect, test } from '@gradkit/test-harness';
import { UPDATES_WASM_BASE64 } from './updates.generated';
import { simdUpdatesOn } from './updates';

describe('the optimizers’ WebAssembly SIMD updates', () => {
  test('the committed WebAssembly is updates.wat compiled (run node scripts/build-kernels.mjs after editing the .wat)', async () => {
    const wabt = await wabtInit();
    const module = wabt.parseWat('updates.wat', readFileSync(join(__dirname, 'updates.wat'), 'utf8'), { simd: true });
    module.validate();
    const bytes = Buffer.from(module.toBinary({}).buffer);
    module.destroy();
    expect(bytes.toString('base64')).toBe(UPDATES_WASM_BASE64);
  });

  test('instantiates on a memory it is given, works in place there, and one instance serves each memory', () => {
    const api = (
      globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }
    ).WebAssembly;
    const memory = new api.Memory({ initial: 1 });
    const kernels = simdUpdatesOn(memory);
    expect(kernels).not.toBeNull();
    expect(simdUpdatesOn(memory)).toBe(kernels);
    const heap = new Float32Array(memory.buffer);
    // value at 0, gradient at 16, out at 32 (floats): out = c·g + value, 6 elements (one 4-lane group and 2 more)
    heap.set([1, 2, 3, 4, 5, 6], 0);
    heap.set([10, 20, 30, 40, 50, 60], 16);
    kernels?.sgd(0, 64, 128, 6, -0.5);
    expect(Array.from(heap.subarray(32, 38))).toEqual([-4, -8, -12, -16, -20, -24]);
  });
});

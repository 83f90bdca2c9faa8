import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { describe, expect, test } from '@gradkit/test-harness';
import { GEMM_WASM_BASE64 } from './gemm.generated';
import { UPDATES_WASM_BASE64 } from './updates.generated';
import { simdUpdatesOn } from './updates';

describe('the optimizers’ WebAssembly SIMD updates', () => {
  test.each([
    ['updates', UPDATES_WASM_BASE64],
    ['gemm', GEMM_WASM_BASE64],
  ])(
    'the committed WebAssembly is %s.wat compiled (run node scripts/build-kernels.mjs after editing the .wat)',
    async (name, committed) => {
      const wabt = await wabtInit();
      const module = wabt.parseWat(`${name}.wat`, readFileSync(join(__dirname, `${name}.wat`), 'utf8'), {
        simd: true,
      });
      module.validate();
      const bytes = Buffer.from(module.toBinary({}).buffer);
      module.destroy();
      expect(bytes.toString('base64')).toBe(committed);
    },
  );

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

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { describe, expect, test } from '@gradkit/test-harness';
import { GRU_KERNELS_WASM_BASE64 } from './gruKernels.generated';
import { gruKernels } from './gruKernels';

describe('gruKernels', () => {
  test('the committed WebAssembly is gruKernels.wat compiled (run node scripts/build-kernels.mjs after editing the .wat)', async () => {
    const wabt = await wabtInit();
    const module = wabt.parseWat('gruKernels.wat', readFileSync(join(__dirname, 'gruKernels.wat'), 'utf8'), {
      simd: true,
    });
    module.validate();
    const bytes = Buffer.from(module.toBinary({}).buffer);
    module.destroy();
    expect(bytes.toString('base64')).toBe(GRU_KERNELS_WASM_BASE64);
  });

  test('Node 20 runs WebAssembly SIMD, so the kernels load; the heap grows on demand', () => {
    const k = gruKernels();
    expect(k).not.toBeNull();
    k?.reserve(1_000_000);
    expect(k?.heap().length).toBeGreaterThanOrEqual(1_000_000);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { expect, test } from '@gradkit/test-harness';
import { BATCH_NORM_WASM_BASE64 } from './batchNorm.generated';

test('the committed WebAssembly is batchNorm.wat compiled (run node scripts/build-kernels.mjs after editing the .wat)', async () => {
  const wabt = await wabtInit();
  const module = wabt.parseWat('batchNorm.wat', readFileSync(join(__dirname, 'batchNorm.wat'), 'utf8'), { simd: true });
  module.validate();
  const bytes = Buffer.from(module.toBinary({}).buffer);
  module.destroy();
  expect(bytes.toString('base64')).toBe(BATCH_NORM_WASM_BASE64);
});

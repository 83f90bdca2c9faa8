// Import order must not matter: @tensorflow/tfjs registers all of tfjs's gradients when it loads, and alphabetical
// import sorting puts it after @gradkit/*. Each case runs in a fresh Node process (module loading is the subject).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@gradkit/test-harness';

const dir = mkdtempSync(join(tmpdir(), 'import-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// what the program checks once everything is loaded: gradkit's matrix-product gradient is installed, and the
// guard reports a gradient through tf.sign (policy 'throw' makes the report an exception)
const CHECK = `
const owned = tf.getGradient('BatchMatMul') === core.batchMatMulGradConfig;
core.setDiscreteGradientPolicy('throw');
let guarded = false;
try { tf.grad((x) => tf.sum(tf.sign(x)))(tf.tensor1d([0.5, -2])); } catch (e) { guarded = /Sign/.test(String(e)); }
console.log(JSON.stringify({ owned, guarded }));
`;

const programs = {
  'ESM, @gradkit/core first': `import * as core from '@gradkit/core';\nimport * as tf from '@tensorflow/tfjs';\n${CHECK}`,
  'ESM, @tensorflow/tfjs first': `import * as tf from '@tensorflow/tfjs';\nimport * as core from '@gradkit/core';\n${CHECK}`,
  'CommonJS, @gradkit/core first': `const core = require('@gradkit/core');\nconst tf = require('@tensorflow/tfjs');\n${CHECK}`,
  'CommonJS, @tensorflow/tfjs first': `const tf = require('@tensorflow/tfjs');\nconst core = require('@gradkit/core');\n${CHECK}`,
};

describe('import order', () => {
  test.each(Object.entries(programs))('%s: gradkit’s gradients stay installed', (name, source) => {
    const file = join(
      __dirname,
      '..',
      `.import-order-${name.replace(/[^a-z]+/gi, '-')}.${name.startsWith('ESM') ? 'mjs' : 'cjs'}`,
    );
    writeFileSync(file, source);
    try {
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      const last = r.stdout.trim().split('\n').pop() ?? '';
      expect({ status: r.status, result: last }).toEqual({
        status: 0,
        result: JSON.stringify({ owned: true, guarded: true }),
      });
    } finally {
      rmSync(file, { force: true });
    }
  });

  test('releaseGradient hands a kernel back: a later registration then takes effect', () => {
    const file = join(__dirname, '..', '.import-order-release.mjs');
    writeFileSync(
      file,
      `import * as core from '@gradkit/core';
import * as tf from '@tensorflow/tfjs';
const mine = { kernelName: 'Round', gradFunc: (dy) => ({ x: () => tf.onesLike(dy) }) };
tf.registerGradient(mine);
const keptOurs = tf.getGradient('Round') !== mine;
const released = core.releaseGradient('Round');
const restored = tf.getGradient('Round') === mine;
tf.registerGradient(mine);
console.log(JSON.stringify({ keptOurs, released, restored, again: core.releaseGradient('Round'), owned: core.ownedGradients().includes('Round') }));
`,
    );
    try {
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      const last = r.stdout.trim().split('\n').pop() ?? '';
      expect(JSON.parse(last)).toEqual({ keptOurs: true, released: true, restored: true, again: false, owned: false });
    } finally {
      rmSync(file, { force: true });
    }
  });

  test('the built package registers its kernels (GradkitSumRows on cpu and wasm, GradkitMatMulTransposed on wasm)', () => {
    for (const ext of ['mjs', 'cjs']) {
      const file = join(__dirname, '..', `.kernels-registered.${ext}`);
      const load =
        ext === 'mjs'
          ? "import * as tf from '@tensorflow/tfjs-core';\nimport '@gradkit/core';"
          : "const tf = require('@tensorflow/tfjs-core');\nrequire('@gradkit/core');";
      writeFileSync(
        file,
        `${load}\nconsole.log(JSON.stringify(['GradkitSumRows/cpu', 'GradkitSumRows/wasm', 'GradkitMatMulTransposed/wasm'].map((k) => tf.getKernel(...k.split('/')) != null)));\n`,
      );
      try {
        const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
        expect(r.stdout.trim().split('\n').pop()).toBe('[true,true,true]');
      } finally {
        rmSync(file, { force: true });
      }
    }
  });
});

// The published builds, loaded the two ways a user loads them (ES module import and CommonJS require), in a
// fresh Node process: gradients must be registered either way, with nothing but @gradkit/backends imported.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from '@gradkit/test-harness';

const cwd = join(__dirname, '..');

const body = (load: string) => `
${load}
(async () => {
  const status = await useBackend('cpu');
  const x = tf.tensor1d([1, 2, 3]);
  const g = tf.grad((v) => tf.sum(tf.div(v, tf.add(v, 1))))(x);
  console.log(JSON.stringify({ backend: status.name, grad: Array.from(await g.data()), chained: typeof x.square }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function run(args: string[]): { backend: string; grad: number[]; chained: string } {
  const out = execFileSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('published builds', () => {
  // d/dx x/(x+1) = 1/(x+1)², computed in plain numbers
  const expected = [1, 2, 3].map((v) => 1 / (v + 1) ** 2);

  test('CommonJS require: gradients and chained ops are registered', () => {
    const r = run([
      '-e',
      body(`const tf = require('@tensorflow/tfjs-core'); const { useBackend } = require('@gradkit/backends');`),
    ]);
    expect(r.backend).toBe('cpu');
    r.grad.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 6));
    expect(r.chained).toBe('function');
  });

  test('ES module import: gradients and chained ops are registered', () => {
    const r = run([
      '--input-type=module',
      '-e',
      body(`import * as tf from '@tensorflow/tfjs-core'; import { useBackend } from '@gradkit/backends';`),
    ]);
    r.grad.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 6));
    expect(r.chained).toBe('function');
  });
});

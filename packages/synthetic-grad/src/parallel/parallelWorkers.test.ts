import { describe, expect, test } from '@gradkit/test-harness';
import { ParallelDecoupledTrainer, type ParallelTrainerOptions } from './parallelTrainer';

// The same test in Node (worker_threads running test/stage.fixture.mjs against the built package) and in Chromium
// (Web Workers of type module running the bundled test/browser.stage.ts): the platform's own threads, one code path.
const page = (globalThis as { location?: { origin: string } }).location;
const stageModule =
  page != null
    ? new URL('/bundles/synthetic-grad__test__browser.stage.js', page.origin)
    : new URL('../../test/stage.fixture.mjs', `file://${__dirname}/`);

const args = { inputDim: 12, hidden: [10, 8], classes: 3, synthesizerHidden: [6], conditioned: true, seed: 4 };

async function train(schedule: ParallelTrainerOptions['schedule']) {
  const trainer = await ParallelDecoupledTrainer.start({ stageModule, stages: 2, args, schedule });
  for (let s = 0; s < 5; s++) {
    const x = new Float32Array(6 * 12).map((_, i) => Math.cos(i * 0.29 + s));
    const y = new Float32Array(6 * 3).map((_, i) => (i % 3 === (Math.floor(i / 3) + s) % 3 ? 1 : 0));
    await trainer.step({ shape: [6, 12], values: x }, { shape: [6, 3], values: y });
  }
  const losses = await trainer.finish();
  const w = await trainer.weights();
  const left = await trainer.close();
  return { losses, values: [...w.modules, ...w.synthesizers, ...w.head].flatMap((t) => Array.from(t.values)), left };
}

describe('ParallelDecoupledTrainer on the platform’s threads', () => {
  test('two stages in lockstep equal the sequential schedule bit for bit; nothing left in the workers', async () => {
    const sequential = await train('sequential');
    const lockstep = await train('lockstep');
    expect(lockstep.losses).toHaveLength(5);
    expect(lockstep.losses).toEqual(sequential.losses);
    expect(lockstep.values.every((v, i) => Object.is(v, sequential.values[i]))).toBe(true);
    expect(lockstep.values.length).toBe(sequential.values.length);
    expect([...lockstep.left, ...sequential.left]).toEqual([0, 0, 0]);
  });
});

// Trains with the parallel trainer until SIGINT, then closes it (every worker ended) and exits 130 — as the benches
// do on an interrupt. Prints "training" once the first steps are done.
import { ParallelDecoupledTrainer } from '@gradkit/synthetic-grad';

const stageModule = new URL('./stage.fixture.mjs', import.meta.url);
const args = { inputDim: 20, hidden: [16, 12], classes: 4, synthesizerHidden: [8], conditioned: false, seed: 3 };
const trainer = await ParallelDecoupledTrainer.start({ stageModule, stages: 2, args });
process.on('SIGINT', () => {
  void trainer.close().then(() => {
    console.log(`closed, workers alive: ${trainer.liveWorkers}`);
    process.exit(130);
  });
});
for (let s = 0; ; s++) {
  const x = new Float32Array(8 * 20).map((_, i) => Math.sin(i * 0.37 + s));
  const y = new Float32Array(8 * 4).map((_, i) => (i % 4 === 0 ? 1 : 0));
  try {
    await trainer.step({ shape: [8, 20], values: x }, { shape: [8, 4], values: y });
  } catch {
    break; // closed
  }
  if (s === 3) console.log('training');
}

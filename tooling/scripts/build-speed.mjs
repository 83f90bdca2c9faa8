// Times the recurrent layers of two builds of the repository side by side, in one run: the whole-sequence paths of a
// 2-layer GRU (128 units, batch 32 × 50 steps, post 3's benchmark shape) and of 3-layer LSTM and LN-LSTM stacks
// (100 units, batch 32 × 80 steps), one forward + backward + gradient read per step on wasm. Each (build, case) runs
// in its own child process, builds alternating A B A B, so drift on this shared machine hits both alike.
//
//   node tooling/scripts/build-speed.mjs --a /path/to/old/checkout --b /path/to/new/checkout [--rounds 3] [--steps 15]
//
// Prints per case the median ms/step of each build over all its rounds and the ratio A/B (> 1: B is faster).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CASES = {
  'gru 2x128, 32x50': { cell: 'gruCell', layers: 2, units: 128, input: 128, batch: 32, time: 50 },
  'lstm 3x100, 32x80': { cell: 'lstmCell', layers: 3, units: 100, input: 100, batch: 32, time: 80 },
  'ln-lstm 3x100, 32x80': { cell: 'layerNormLstmCell', layers: 3, units: 100, input: 100, batch: 32, time: 80 },
};

async function child(root, name, steps) {
  const spec = CASES[name];
  // the tfjs-core rnn resolves, and the wasm backend @gradkit/backends installs (one copy of tfjs-core in pnpm's store)
  const fromRnn = createRequire(join(root, 'packages', 'rnn', 'package.json'));
  const fromBackends = createRequire(join(root, 'packages', 'backends', 'package.json'));
  const tf = await import(pathToFileURL(fromRnn.resolve('@tensorflow/tfjs-core')).href);
  await import(pathToFileURL(fromBackends.resolve('@tensorflow/tfjs-backend-wasm')).href);
  await tf.setBackend('wasm');
  await tf.ready();
  const rnnPkg = await import(pathToFileURL(join(root, 'packages', 'rnn', 'dist', 'index.js')).href);
  const cells = Array.from({ length: spec.layers }, (_, l) =>
    rnnPkg[spec.cell]({
      inputSize: l === 0 ? spec.input : spec.units,
      units: spec.units,
      seed: 1 + 10 * l,
      name: `c${l}`,
    }),
  );
  const vars = cells.flatMap((c) => c.variables);
  const x = tf.randomUniform([spec.batch, spec.time, spec.input], -1, 1, 'float32', 3);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      let h = x;
      for (const c of cells) h = rnnPkg.rnn(c, h).outputs;
      return tf.mean(tf.square(h));
    }, vars);
    const all = Object.values(grads);
    for (const g of all) g.dataSync();
    tf.dispose([value, ...all]);
  };
  for (let i = 0; i < 3; i++) step(); // warm-up
  const times = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  process.stdout.write(JSON.stringify({ times, tensors: tf.memory().numTensors }));
}

function median(v) {
  const s = [...v].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
if (opt('child')) {
  await child(opt('root'), opt('child'), Number(opt('steps', '15')));
} else {
  const builds = { A: opt('a'), B: opt('b') };
  if (!builds.A || !builds.B) {
    console.error('build-speed: give --a <checkout> and --b <checkout> (each built: packages/rnn/dist)');
    process.exit(2);
  }
  const rounds = Number(opt('rounds', '3'));
  const steps = opt('steps', '15');
  const times = {};
  for (let r = 0; r < rounds; r++) {
    for (const name of Object.keys(CASES)) {
      for (const label of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
        const out = spawnSync(
          process.execPath,
          [process.argv[1], '--child', name, '--root', builds[label], '--steps', steps],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        if (out.status !== 0) {
          console.error(`build-speed: ${label} ${name} failed:\n${out.stderr}`);
          process.exit(1);
        }
        const key = `${name}|${label}`;
        (times[key] ??= []).push(...JSON.parse(out.stdout).times);
      }
    }
  }
  console.log(`A = ${builds.A}\nB = ${builds.B}\n${rounds} rounds × ${steps} timed steps per build and case, wasm\n`);
  console.log('| case | A ms/step | B ms/step | A/B |');
  console.log('|---|---:|---:|---:|');
  for (const name of Object.keys(CASES)) {
    const a = median(times[`${name}|A`]);
    const b = median(times[`${name}|B`]);
    console.log(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(3)} |`);
  }
}

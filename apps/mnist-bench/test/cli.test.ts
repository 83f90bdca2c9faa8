// End-to-end: the built CLI (dist/main.js) on a tiny dataset, once per backend through the shared harness.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, describeBackends, expect, test } from '@gradkit/test-harness';
import { encodeCheckpoint } from '@gradkit/experiment-runner';
import { identifyDataset } from '../src/dataIdentity';
import { dniExperiments } from '../src/experiments/syntheticGradients';
import { loadDataset } from '../src/mnist';
import { writeTinyDataset } from './fixtures';

const main = join(__dirname, '..', 'dist', 'main.js');
const root = mkdtempSync(join(tmpdir(), 'mnist-bench-cli-'));
const data = writeTinyDataset(join(root, 'data'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 240_000 });
}

interface Report {
  runs: Array<{
    experiment: string;
    backend: string;
    primary: { metric: string; value: number };
    curves: Array<{ points: Array<{ value: number }> }>;
    msPerStepMedian: number;
    peakTensors: number;
  }>;
}

describeBackends('mnist-bench end to end', (backend) => {
  test('smoke profile: trains, reports, draws, and is deterministic for a seed', () => {
    const outs = [join(root, `${backend.name}-a`), join(root, `${backend.name}-b`)];
    const reports = outs.map((out) => {
      const r = cli(['--data', data, '--profile', 'smoke', '--backends', backend.name, '--out', out, '--seed', '3']);
      expect(r.stderr).not.toMatch(/FAILED/);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/backend\s+experiment\s+result/);
      return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    });
    const [a, b] = reports as [Report, Report];
    expect(a.runs.map((r) => r.experiment)).toEqual(['mlp', 'throughput']);
    const mlp = a.runs[0] as Report['runs'][number];
    // the tiny dataset is easy: far above the 0.1 of chance after 30 steps
    expect(mlp.primary.value).toBeGreaterThan(0.5);
    expect(mlp.msPerStepMedian).toBeGreaterThan(0);
    expect(mlp.peakTensors).toBeGreaterThan(0);
    // same seed, same backend: the same curve, number for number
    expect(b.runs[0]?.curves).toEqual(mlp.curves);
    for (const f of ['report.md', 'curves-mlp.svg', 'curves-mlp.png'])
      expect(existsSync(join(outs[0] as string, f))).toBe(true);
    expect(
      readFileSync(join(outs[0] as string, 'curves-mlp.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(readFileSync(join(outs[0] as string, 'curves-mlp.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('mnist-bench command line', () => {
  test('every experiment runs end to end in the smoke profile (cpu)', () => {
    const out = join(root, 'all');
    const all = [
      'speed',
      'batchnorm',
      'batchnorm-speed',
      'bsn-baselines',
      'bsn-st',
      'bsn-reinforce',
      'bsn-depth',
      'bsn-low-lr',
      'ternary-one-hot',
      'bsn-post-loss',
      'bsn-pass-through',
      'dni-backprop',
      'dni-no-backprop',
      'dni-synthetic-loss',
      'dni-synthetic-loss-live',
      'dni-synthetic-gradient',
      'dni-cdni',
      'dni-waits',
      'dni-parallel',
      'dni-parallel-wide',
    ];
    const r = cli([
      '--data',
      data,
      '--profile',
      'smoke',
      '--backends',
      'cpu',
      '--experiments',
      all.join(','),
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.runs.map((run) => run.experiment)).toEqual(all);
    for (const run of report.runs) expect(Number.isFinite(run.primary.value)).toBe(true);
  });

  test('--resume skips finished runs and leaves their files alone', () => {
    const out = join(root, 'resume');
    expect(
      cli(['--data', data, '--profile', 'smoke', '--backends', 'cpu', '--experiments', 'throughput', '--out', out])
        .status,
    ).toBe(0);
    const file = join(out, 'runs', 'throughput--cpu--smoke--seed1.json');
    const before = statSync(file).mtimeMs;
    const again = cli([
      '--data',
      data,
      '--profile',
      'smoke',
      '--backends',
      'cpu',
      '--experiments',
      'throughput',
      '--out',
      out,
      '--resume',
    ]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/\[cpu\] throughput: finished earlier \(--resume\), skipped/);
    expect(statSync(file).mtimeMs).toBe(before);
    // --partial trains nothing: finished runs as they are, runs neither finished nor checkpointed named and left out
    const partial = cli([
      '--data',
      data,
      '--profile',
      'smoke',
      '--backends',
      'cpu',
      '--experiments',
      'throughput,mlp',
      '--out',
      out,
      '--partial',
    ]);
    expect(partial.status).toBe(0);
    expect(partial.stderr).toMatch(/\[cpu\] throughput: finished earlier \(--partial\), reported as it is/);
    expect(partial.stderr).toMatch(
      /\[cpu\] mlp: neither finished nor checkpointed in .*resume, nothing to report \(--partial\)/,
    );
    expect(readFileSync(join(out, 'partial', 'report.md'), 'utf8')).toMatch(/\| cpu \| throughput \|/);
    expect(existsSync(join(out, 'runs', 'mlp--cpu--smoke--seed1.json'))).toBe(false);
    expect(statSync(file).mtimeMs).toBe(before);
  });

  test.each([
    [
      ['--backends', 'tpu'],
      'mnist-bench: Unknown backend in --backends "tpu": expected one of cpu, wasm, webgl, webgpu, tensorflow, tensorflow-gpu',
    ],
    [
      ['--experiments', 'mlp,resnet'],
      'mnist-bench: Unknown experiment "resnet": expected one of mlp, throughput, speed, batchnorm, batchnorm-speed, bsn-baselines, bsn-st, bsn-reinforce, bsn-depth, bsn-low-lr, ternary-one-hot, bsn-post-loss, bsn-pass-through, dni-backprop, dni-no-backprop, dni-synthetic-loss, dni-synthetic-loss-live, dni-synthetic-gradient, dni-cdni, dni-waits, dni-parallel, dni-parallel-wide',
    ],
    [
      ['--profile', 'huge'],
      'mnist-bench: Unknown profile "huge" for mlp, throughput: expected one of quick, paper, smoke',
    ],
    [['--seed=-4'], 'mnist-bench: --seed -4: expected an integer from 0 to 2147483647'],
    [['--seed='], 'mnist-bench: --seed "": expected an integer from 0 to 2147483647'],
    [['--backends', ','], 'mnist-bench: --backends ",": an empty item; expected a comma-separated list of names'],
    [['--backends', 'cpu,cpu'], 'mnist-bench: --backends "cpu,cpu": "cpu" is listed twice; expected each name once'],
    [
      ['--experiments', 'mlp,throughput,mlp'],
      'mnist-bench: --experiments "mlp,throughput,mlp": "mlp" is listed twice; expected each name once',
    ],
    [['--seed', '-4'], 'mnist-bench: --seed: its value starts with "-"; write --seed=VALUE'],
    [
      ['--data', '/nonexistent/mnist'],
      'mnist-bench: /nonexistent/mnist: no such folder; expected a folder with the four MNIST-format IDX files',
    ],
    [['--frobnicate'], "mnist-bench: Unknown option '--frobnicate': see --help for the options"],
  ])('bad input %j: one line, exit 2', (args, message) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(message);
  });

  test('--help lists every profile, smoke and the experiment-specific ones included', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /--profile NAME +quick \(the default[^)]*\), paper \([^)]*\), smoke \([^)]*\); some experiments also offer wrapper, march-2016, long/,
    );
  });

  test('an unavailable backend asked for by name: one line with the reason, exit 2', () => {
    const r = cli(['--data', data, '--backends', 'tensorflow']);
    if (r.status === 0) return; // tfjs-node installed on this machine
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^mnist-bench: Backend "tensorflow" is unavailable: @tensorflow\/tfjs-node is not installed/,
    );
  });

  test('Ctrl-C leaves no half-written file and the finished runs stay resumable', async () => {
    const out = join(root, 'interrupted');
    const child = spawn(
      process.execPath,
      [main, '--data', data, '--profile', 'paper', '--backends', 'cpu', '--experiments', 'mlp', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/\d+%/.test(stderr)) child.kill('SIGINT');
      });
      child.on('exit', () => resolve());
    });
    expect(child.exitCode).toBe(130);
    expect(stderr).toMatch(/interrupted: finished runs are in .*; run again with --resume to skip them/);
    const files = existsSync(out) ? readdirSync(out, { recursive: true }).map(String) : [];
    expect(files.filter((f) => f.endsWith('.tmp') || f.endsWith('.json'))).toEqual([]);
  });
});

describe('mnist-bench runs are keyed by their data and checked before work', () => {
  const other = writeTinyDataset(join(root, 'other-data'), { seed: 999 });
  const wide = writeTinyDataset(join(root, 'wide-data'), { side: 32 });
  const smoke = (d: string, out: string, ...more: string[]) =>
    cli(['--data', d, '--profile', 'smoke', '--backends', 'cpu', '--experiments', 'mlp', '--out', out, ...more]);

  test('--resume refuses a finished run made on other data, naming both (nothing trains, nothing is overwritten)', () => {
    const out = join(root, 'keyed');
    expect(smoke(data, out).status).toBe(0);
    const file = join(out, 'runs', 'mlp--cpu--smoke--seed1.json');
    const before = readFileSync(file, 'utf8');
    const r = smoke(other, out, '--resume');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `mnist-bench: ${file} was trained on IDX data (${data}): 1,200 training + 200 test images of 28×28 (784 inputs), not on IDX data (${other}): 1,200 training + 200 test images of 28×28 (784 inputs); give another --out for this data`,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    // the same bytes compressed, from another folder: the same data, so skipped
    const gz = writeTinyDataset(join(root, 'same-data-gz'), { gzip: true });
    expect(smoke(gz, out, '--resume').stderr).toMatch(/\[cpu\] mlp: finished earlier \(--resume\), skipped/);
  });

  // The bytes of the checkpoint a dni-cdni smoke run on `data` would leave after its first period (its configuration
  // names the data's key), holding no arrays: continuing it fails on the first variable, refusing it on the configuration.
  const emptyDniCheckpoint = () =>
    encodeCheckpoint(
      {
        experiment: 'dni-cdni',
        backend: 'cpu',
        profile: 'smoke',
        seed: 1,
        config: dniExperiments.find((e) => e.name === 'dni-cdni')?.profiles.smoke,
        data: identifyDataset(loadDataset(data)).key,
      },
      { state: { run: { epoch: 1 }, optimizerSlots: null }, arrays: {} },
    );
  const dniArgs = (d: string, out: string) => [
    '--data',
    d,
    '--profile',
    'smoke',
    '--backends',
    'cpu',
    '--experiments',
    'dni-cdni',
    '--out',
    out,
  ];

  test('a checkpoint written on other data is refused, not continued', () => {
    const out = join(root, 'keyed-checkpoint');
    const file = join(out, 'checkpoints', 'dni-cdni--cpu--smoke--seed1.ckpt');
    const run = (d: string) => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, emptyDniCheckpoint());
      return cli([...dniArgs(d, out), '--resume']);
    };
    const same = run(data);
    expect(same.status).toBe(1);
    expect(same.stderr).toMatch(/checkpoint: no array "0\/0"; expected one for every variable/);
    const changed = run(other);
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain(`${file}: written by a run with another configuration`);
  });

  test('--carry keeps the checkpoint gzip-compressed in OUT/carry/, continued by --resume with or without --carry, gone when the run finishes', () => {
    const out = join(root, 'carried');
    const file = join(out, 'carry', 'dni-cdni--cpu--smoke--seed1.ckpt.gz');
    // a carried checkpoint (as committed by another machine): continuing it fails on the first variable
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, gzipSync(emptyDniCheckpoint()));
    const resumed = cli([...dniArgs(data, out), '--resume']);
    expect(resumed.status).toBe(1);
    expect(resumed.stderr).toMatch(/checkpoint: no array "0\/0"/);
    rmSync(file);
    const carried = cli([...dniArgs(data, out), '--carry']);
    expect(carried.status).toBe(0);
    expect(readdirSync(join(out, 'carry'))).toEqual([]);
    expect(existsSync(join(out, 'checkpoints'))).toBe(false);
  });

  test('reports name the data and its real input size (32×32 images train a 1024-input net)', () => {
    const out = join(root, 'wide');
    const r = smoke(wide, out);
    expect(r.status).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`Data: IDX data (${wide}): 1,200 training + 200 test images of 32×32 (1024 inputs).`);
    expect(md).toContain('MLP baseline 1024-100-100-10');
    expect(md).not.toContain('784');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      runs: Array<{ title: string; data: { label: string; isDefault: boolean } }>;
    };
    expect(report.runs[0]?.data).toMatchObject({ isDefault: false });
    expect(readFileSync(join(out, 'curves-mlp.svg'), 'utf8')).toContain('data: IDX data');
  });

  test('an unwritable --out is one line and exit 2 before any step', () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'x');
    const r = smoke(data, join(blocker, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `mnist-bench: --out ${join(blocker, 'out')}: cannot be created or written (ENOTDIR); expected a writable folder`,
    );
    expect(r.stdout).toBe('');
  });

  test('a profile whose batch is larger than the training examples is refused before any run', () => {
    const small = writeTinyDataset(join(root, 'small-data'), { train: 30, test: 20 });
    const r = cli([
      '--data',
      small,
      '--profile',
      'smoke',
      '--backends',
      'cpu',
      '--experiments',
      'dni-cdni',
      '--out',
      join(root, 'small'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `mnist-bench: dni-cdni --profile smoke: batch size 32 is larger than the 28 training examples of IDX data (${small}): 30 training + 20 test images of 28×28 (784 inputs); expected at most 28`,
    );
  });

  test('an error inside a run is one line naming the run (the stack only with --verbose), exit 1', () => {
    const out = join(root, 'broken-checkpoint');
    const args = [...dniArgs(data, out), '--resume'];
    const file = join(out, 'checkpoints', 'dni-cdni--cpu--smoke--seed1.ckpt');
    for (const verbose of [false, true]) {
      rmSync(out, { recursive: true, force: true });
      mkdirSync(dirname(file), { recursive: true });
      // the magic line and a header length of 1,000 bytes, then nothing: a checkpoint cut off while it was copied
      writeFileSync(file, Buffer.concat([Buffer.from('gradkit-checkpoint 1\n'), Buffer.from([232, 3, 0, 0])]));
      const r = cli(verbose ? [...args, '--verbose'] : args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `[cpu] dni-cdni FAILED (smoke, seed 1): ${file}: truncated header; expected a gradkit checkpoint (delete it to start the run from scratch)`,
      );
      expect(/\n\s+at /.test(r.stderr)).toBe(verbose);
      expect(r.stderr).toMatch(/1 run\(s\) failed/);
    }
  });
});

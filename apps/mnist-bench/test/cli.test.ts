// End-to-end: the built CLI (dist/main.js) on a tiny dataset, once per backend through the shared harness.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, describeBackends, expect, test } from '@gradkit/test-harness';
import { writeTinyDataset } from './fixtures';

const main = join(__dirname, '..', 'dist', 'main.js');
const root = mkdtempSync(join(tmpdir(), 'mnist-bench-cli-'));
const data = writeTinyDataset(join(root, 'data'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 240_000 });
}

interface Report {
  runs: Array<{ experiment: string; backend: string; primary: { metric: string; value: number }; curves: Array<{ points: Array<{ value: number }> }>; msPerStepMedian: number; peakTensors: number }>;
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
    for (const f of ['report.md', 'curves-mlp.svg', 'curves-mlp.png']) expect(existsSync(join(outs[0] as string, f))).toBe(true);
    expect(readFileSync(join(outs[0] as string, 'curves-mlp.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(outs[0] as string, 'curves-mlp.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('mnist-bench command line', () => {
  test('every experiment runs end to end in the smoke profile (cpu)', () => {
    const out = join(root, 'all');
    const all = ['speed', 'batchnorm', 'batchnorm-speed', 'bsn-baselines', 'bsn-st', 'bsn-reinforce', 'bsn-depth', 'bsn-low-lr', 'ternary-one-hot', 'bsn-post-loss', 'bsn-pass-through', 'dni-backprop', 'dni-no-backprop', 'dni-synthetic-loss', 'dni-synthetic-loss-live', 'dni-synthetic-gradient', 'dni-cdni', 'dni-waits'];
    const r = cli(['--data', data, '--profile', 'smoke', '--backends', 'cpu', '--experiments', all.join(','), '--out', out]);
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.runs.map((run) => run.experiment)).toEqual(all);
    for (const run of report.runs) expect(Number.isFinite(run.primary.value)).toBe(true);
  });

  test('--resume skips finished runs and leaves their files alone', () => {
    const out = join(root, 'resume');
    expect(cli(['--data', data, '--profile', 'smoke', '--backends', 'cpu', '--experiments', 'throughput', '--out', out]).status).toBe(0);
    const file = join(out, 'runs', 'throughput--cpu--smoke--seed1.json');
    const before = statSync(file).mtimeMs;
    const again = cli(['--data', data, '--profile', 'smoke', '--backends', 'cpu', '--experiments', 'throughput', '--out', out, '--resume']);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/\[cpu\] throughput: finished earlier \(--resume\), skipped/);
    expect(statSync(file).mtimeMs).toBe(before);
    // --partial trains nothing: finished runs as they are, runs neither finished nor checkpointed named and left out
    const partial = cli(['--data', data, '--profile', 'smoke', '--backends', 'cpu', '--experiments', 'throughput,mlp', '--out', out, '--partial']);
    expect(partial.status).toBe(0);
    expect(partial.stderr).toMatch(/\[cpu\] throughput: finished earlier \(--partial\), reported as it is/);
    expect(partial.stderr).toMatch(/\[cpu\] mlp: neither finished nor checkpointed in .*resume, nothing to report \(--partial\)/);
    expect(readFileSync(join(out, 'partial', 'report.md'), 'utf8')).toMatch(/\| cpu \| throughput \|/);
    expect(existsSync(join(out, 'runs', 'mlp--cpu--smoke--seed1.json'))).toBe(false);
    expect(statSync(file).mtimeMs).toBe(before);
  });

  test.each([
    [['--backends', 'tpu'], 'mnist-bench: Unknown backend in --backends "tpu": expected one of cpu, wasm, webgpu, tensorflow, tensorflow-gpu'],
    [['--experiments', 'mlp,resnet'], 'mnist-bench: Unknown experiment "resnet": expected one of mlp, throughput, speed, batchnorm, batchnorm-speed, bsn-baselines, bsn-st, bsn-reinforce, bsn-depth, bsn-low-lr, ternary-one-hot, bsn-post-loss, bsn-pass-through, dni-backprop, dni-no-backprop, dni-synthetic-loss, dni-synthetic-loss-live, dni-synthetic-gradient, dni-cdni, dni-waits'],
    [['--profile', 'huge'], 'mnist-bench: Unknown profile "huge" for mlp, throughput: expected one of quick, paper, smoke'],
    [['--seed=-4'], 'mnist-bench: --seed -4: expected an integer from 0 to 2147483647'],
    [['--seed', '-4'], 'mnist-bench: --seed: its value starts with "-"; write --seed=VALUE'],
    [['--data', '/nonexistent/mnist'], 'mnist-bench: /nonexistent/mnist: no such folder; expected a folder with the four MNIST-format IDX files'],
    [['--frobnicate'], "mnist-bench: Unknown option '--frobnicate': see --help for the options"],
  ])('bad input %j: one line, exit 2', (args, message) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(message);
  });

  test('an unavailable backend asked for by name: one line with the reason, exit 2', () => {
    const r = cli(['--data', data, '--backends', 'tensorflow']);
    if (r.status === 0) return; // tfjs-node installed on this machine
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^mnist-bench: Backend "tensorflow" is unavailable: @tensorflow\/tfjs-node is not installed/);
  });

  test('Ctrl-C leaves no half-written file and the finished runs stay resumable', async () => {
    const out = join(root, 'interrupted');
    const child = spawn(process.execPath, [main, '--data', data, '--profile', 'paper', '--backends', 'cpu', '--experiments', 'mlp', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
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

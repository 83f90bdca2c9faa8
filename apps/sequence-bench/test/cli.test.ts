// End-to-end: the built CLI (dist/main.js), smoke profile, once per backend through the shared harness.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, describeBackends, expect, test } from '@gradkit/test-harness';

const main = join(__dirname, '..', 'dist', 'main.js');
const root = mkdtempSync(join(tmpdir(), 'sequence-bench-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 600_000 });
}

interface Report {
  runs: Array<{ experiment: string; primary: { value: number }; notes: string[] }>;
}

const ALL = [
  'rnn-toy',
  'gru-speed',
  'char-gru-80',
  'char-lstm-80',
  'char-ln-lstm-80',
  'char-gru-30',
  'char-mixture-30',
  'char-lstm-30',
  'char-lstm-200',
  'spam-padded',
  'spam-bucketed',
  'spam-seq2seq',
  'states-zero',
  'states-variable',
  'states-noisy',
  'states-noisy-variable',
];
// one of each kind on every backend (every experiment runs on cpu below)
const EACH_KIND = ['rnn-toy', 'char-gru-80', 'spam-seq2seq', 'states-noisy-variable'];

describeBackends('sequence-bench end to end', (backend) => {
  test('one experiment of each kind runs in the smoke profile', () => {
    const out = join(root, backend.name);
    const all = EACH_KIND;
    const r = cli(['--profile', 'smoke', '--backends', backend.name, '--experiments', all.join(','), '--out', out]);
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.runs.map((run) => run.experiment)).toEqual(all);
    for (const run of report.runs) expect(Number.isFinite(run.primary.value)).toBe(true);
    expect(report.runs.find((run) => run.experiment === 'char-gru-80')?.notes.join(' ')).toMatch(
      /Sample \(top 5\): "The /,
    );
    // the states run saved a checkpoint after its first epoch; a finished run's checkpoint is deleted
    expect(existsSync(join(out, 'checkpoints'))).toBe(true);
    expect(readdirSync(join(out, 'checkpoints'))).toEqual([]);
  });
});

describe('sequence-bench command line', () => {
  test('every experiment runs in the smoke profile (cpu)', () => {
    const out = join(root, 'all');
    const r = cli(['--profile', 'smoke', '--backends', 'cpu', '--experiments', ALL.join(','), '--out', out]);
    expect(r.stderr).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.runs.map((run) => run.experiment)).toEqual(ALL);
  });

  test('--text FILE trains on any text; a missing or tiny file is a one-line error', () => {
    const file = join(root, 'text.txt');
    writeFileSync(file, 'the quick brown fox jumps over the lazy dog. '.repeat(500));
    const r = cli([
      '--text',
      file,
      '--profile',
      'smoke',
      '--backends',
      'cpu',
      '--experiments',
      'char-gru-30',
      '--out',
      join(root, 'text'),
    ]);
    expect(r.status).toBe(0);
    const bad = cli(['--text', join(root, 'nope.txt'), '--experiments', 'char-gru-30']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(
      /^sequence-bench: .*nope\.txt: cannot be read \(ENOENT\); expected a UTF-8 text file$/,
    );
    writeFileSync(join(root, 'tiny.txt'), 'hi');
    expect(cli(['--text', join(root, 'tiny.txt')]).stderr.trim()).toMatch(
      /tiny\.txt: 2 characters; expected at least 1,000 characters of text$/,
    );
  });
});

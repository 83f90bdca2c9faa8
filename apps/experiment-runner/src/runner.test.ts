import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@gradkit/test-harness';
import { writeFileAtomic } from './atomicWrite';
import { parseBenchArgs } from './cli';
import type { RunRecord } from './experiment';
import { ExperimentRegistry } from './registry';
import { markdownTable, terminalTable } from './report';
import { median } from './stats';
import { timed } from './worker';
import { fileCheckpoint } from './checkpoint/storage';

const dir = mkdtempSync(join(tmpdir(), 'runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const registry = new ExperimentRegistry().register({
  name: 'a',
  title: 'A',
  inDefaultSet: true,
  profiles: { quick: {}, paper: {} },
  run: async () => ({ primary: { metric: 'm', value: 1 }, stepTimesMs: [], examplesPerStep: 1 }),
});

describe('experiment runner pieces', () => {
  test('median of odd and even lists; null for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  test('atomic writes replace the file whole and leave no temporary behind', () => {
    const file = join(dir, 'out', 'r.json');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'out'))).toEqual(['r.json']);
  });

  test('options: defaults, and one-line errors naming the value', () => {
    const o = parseBenchArgs([], registry as never, {}, 'out');
    expect(o).toMatchObject({
      experiments: ['a'],
      profile: 'quick',
      seed: 1,
      out: 'out',
      resume: false,
      partial: false,
    });
    expect(parseBenchArgs(['--partial', '--profile', 'paper'], registry as never, {}, 'out')).toMatchObject({
      partial: true,
      profile: 'paper',
    });
    expect(() => parseBenchArgs(['--seed', '1.5'], registry as never, {}, 'out')).toThrow(
      '--seed 1.5: expected an integer from 0 to 2147483647',
    );
    expect(() => parseBenchArgs(['--profile', 'x'], registry as never, {}, 'out')).toThrow(
      'Unknown profile "x" for a: expected one of quick, paper',
    );
    expect(() => parseBenchArgs(['--backends', 'cpu,gpu'], registry as never, {}, 'out')).toThrow(
      'Unknown backend in --backends "gpu"',
    );
  });

  test('tables show the post’s figure and the difference only where one exists', () => {
    const base: RunRecord = {
      id: 'a',
      experiment: 'a',
      title: 'A',
      backend: 'cpu',
      device: 'js',
      profile: 'paper',
      seed: 1,
      config: {},
      primary: { metric: 'test accuracy', value: 0.975 },
      metrics: {},
      curves: [],
      msPerStepMedian: 2,
      examplesPerSecond: 50,
      timedSteps: 10,
      wallSeconds: 3,
      peakTensors: 9,
      peakRssMb: 100,
      notes: [],
      finishedAt: '',
    };
    const withRef = { ...base, reference: { value: 0.97, source: 'post', profile: 'paper' } };
    const table = terminalTable([base, withRef]);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toMatch(/test accuracy 0\.9750\s+0\.97\s+\+0\.0050/);
    // a diff only where the run reproduces the post's setting: its profile, on the bench's default data
    expect(markdownTable([{ ...withRef, profile: 'quick' }])).toMatch(/\| 0\.97 \(paper profile\) \| {2}\| 2\.00 \|/);
    const fashion = { key: 'sha256:0', label: 'Fashion-MNIST', isDefault: false };
    expect(markdownTable([{ ...withRef, data: fashion }])).toMatch(/\| 0\.97 \(other data\) \| {2}\| 2\.00 \|/);
    expect(markdownTable([{ ...withRef, data: { ...fashion, isDefault: true } }])).toMatch(/\| 0\.97 \| \+0\.0050 \|/);
    expect(existsSync(dir)).toBe(true);
  });

  test('a run continued from a checkpoint counts the wall time of its earlier parts', () => {
    const file = join(dir, 'timed.ckpt');
    const first = { earlier: 0, parts: 1 };
    const start = performance.now() - 5000; // this part has run for 5 s
    timed(fileCheckpoint(file, {}, false), first, start).save({ state: { epoch: 1 }, arrays: {} });
    const second = { earlier: 0, parts: 1 };
    const loaded = timed(fileCheckpoint(file, {}, true), second, performance.now()).load();
    expect(loaded?.state).toEqual({ epoch: 1 });
    expect(second.parts).toBe(2);
    expect(second.earlier).toBeGreaterThanOrEqual(5);
    expect(second.earlier).toBeLessThan(60);
  });
});

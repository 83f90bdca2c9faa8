import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@gradkit/test-harness';
import { defaultPytorchCommand, timePytorchGru } from './pytorchGru';

const dir = mkdtempSync(join(tmpdir(), 'pytorch-gru-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shape = { batch: 4, steps: 5, units: 8 };
const rounds = { warmup: 1, timed: 2 };

/** A stand-in runner: a shell script that prints `output` and exits with `code`, recording its arguments. */
function fakeRunner(name: string, output: string, code = 0): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!/usr/bin/env bash\necho "$@" > ${join(dir, `${name}.args`)}\nprintf '%s\\n' '${output}'\nexit ${code}\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

describe('timePytorchGru (no tensors: a child process)', () => {
  test('the default runner and script exist in the repository', () => {
    const { runner, script } = defaultPytorchCommand();
    expect(runner).toMatch(/tooling\/scripts\/torch-openblas\.sh$/);
    expect(script).toMatch(/apps\/sequence-bench\/scripts\/pytorch_gru\.py$/);
    expect(existsSync(runner) && existsSync(script)).toBe(true);
  });

  test('passes the rounds and shape and reads the JSON line', () => {
    const runner = fakeRunner(
      'ok.sh',
      '{"framework": "pytorch 9", "threads": 1, "msPerStepMedian": 12.5, "timedSteps": 2}',
    );
    const r = timePytorchGru(shape, rounds, { runner, script: 'gru.py' });
    expect(r).toEqual({
      ok: true,
      timing: { framework: 'pytorch 9', threads: 1, msPerStepMedian: 12.5, timedSteps: 2 },
    });
    expect(readFileSync(join(dir, 'ok.sh.args'), 'utf8').trim()).toBe('gru.py 1 2 4 5 8');
  });

  test('reports torch missing, a failing script and a missing runner as unavailable with the reason', () => {
    const missing = fakeRunner('missing.sh', '{"error": "python3 with torch is not installed"}', 3);
    expect(timePytorchGru(shape, rounds, { runner: missing, script: 'gru.py' })).toEqual({
      ok: false,
      reason: 'python3 with torch is not installed',
    });
    const broken = fakeRunner('broken.sh', 'Traceback: boom', 1);
    const r = timePytorchGru(shape, rounds, { runner: broken, script: 'gru.py' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^no result from gru\.py \(exit 1\): Traceback: boom$/);
    const zero = fakeRunner('zero.sh', '{"msPerStepMedian": 0}');
    expect(timePytorchGru(shape, rounds, { runner: zero, script: 'gru.py' }).ok).toBe(false);
    expect(timePytorchGru(shape, rounds, { runner: join(dir, 'nope.sh'), script: 'gru.py' })).toEqual({
      ok: false,
      reason: `${join(dir, 'nope.sh')} not found`,
    });
  });
});

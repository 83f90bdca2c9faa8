import { describe, expect, test } from '@gradkit/test-harness';
// @ts-expect-error plain ESM without types (run.mjs runs it directly with node)
import { planRun, summarize, PACKAGES } from '../plan.mjs';

const mutant = (status: string, line = 1) => ({
  status,
  mutatorName: 'ArithmeticOperator',
  replacement: 'a - b',
  statusReason: status === 'Ignored' ? 'equivalent: reason' : undefined,
  location: { start: { line, column: 1 }, end: { line, column: 5 } },
});

describe('mutation plan', () => {
  test('one package, its backends, its sources without tests, every exclusion with a reason', () => {
    const plan = planRun(['core', '--concurrency', '1']);
    expect(plan.name).toBe('core');
    expect(plan.concurrency).toBe(1);
    expect(plan.backends).toBe('cpu');
    expect(plan.mutate.slice(0, 2)).toEqual(['src/**/*.ts', '!src/**/*.test.ts']);
    expect(plan.mutate).toContain('!src/tfjsGradients.ts');
    for (const { exclude } of Object.values(PACKAGES) as Array<{ exclude: Array<{ reason: string }> }>)
      for (const e of exclude) expect(e.reason.length).toBeGreaterThan(10);
  });

  test('bad arguments are one-line errors naming the value', () => {
    expect(() => planRun([])).toThrow(/^mutation: no package, expected one of core, batchnorm, /);
    expect(() => planRun(['nope'])).toThrow('mutation: package "nope", expected one of core,');
    expect(() => planRun(['core', 'rnn'])).toThrow('mutation: package "core rnn", expected one of');
    expect(() => planRun(['core', '--concurrency', '0'])).toThrow(
      'mutation: --concurrency 0, expected a positive integer',
    );
    expect(() => planRun(['core', '--concurrency'])).toThrow('mutation: --concurrency (missing), expected');
  });

  test("the score is Stryker's: detected over detected + survived + not covered; compile errors and ignored mutants do not count", () => {
    const report = {
      files: {
        'src/a.ts': {
          mutants: [
            mutant('Killed'),
            mutant('Killed'),
            mutant('Timeout'),
            mutant('Survived', 7),
            mutant('NoCoverage', 9),
            mutant('CompileError'),
            mutant('Ignored', 3),
          ],
        },
        'src/b.ts': { mutants: [mutant('Killed'), mutant('Killed'), mutant('Killed')] },
      },
    };
    const s = summarize(report);
    expect(s.score).toBeCloseTo((100 * 6) / 8, 10);
    expect(s.counts).toMatchObject({ Killed: 5, Timeout: 1, Survived: 1, NoCoverage: 1, CompileError: 1, Ignored: 1 });
    expect(s.survivors.map((m: { where: string }) => m.where)).toEqual(['src/a.ts:7', 'src/a.ts:9']);
    expect(s.ignored).toEqual([{ where: 'src/a.ts:3', mutator: 'ArithmeticOperator', reason: 'equivalent: reason' }]);
    expect(summarize({ files: {} }).score).toBeNull();
  });
});

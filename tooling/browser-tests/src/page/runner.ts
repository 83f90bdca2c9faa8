/**
 * A small jest-compatible test runner for a browser page: describe/test/it (with .skip, .only-free .each), the four
 * hooks, jest's own `expect` (npm `expect`) and `jest.spyOn`. A bundled test file registers its tests on import;
 * the page then calls `runAll()` and reports the results to the Node side (tooling/browser-tests/run.mjs).
 */
import { expect } from 'expect';
import { ModuleMocker } from 'jest-mock';

type Fn = () => unknown;

interface TestCase {
  kind: 'test';
  title: string;
  fn: Fn | null; // null: skipped
}

interface Suite {
  kind: 'suite';
  title: string;
  skipped: boolean;
  children: Array<Suite | TestCase>;
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

export interface TestResult {
  title: string;
  status: 'passed' | 'failed' | 'skipped';
  error?: string;
  ms: number;
}

const root: Suite = newSuite('', false);
let current = root;

function newSuite(title: string, skipped: boolean): Suite {
  return { kind: 'suite', title, skipped, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}

/** jest's title formatting for `.each`: %s %i %d %f %p %j %o %#, in order. */
function formatTitle(title: string, args: unknown[], index: number): string {
  let k = 0;
  return title.replace(/%[sidfpjo#%]/g, (spec) => {
    if (spec === '%%') return '%';
    if (spec === '%#') return String(index);
    const v = args[k++];
    switch (spec) {
      case '%i':
      case '%d':
        return String(Math.trunc(Number(v)));
      case '%f':
        return String(Number(v));
      case '%s':
        return typeof v === 'string' ? v : String(v);
      default:
        try {
          return JSON.stringify(v);
        } catch {
          return String(v);
        }
    }
  });
}

function addTest(title: string, fn: Fn | null): void {
  current.children.push({ kind: 'test', title, fn });
}

function each(register: (title: string, fn: Fn) => void) {
  return (table: unknown[]) =>
    (title: string, fn: (...args: unknown[]) => unknown): void => {
      table.forEach((row, i) => {
        const args = Array.isArray(row) ? row : [row];
        register(formatTitle(title, args, i), () => fn(...args));
      });
    };
}

function describeImpl(title: string, body: () => void, skipped = false): void {
  const suite = newSuite(title, skipped || current.skipped);
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    body();
  } finally {
    current = parent;
  }
}

export const describe = Object.assign((title: string, body: () => void) => describeImpl(title, body), {
  skip: (title: string, body: () => void) => describeImpl(title, body, true),
  each: (table: unknown[]) => (title: string, body: (...args: unknown[]) => void) =>
    table.forEach((row, i) => {
      const args = Array.isArray(row) ? row : [row];
      describeImpl(formatTitle(title, args, i), () => body(...args));
    }),
});

export const test = Object.assign((title: string, fn: Fn) => addTest(title, fn), {
  skip: (title: string, _fn?: Fn) => addTest(title, null),
  todo: (title: string) => addTest(title, null),
  each: each((title, fn) => addTest(title, fn)),
});
export const it = test;

export const beforeAll = (fn: Fn) => current.beforeAll.push(fn);
export const afterAll = (fn: Fn) => current.afterAll.push(fn);
export const beforeEach = (fn: Fn) => current.beforeEach.push(fn);
export const afterEach = (fn: Fn) => current.afterEach.push(fn);

const mocker = new ModuleMocker(globalThis);
export const jest = {
  spyOn: mocker.spyOn.bind(mocker),
  fn: mocker.fn.bind(mocker),
  restoreAllMocks: () => mocker.restoreAllMocks(),
};

export { expect };

function message(error: unknown): string {
  if (error instanceof Error) return `${error.message}\n${(error.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return String(error);
}

function countTests(suite: Suite): number {
  return suite.children.reduce((n, c) => n + (c.kind === 'test' ? 1 : countTests(c)), 0);
}

/** Runs every registered test in order; a failing beforeAll fails the suite's tests, as in jest. */
export async function runAll(onResult: (r: TestResult) => void, onStart?: (title: string) => void): Promise<void> {
  const run = async (suite: Suite, path: string[], eachChain: Suite[]): Promise<void> => {
    const titlePath = suite.title ? [...path, suite.title] : path;
    const chain = [...eachChain, suite];
    if (suite.skipped) {
      skipAll(suite, titlePath, onResult);
      return;
    }
    let setupError: unknown = null;
    for (const hook of suite.beforeAll) {
      try {
        await hook();
      } catch (e) {
        setupError = e;
        break;
      }
    }
    for (const child of suite.children) {
      if (child.kind === 'suite') {
        if (setupError != null) failAll(child, [...titlePath, child.title], setupError, onResult);
        else await run(child, titlePath, chain);
        continue;
      }
      const title = [...titlePath, child.title].join(' › ');
      if (child.fn == null) {
        onResult({ title, status: 'skipped', ms: 0 });
        continue;
      }
      if (setupError != null) {
        onResult({ title, status: 'failed', error: `beforeAll failed: ${message(setupError)}`, ms: 0 });
        continue;
      }
      onStart?.(title);
      const start = performance.now();
      let error: unknown = null;
      try {
        for (const s of chain) for (const hook of s.beforeEach) await hook();
        await child.fn();
      } catch (e) {
        error = e;
      }
      for (const s of [...chain].reverse()) {
        for (const hook of s.afterEach) {
          try {
            await hook();
          } catch (e) {
            error ??= e;
          }
        }
      }
      onResult({
        title,
        status: error == null ? 'passed' : 'failed',
        ...(error == null ? {} : { error: message(error) }),
        ms: performance.now() - start,
      });
    }
    for (const hook of suite.afterAll) {
      try {
        await hook();
      } catch (e) {
        onResult({ title: [...titlePath, '(afterAll)'].join(' › '), status: 'failed', error: message(e), ms: 0 });
      }
    }
  };
  await run(root, [], []);
}

function skipAll(suite: Suite, path: string[], onResult: (r: TestResult) => void): void {
  for (const c of suite.children) {
    if (c.kind === 'test') onResult({ title: [...path, c.title].join(' › '), status: 'skipped', ms: 0 });
    else skipAll(c, [...path, c.title], onResult);
  }
}

function failAll(suite: Suite, path: string[], error: unknown, onResult: (r: TestResult) => void): void {
  for (const c of suite.children) {
    if (c.kind === 'test')
      onResult({
        title: [...path, c.title].join(' › '),
        status: 'failed',
        error: `beforeAll failed: ${message(error)}`,
        ms: 0,
      });
    else failAll(c, [...path, c.title], error, onResult);
  }
}

/** How many tests are registered (the page reports it before running). */
export const registeredTests = (): number => countTests(root);

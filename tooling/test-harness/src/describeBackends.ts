import { afterAll, afterEach, beforeAll, beforeEach, describe } from '@jest/globals';
import { releaseBackends, useBackend, type BackendName, type BackendStatus } from '@gradkit/backends';
import { planBackends, readReport } from './backendList';
import { leakCheckEachTest } from './leakCheck';
import { FLOAT32_TOLERANCE, type Tolerance } from './tensorMatchers';

/** What a test body learns about the backend it runs on. */
export interface BackendContext {
  readonly name: BackendName;
  /** What the backend runs on (e.g. `Dawn opengles on llvmpipe (software)`). */
  readonly device: string;
  /** The default float32 tolerance for value comparisons. */
  readonly tolerance: Tolerance;
}

export interface DescribeBackendsOptions {
  /** Backends this suite does not run on, each with the reason (shown in the suite title as skipped). */
  skip?: Partial<Record<BackendName, string>>;
  /** Checks tensor leaks around every test (default true). */
  leakCheck?: boolean;
}

let released = false;

/**
 * Runs the same test body on every available backend, one `describe` per backend titled `title [backend]`.
 * Around each test it checks that no tensor leaked. Backends that are unavailable are listed as skipped
 * suites with the reason; so are entries of `options.skip`.
 *
 * @example
 * describeBackends('stopGradient', (backend) => {
 *   test('forward is the identity', async () => { ... });
 * });
 */
export function describeBackends(
  title: string,
  body: (backend: BackendContext) => void,
  options: DescribeBackendsOptions = {},
): void {
  const plan = planBackends(readReport());
  if (!released) {
    released = true;
    // A live WebGPU device keeps the worker alive; free it when the file's tests are done.
    afterAll(() => releaseBackends());
  }
  for (const status of plan.run) {
    const reason = options.skip?.[status.name];
    const context = contextFor(status);
    if (reason != null) {
      describe.skip(`${title} [${status.name}] (skipped: ${reason})`, () => body(context));
      continue;
    }
    describe(`${title} [${status.name}]`, () => {
      beforeAll(async () => {
        await useBackend(status.name);
      });
      if (options.leakCheck !== false) leakCheckEachTest(status.name, { beforeEach, afterEach });
      body(context);
    });
  }
  for (const { name, reason } of plan.absent) {
    describe.skip(`${title} [${name}] (unavailable: ${reason})`, () =>
      body(contextFor({ name, tfName: name, available: false, reason })));
  }
}

function contextFor(status: BackendStatus): BackendContext {
  return { name: status.name, device: status.device ?? status.name, tolerance: FLOAT32_TOLERANCE };
}

/**
 * @gradkit/test-harness as a browser page sees it (run.mjs bundles test files with this module in its place): the
 * same numeric helpers, jest's API from the page's runner, and `describeBackends` running the body on the page's
 * one backend, titled `title [browser:<backend>]`, with the same leak check around every test.
 */
import * as tf from '@tensorflow/tfjs-core';
import { leakCheckEachTest } from '../../../test-harness/src/leakCheck';
import { FLOAT32_TOLERANCE, type Tolerance } from '../../../test-harness/src/tensorMatchers';
import { afterEach, beforeAll, beforeEach, describe } from './runner';

export { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest, test } from './runner';
export {
  checkGradients,
  checkPseudoGradient,
  finiteDifferences,
  type CheckInput,
  type GradientCheckSpec,
  type PseudoGradientSpec,
} from '../../../test-harness/src/gradientCheck';
export { canCountGpuPrograms, countGpuPrograms, type GpuProgramCounter } from '@gradkit/backends';
export { disposeFailedGradientTape, expectNoLeaks, variableOf } from '../../../test-harness/src/leakCheck';
export { normalValues, randomInput, sizeOf, uniformValues } from '../../../test-harness/src/random';
export {
  expectTensorClose,
  expectValuesClose,
  flatten,
  FLOAT32_TOLERANCE,
  takeValues,
  valuesOf,
  type Expected,
  type Tolerance,
} from '../../../test-harness/src/tensorMatchers';

/** The page's backend, set by page.ts from the URL before the test file loads. */
export interface BrowserBackend {
  /** tfjs's name: cpu, wasm, webgl, webgpu. */
  name: string;
  /** What it runs on in this browser (e.g. the WebGL renderer). */
  device: string;
  /** Why it cannot run here, or null. */
  unavailable: string | null;
}

declare global {
  var __gradkitBrowserBackend: BrowserBackend | undefined;
}

export interface BackendContext {
  readonly name: string;
  readonly device: string;
  readonly tolerance: Tolerance;
}

export interface DescribeBackendsOptions {
  skip?: Partial<Record<string, string>>;
  leakCheck?: boolean;
}

export function describeBackends(
  title: string,
  body: (backend: BackendContext) => void,
  options: DescribeBackendsOptions = {},
): void {
  const backend = globalThis.__gradkitBrowserBackend;
  if (backend == null) throw new Error('describeBackends: no page backend (run through tooling/browser-tests/run.mjs)');
  const label = `${title} [browser:${backend.name}]`;
  const context: BackendContext = { name: backend.name, device: backend.device, tolerance: FLOAT32_TOLERANCE };
  const reason = options.skip?.[backend.name] ?? options.skip?.[`browser:${backend.name}`] ?? null;
  if (backend.unavailable != null || reason != null) {
    describe.skip(`${label} (${reason != null ? 'skipped' : 'unavailable'}: ${reason ?? backend.unavailable})`, () =>
      body(context));
    return;
  }
  describe(label, () => {
    beforeAll(async () => {
      await tf.setBackend(backend.name);
      await tf.ready();
    });
    if (options.leakCheck !== false) leakCheckEachTest(backend.name, { beforeEach, afterEach });
    body(context);
  });
}

export function readReport(): never {
  throw new Error('readReport: the Node harness reads the backend report; in a page there is one backend');
}
export const planBackends = readReport;
export const parseBackendList = readReport;

import { describe, expect, test } from '@jest/globals';
import type { BackendStatus } from '@gradkit/backends';
import { parseBackendList, planBackends } from './backendList';

const report: BackendStatus[] = [
  { name: 'cpu', tfName: 'cpu', available: true, device: 'js' },
  { name: 'wasm', tfName: 'wasm', available: true, device: 'wasm' },
  { name: 'webgl', tfName: 'webgl', available: false, reason: 'WebGL needs a browser' },
  { name: 'webgpu', tfName: 'webgpu', available: false, reason: 'no adapter' },
  { name: 'tensorflow', tfName: 'tensorflow', available: false, reason: 'not installed' },
  { name: 'tensorflow-gpu', tfName: 'tensorflow', available: false, reason: 'not installed' },
];

describe('planBackends', () => {
  test('runs every available backend and lists the others with their reason', () => {
    const plan = planBackends(report, {});
    expect(plan.run.map((s) => s.name)).toEqual(['cpu', 'wasm']);
    expect(plan.absent).toContainEqual({ name: 'webgpu', reason: 'no adapter' });
  });

  test('GRADKIT_BACKENDS narrows the list', () => {
    const plan = planBackends(report, { GRADKIT_BACKENDS: 'wasm' });
    expect(plan.run.map((s) => s.name)).toEqual(['wasm']);
    expect(plan.absent).toContainEqual({ name: 'cpu', reason: 'not in GRADKIT_BACKENDS' });
  });

  test('browser:* names belong to the browser run: jest ignores them, and only they narrow jest to nothing', () => {
    expect(parseBackendList('cpu,browser:webgl', 'GRADKIT_BACKENDS')).toEqual(['cpu']);
    expect(parseBackendList('browser:webgl,browser:wasm', 'GRADKIT_REQUIRE_BACKENDS')).toEqual([]);
    const plan = planBackends(report, { GRADKIT_BACKENDS: 'browser:webgl', GRADKIT_REQUIRE_BACKENDS: 'browser:webgl' });
    expect(plan.run).toEqual([]);
  });

  test('an unknown name in GRADKIT_BACKENDS is a one-line error', () => {
    expect(() => planBackends(report, { GRADKIT_BACKENDS: 'cpu,gpu' })).toThrow(
      'GRADKIT_BACKENDS: unknown backend "gpu", expected a comma-separated list of cpu, wasm, webgl, webgpu, tensorflow, tensorflow-gpu',
    );
  });

  test('GRADKIT_REQUIRE_BACKENDS fails the run when a required backend is missing', () => {
    expect(() => planBackends(report, { GRADKIT_REQUIRE_BACKENDS: 'webgpu' })).toThrow(
      'GRADKIT_REQUIRE_BACKENDS lists webgpu, which is unavailable: no adapter',
    );
  });
});

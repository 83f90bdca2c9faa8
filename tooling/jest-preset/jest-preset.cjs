// Shared jest settings for every gradkit workspace. A workspace's jest.config.cjs is one line:
//   module.exports = { preset: '@gradkit/jest-preset' };
//
// - TypeScript runs through @swc/jest (type checking is a separate `tsc --noEmit` task).
// - Workspace packages resolve to their TypeScript sources, so a test never runs against a stale dist and every
//   package in one test file shares one copy of each module (one gradient registry, one policy switch).
// - The results reporter writes .test-results/jest.json; tooling/scripts/run-tests.mjs sums them for .ci/run.
// - Global setup probes the backends once per jest run (see global-setup.cjs).
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      require.resolve('@swc/jest'),
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    '^@gradkit/test-harness$': path.join(repoRoot, 'tooling/test-harness/src/index.ts'),
    '^@gradkit/experiment-runner$': path.join(repoRoot, 'apps/experiment-runner/src/index.ts'),
    '^@gradkit/experiment-runner/testing$': path.join(repoRoot, 'apps/experiment-runner/src/testing.ts'),
    '^@gradkit/([a-z-]+)$': path.join(repoRoot, 'packages/$1/src/index.ts'),
    '^@gradkit/([a-z-]+)/([a-z-]+)$': path.join(repoRoot, 'packages/$1/src/$2.ts'),
    // Relative imports written with the .js extension that ESM output needs.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  globalSetup: path.join(__dirname, 'global-setup.cjs'),
  reporters: ['default', path.join(__dirname, 'results-reporter.cjs')],
  testTimeout: 300_000,
  // One backend's engine per test file; files run one at a time per package (turbo runs packages in parallel).
  maxWorkers: 1,
};

// StrykerJS settings shared by every package; run.mjs passes the package and its exclusions.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = process.env.GRADKIT_MUTATE_PACKAGE;
const plan = JSON.parse(process.env.GRADKIT_MUTATE_PLAN ?? '{}');

export default {
  packageManager: 'pnpm',
  plugins: ['@stryker-mutator/jest-runner', '@stryker-mutator/typescript-checker'].map((p) =>
    // their ESM entries, resolved from here (the packages under test do not depend on Stryker)
    fileURLToPath(import.meta.resolve(p)),
  ),
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.cjs',
    // Stryker's environment wrapper requires the environment from its own folder, which pnpm keeps apart: name it
    // by path
    config: { testEnvironment: fileURLToPath(import.meta.resolve('jest-environment-node')) },
    enableFindRelatedTests: true,
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  mutate: plan.mutate,
  // The package's jest config maps @gradkit/* to the workspace's own sources by absolute path: a sandbox copy would
  // test the originals. Mutating in place keeps every path real (Stryker restores the files when it ends).
  // (Interrupted hard, it leaves them instrumented: `git checkout packages/<package>` restores them.)
  inPlace: true,
  // The tests run through swc, which never type-checks: no need to write `// @ts-nocheck` into every file.
  disableTypeChecks: false,
  incremental: true,
  incrementalFile: path.join(here, 'results', `${pkg}.incremental.json`),
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: path.join(here, 'results', `${pkg}.mutation.json`) },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  concurrency: plan.concurrency ?? 2,
  timeoutMS: 60_000,
  tempDirName: path.join(here, '.stryker-tmp'),
  cleanTempDir: 'always',
};

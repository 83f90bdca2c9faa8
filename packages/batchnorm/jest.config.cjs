// Tests import batchnorm's modules directly; a user's `import '@gradkit/batchnorm'` registers the kernels from the
// index (registerBatchNormKernels), so every test file does the same first.
module.exports = { preset: '@gradkit/jest-preset', setupFiles: ['<rootDir>/src/kernels/testSetup.ts'] };

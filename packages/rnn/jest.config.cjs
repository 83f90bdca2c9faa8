// Tests import rnn's modules directly; a user's `import '@gradkit/rnn'` registers the kernels from the index
// (registerRnnKernels), so every test file does the same first (tests of the built package check the index).
module.exports = { preset: '@gradkit/jest-preset', setupFiles: ['<rootDir>/src/kernels/testSetup.ts'] };

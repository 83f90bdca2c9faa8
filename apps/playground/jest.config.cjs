module.exports = { preset: '@gradkit/jest-preset' };

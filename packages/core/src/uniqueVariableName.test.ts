import { describe, expect, test } from '@gradkit/test-harness';
import { uniqueVariableName } from './index';

describe('uniqueVariableName', () => {
  test('is <prefix>_<k> with a fresh k every call, whatever the prefix', () => {
    const names = [uniqueVariableName('a'), uniqueVariableName('a'), uniqueVariableName('b/kernel')];
    expect(names[0]).toMatch(/^a_\d+$/);
    expect(names[2]).toMatch(/^b\/kernel_\d+$/);
    expect(new Set(names.map((n) => n.slice(n.lastIndexOf('_') + 1))).size).toBe(3);
    expect(names[0]).not.toBe(names[1]);
  });
});

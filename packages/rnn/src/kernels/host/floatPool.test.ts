import { describe, expect, test } from '@gradkit/test-harness';
import { FloatPool } from './floatPool';

describe('FloatPool (plain arrays, no tensors)', () => {
  test('hands back given arrays by length, keeps at most perLength of each, never the same array twice', () => {
    const pool = new FloatPool(2);
    const a = pool.take(6);
    expect(a).toEqual(new Float32Array(6));
    a[0] = 5;
    const [b, c] = [pool.take(6), pool.take(6)];
    pool.give(a, a, b, c); // a twice: kept once; c beyond the cap of 2: dropped
    expect(pool.size(6)).toBe(2);
    const again = [pool.take(6), pool.take(6)];
    expect(again).toContain(a);
    expect(again).toContain(b);
    expect(a[0]).toBe(5); // stale contents: callers overwrite before reading
    expect(pool.take(6)).not.toBe(c);
    expect(pool.take(7).length).toBe(7);
    expect(pool.size(6)).toBe(0);
  });
});

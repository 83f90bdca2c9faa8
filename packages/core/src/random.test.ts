import { describe, expect, test } from '@gradkit/test-harness';
import { createRng } from './index';

/** mulberry32 as published (Tommy Ettinger), in plain JavaScript: the reference createRng must match. */
function reference(seed: number): () => number {
  let a = seed;
  return () => {
    let t = (a += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('createRng', () => {
  test('gives the first outputs of mulberry32 computed by hand (exact integer arithmetic, as uint32 / 2^32)', () => {
    // From the formula in createRng's doc comment, evaluated with BigInt (no Math.imul, no float rounding).
    const expected: Record<number, number[]> = {
      0: [1144304738, 1416247, 958946056, 627933444],
      1: [2693262067, 11749833, 2265367787, 4213581821],
      42: [2581720956, 1925393290, 3661312704, 2876485805],
      4294967295: [3850105811, 813802916, 3073704848, 4054706436],
    };
    for (const [seed, words] of Object.entries(expected)) {
      const rng = createRng(Number(seed));
      expect(words.map(() => rng())).toEqual(words.map((w) => w / 2 ** 32));
    }
  });

  test('matches the published algorithm for 10 000 draws from several seeds, always in [0, 1)', () => {
    for (const seed of [0, 1, 7, 12345, 2 ** 31 - 1, 2 ** 32 - 1]) {
      const ours = createRng(seed);
      const theirs = reference(seed);
      for (let i = 0; i < 10_000; i++) {
        const x = ours();
        expect(x).toBe(theirs());
        expect(x >= 0 && x < 1).toBe(true);
      }
    }
  });

  test('seeds are taken modulo 2^32 (−1 is 2^32 − 1)', () => {
    const a = createRng(-1);
    const b = createRng(2 ** 32 - 1);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  test('state reads and sets the whole generator: setting a saved state continues the sequence exactly', () => {
    const rng = createRng(3);
    expect(rng.state).toBe(3);
    for (let i = 0; i < 5; i++) rng();
    const saved = rng.state;
    const next = [rng(), rng(), rng()];
    const other = createRng(99);
    other.state = saved;
    expect([other(), other(), other()]).toEqual(next);
  });

  test('state refuses anything but an integer in [0, 2^32)', () => {
    const rng = createRng(1);
    for (const bad of [-1, 2 ** 32, 0.5, Number.NaN, '1' as unknown as number]) {
      expect(() => {
        rng.state = bad;
      }).toThrow(RangeError);
    }
    expect(() => {
      rng.state = -1;
    }).toThrow('rng state -1: expected an integer in [0, 2^32)');
    expect(() => {
      rng.state = 2 ** 32;
    }).toThrow('rng state 4294967296: expected an integer in [0, 2^32)');
    expect(rng.state).toBe(1);
    // the ends of the range are accepted and continue as the generator of that seed
    for (const edge of [0, 2 ** 32 - 1]) {
      rng.state = edge;
      expect(rng.state).toBe(edge);
      const fresh = reference(edge);
      expect([rng(), rng()]).toEqual([fresh(), fresh()]);
    }
  });
});

/** A seeded random number generator: each call returns a number in [0, 1); `state` is all it remembers. */
export interface Rng {
  (): number;
  /** The generator's whole state (a uint32): save it (e.g. in a checkpoint), set it to continue the sequence exactly. */
  state: number;
}

/**
 * A small seeded PRNG: mulberry32 (Tommy Ettinger's 32-bit generator). The same seed gives the same sequence on
 * every platform and backend (it is plain JavaScript integer arithmetic). With the state a = seed mod 2³², each
 * call computes, all modulo 2³² (⊕ xor, ≫ unsigned shift right, | bitwise or):
 *
 *   a ← a + 0x6D2B79F5
 *   t ← (a ⊕ (a ≫ 15)) · (a | 1)
 *   t ← t ⊕ (t + (t ⊕ (t ≫ 7)) · (t | 61))
 *   return (t ⊕ (t ≫ 14)) / 2³²
 *
 * 2³² values in [0, 1), a period of 2³². Not for cryptography. `rng.state` reads and sets a (an integer in
 * [0, 2³²)); setting anything else throws a RangeError.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (() => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  Object.defineProperty(next, 'state', {
    get: () => a,
    set: (value: unknown) => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new RangeError(`rng state ${String(value)}: expected an integer in [0, 2^32)`);
      }
      a = value;
    },
  });
  return next;
}

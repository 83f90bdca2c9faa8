/**
 * Reusable Float32Arrays, by length. The whole-sequence GRU keeps several [T·batch, units] arrays per call for its
 * backward pass; allocating them fresh every call makes the first write to each page a page fault (zeroed memory
 * from the system) plus garbage-collector work, which cost about as much as the gate arithmetic itself.
 *
 * `take` returns an array whose contents are stale (whatever its last user wrote): callers overwrite every element
 * before reading any. `give` hands arrays back; at most `perLength` arrays of each length are kept, the rest are
 * left to the garbage collector. An array must not be used after it is given back.
 */
export class FloatPool {
  private readonly free = new Map<number, Float32Array[]>();

  constructor(private readonly perLength = 8) {}

  take(length: number): Float32Array {
    return this.free.get(length)?.pop() ?? new Float32Array(length);
  }

  give(...arrays: Float32Array[]): void {
    for (const a of arrays) {
      let list = this.free.get(a.length);
      if (list == null) this.free.set(a.length, (list = []));
      if (list.length < this.perLength && !list.includes(a)) list.push(a);
    }
  }

  /** How many arrays of `length` are waiting to be reused. */
  size(length: number): number {
    return this.free.get(length)?.length ?? 0;
  }
}

/** The arrays the host kernels keep between a call's forward and backward or within one call (see FloatPool). */
export const scratchPool = new FloatPool(16);

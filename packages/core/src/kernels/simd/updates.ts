import { instantiateOn } from './instantiate';
import { UPDATES_WASM_BASE64 } from './updates.generated';

/**
 * The update rules of updates.wat, running on the memory of the backend that holds the tensors: arguments are byte
 * offsets into that memory and the element count.
 */
export interface SimdUpdates {
  sgd(value: number, g: number, out: number, n: number, c: number): void;
  momentum(
    value: number,
    g: number,
    acc: number,
    out: number,
    accOut: number,
    n: number,
    c: number,
    mu: number,
    nesterov: number,
  ): void;
  adagrad(value: number, g: number, acc: number, out: number, accOut: number, n: number, c: number, eps: number): void;
  adam(
    value: number,
    g: number,
    m: number,
    v: number,
    out: number,
    mOut: number,
    vOut: number,
    n: number,
    ...k: number[]
  ): void;
}

/**
 * The update kernels instantiated on `memory` (a `WebAssembly.Memory`), or null where unavailable (see
 * {@link instantiateOn}).
 */
export function simdUpdatesOn(memory: object): SimdUpdates | null {
  return instantiateOn<SimdUpdates>(UPDATES_WASM_BASE64, memory);
}

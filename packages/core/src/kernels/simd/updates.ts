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

/** The parts of the WebAssembly JS API used here (typed locally: the library's lib setting has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

let compiled: object | null | undefined;
const instances = new WeakMap<object, SimdUpdates | null>();

function decode(base64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return Uint8Array.from(Buffer.from(base64, 'base64'));
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

/**
 * The update kernels instantiated on `memory` (a `WebAssembly.Memory`; one instance per memory, kept while the memory
 * lives), or null where WebAssembly SIMD is unavailable or the memory cannot be imported (a shared memory of a
 * threaded build) — the caller then runs its JavaScript loops.
 */
export function simdUpdatesOn(memory: object): SimdUpdates | null {
  const known = instances.get(memory);
  if (known !== undefined) return known;
  let kernels: SimdUpdates | null = null;
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm != null && compiled === undefined) {
      const bytes = decode(UPDATES_WASM_BASE64);
      compiled = wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    }
    if (wasm != null && compiled != null) {
      kernels = new wasm.Instance(compiled, { env: { memory } }).exports as SimdUpdates;
    }
  } catch {
    kernels = null;
  }
  instances.set(memory, kernels);
  return kernels;
}

/** The parts of the WebAssembly JS API used here (typed locally: the library's lib setting has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

function decode(base64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return Uint8Array.from(Buffer.from(base64, 'base64'));
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

const modules = new Map<string, object | null>();
const instances = new Map<string, WeakMap<object, unknown>>();

/** The compiled module of `base64` (cached), or null where it does not validate (no WebAssembly SIMD). */
function compile(wasm: WasmApi, base64: string): object | null {
  if (!modules.has(base64)) {
    const bytes = decode(base64);
    modules.set(base64, wasm.validate(bytes) ? new wasm.Module(bytes) : null);
  }
  return modules.get(base64) ?? null;
}

/**
 * The exports of a WebAssembly module (base64) that imports its memory as `env.memory`, instantiated on `memory`
 * (a `WebAssembly.Memory`; one instance per module and memory, kept while the memory lives) — or null where
 * WebAssembly SIMD is unavailable or the memory cannot be imported (the shared memory of a threaded build). Callers
 * then run their JavaScript loops.
 */
export function instantiateOn<T>(base64: string, memory: object): T | null {
  let perMemory = instances.get(base64);
  if (perMemory == null) instances.set(base64, (perMemory = new WeakMap()));
  if (perMemory.has(memory)) return perMemory.get(memory) as T | null;
  let exports: T | null = null;
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    const module = wasm == null ? null : compile(wasm, base64);
    if (wasm != null && module != null) exports = new wasm.Instance(module, { env: { memory } }).exports as T;
  } catch {
    exports = null;
  }
  perMemory.set(memory, exports);
  return exports;
}

/**
 * The exports of a WebAssembly module (base64) that defines its own memory and imports nothing, instantiated once
 * per call — or null where WebAssembly SIMD is unavailable.
 */
export function instantiateStandalone<T>(base64: string): T | null {
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    const module = wasm == null ? null : compile(wasm, base64);
    return wasm != null && module != null ? (new wasm.Instance(module, {}).exports as T) : null;
  } catch {
    return null;
  }
}

let location: string | undefined;
let apply: ((folder: string) => void) | undefined;

/**
 * Where the browser loads tfjs's WebAssembly binaries from: the URL of a folder that serves the `.wasm` files of
 * `@tensorflow/tfjs-backend-wasm`'s `dist/` folder (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`,
 * `tfjs-backend-wasm-threaded-simd.wasm`). It is handed to tfjs-backend-wasm's `setWasmPaths` when
 * {@link useBackend}`('wasm')` registers the backend, so call it before that: tfjs loads the binaries once. A missing
 * trailing `/` is added. Without it, tfjs fetches them from the folder of the script it was bundled into.
 *
 * In Node the binaries are always read from `node_modules` and the location is not used, so code shared by a
 * browser app and its Node tests may call it unconditionally.
 *
 * @example
 * setWasmLocation('/assets/tfjs-wasm/');                       // a folder your server serves
 * setWasmLocation(new URL('./tfjs-wasm/', import.meta.url));   // next to the bundle
 * await useBackend('wasm');
 */
export function setWasmLocation(url: string | URL): void {
  const text = String(url);
  if (text.trim() === '') {
    throw new Error(
      "setWasmLocation: expected the URL of a folder that serves tfjs-backend-wasm's .wasm files, got an empty string",
    );
  }
  location = text.endsWith('/') ? text : `${text}/`;
  apply?.(location);
}

/** The folder set by {@link setWasmLocation}, with its trailing `/`; undefined when none was set. */
export function wasmLocation(): string | undefined {
  return location;
}

/**
 * Calls `listener` with every location set from now on and returns the current one (the browser's wasm provider
 * calls this when it registers the backend, and hands the current location to tfjs-backend-wasm itself).
 */
export function onWasmLocation(listener: (folder: string) => void): string | undefined {
  apply = listener;
  return location;
}

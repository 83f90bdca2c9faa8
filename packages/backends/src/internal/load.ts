/**
 * Loads backend packages on demand. Importing @gradkit/backends must not register any backend (tfjs would pick
 * the highest-priority registered one, and wasm/webgpu need an async initialization first), so backend packages
 * are required only when {@link useBackend} selects them. The ES-module build gets `require` from createRequire
 * (see tsup.config.ts).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export function load<T = unknown>(id: string): T {
  return require(id) as T;
}

export function resolve(id: string): string {
  return require.resolve(id);
}

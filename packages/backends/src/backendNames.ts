/**
 * The backends gradkit knows, by the name a user passes to {@link useBackend}.
 *
 * | name             | package                              | registered with tfjs as | runs in           |
 * |------------------|--------------------------------------|-------------------------|-------------------|
 * | `cpu`            | @tensorflow/tfjs-backend-cpu         | `cpu`                   | Node, the browser |
 * | `wasm`           | @tensorflow/tfjs-backend-wasm        | `wasm`                  | Node, the browser |
 * | `webgl`          | @tensorflow/tfjs-backend-webgl (optional peer) | `webgl`       | the browser       |
 * | `webgpu`         | @tensorflow/tfjs-backend-webgpu (+ npm `webgpu`, Dawn, in Node) | `webgpu` | Node, the browser |
 * | `tensorflow`     | @tensorflow/tfjs-node (optional peer) | `tensorflow`           | Node              |
 * | `tensorflow-gpu` | @tensorflow/tfjs-node-gpu (optional peer) | `tensorflow`       | Node              |
 *
 * Every name is known everywhere: where a backend cannot run (webgl in Node, tfjs-node in the browser) it is
 * unavailable, with the reason.
 */
export const BACKEND_NAMES = ['cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow', 'tensorflow-gpu'] as const;

/** A backend gradkit can select. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What {@link availableBackends} and {@link useBackend} report for one backend. */
export interface BackendStatus {
  /** The gradkit name. */
  name: BackendName;
  /** Whether {@link useBackend} can select it on this machine. */
  available: boolean;
  /** Why it is unavailable (absent when available). */
  reason?: string;
  /** What it runs on when available, e.g. `Dawn opengles on llvmpipe (software)`. */
  device?: string;
  /** The name tfjs registers it under (`tf.getBackend()` returns this). */
  tfName: string;
}

/** Type guard: `name` is one of {@link BACKEND_NAMES}. */
export function isBackendName(name: unknown): name is BackendName {
  return typeof name === 'string' && (BACKEND_NAMES as readonly string[]).includes(name);
}

/** Throws a one-line error unless `name` is a known backend name. */
export function assertBackendName(name: unknown, where = 'backend'): asserts name is BackendName {
  if (!isBackendName(name)) {
    throw new UnknownBackendError(
      `Unknown ${where} ${JSON.stringify(name)}: expected one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
}

/** Thrown for a backend name gradkit does not know. */
export class UnknownBackendError extends Error {
  override name = 'UnknownBackendError';
}

/** Thrown by {@link useBackend} when the backend cannot run here; `status.reason` says why. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(readonly status: BackendStatus) {
    super(`Backend "${status.name}" is unavailable: ${status.reason ?? 'unknown reason'}`);
  }
}

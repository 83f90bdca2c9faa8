import type { BackendName, BackendStatus } from '../backendNames';

/** How one backend is probed and registered with tfjs. Probing never registers anything. */
export interface BackendProvider {
  readonly name: BackendName;
  readonly tfName: string;
  /** Checks whether the backend can run here, without registering it with tfjs. */
  probe(): Promise<BackendStatus>;
  /** Registers the backend's factory with tfjs (idempotent). Only called after a successful probe. */
  register(): Promise<void>;
  /** Releases native resources (a GPU device) so that the process can exit. */
  release?(): void;
  /** What to check when tfjs fails to initialize the backend after a successful probe (e.g. where wasm looked). */
  initFailureHint?(): string;
}

export function unavailable(name: BackendName, tfName: string, reason: string): BackendStatus {
  return { name, tfName, available: false, reason };
}

/** `… (swiftshader, software)` for a device that a software rasterizer runs, as Dawn's are described in Node. */
export function markSoftware(description: string): string {
  const software = /swiftshader|llvmpipe|lavapipe|softpipe/i.exec(description);
  return software == null ? description : `${description} (${software[0].toLowerCase()}, software)`;
}

/** The message of an unknown thrown value, on one line. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** A backend that cannot run in this build (webgl in Node, tfjs-node in the browser): always unavailable, with why. */
export function unavailableProvider(name: BackendName, tfName: string, reason: string): BackendProvider {
  return {
    name,
    tfName,
    async probe() {
      return unavailable(name, tfName, reason);
    },
    async register() {
      throw new Error(`${name}: register() called for a backend that cannot run here (${reason})`);
    },
  };
}

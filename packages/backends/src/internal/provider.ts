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
}

export function unavailable(name: BackendName, tfName: string, reason: string): BackendStatus {
  return { name, tfName, available: false, reason };
}

/** The message of an unknown thrown value, on one line. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

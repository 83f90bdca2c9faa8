import { BACKEND_NAMES, type BackendStatus } from './backendNames';
import { providers } from './internal/providers';

/**
 * Every backend gradkit knows, each marked available or unavailable with the reason. Probing registers
 * nothing with tfjs, so calling this never changes which backend tfjs would pick.
 *
 * @example
 * for (const b of await availableBackends()) console.log(b.name, b.available ? b.device : b.reason);
 */
export async function availableBackends(): Promise<BackendStatus[]> {
  const statuses: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) statuses.push(await providers[name].probe());
  return statuses;
}

/** The names of the backends that are available here, in {@link BACKEND_NAMES} order. */
export async function availableBackendNames(): Promise<BackendStatus['name'][]> {
  return (await availableBackends()).filter((b) => b.available).map((b) => b.name);
}

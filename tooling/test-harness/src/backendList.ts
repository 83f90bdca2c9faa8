import { BACKEND_NAMES, isBackendName, type BackendName, type BackendStatus } from '@gradkit/backends';

/**
 * Which backends the tests run on. The jest global setup probes the machine once per run and passes the report
 * in GRADKIT_BACKEND_REPORT; `GRADKIT_BACKENDS=cpu,wasm` narrows the list; `GRADKIT_REQUIRE_BACKENDS=webgpu` makes a
 * run fail when a required backend is missing instead of skipping it.
 */
export interface BackendPlan {
  /** Backends the tests run on. */
  run: BackendStatus[];
  /** Backends that will not run, with the reason. */
  absent: Array<{ name: BackendName; reason: string }>;
}

export function parseBackendList(text: string | undefined, variable: string): BackendName[] | undefined {
  if (text == null || text.trim() === '') return undefined;
  // browser:* names are the browser run's (tooling/browser-tests), not jest's
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('browser:'));
  for (const name of names) {
    if (!isBackendName(name))
      throw new Error(
        `${variable}: unknown backend ${JSON.stringify(name)}, expected a comma-separated list of ${BACKEND_NAMES.join(', ')}`,
      );
  }
  return names as BackendName[];
}

export function readReport(env: NodeJS.ProcessEnv = process.env): BackendStatus[] {
  const text = env.GRADKIT_BACKEND_REPORT;
  if (text == null) {
    throw new Error(
      'GRADKIT_BACKEND_REPORT is not set: run the tests through jest with @gradkit/jest-preset (its global setup probes the backends)',
    );
  }
  return JSON.parse(text) as BackendStatus[];
}

export function planBackends(report: BackendStatus[], env: NodeJS.ProcessEnv = process.env): BackendPlan {
  const selected = parseBackendList(env.GRADKIT_BACKENDS, 'GRADKIT_BACKENDS') ?? BACKEND_NAMES;
  const required = parseBackendList(env.GRADKIT_REQUIRE_BACKENDS, 'GRADKIT_REQUIRE_BACKENDS') ?? [];
  const run: BackendStatus[] = [];
  const absent: BackendPlan['absent'] = [];
  for (const name of BACKEND_NAMES) {
    const status = report.find((s) => s.name === name);
    if (!selected.includes(name)) {
      absent.push({ name, reason: 'not in GRADKIT_BACKENDS' });
    } else if (status == null || !status.available) {
      const reason = status?.reason ?? 'not probed';
      if (required.includes(name))
        throw new Error(`GRADKIT_REQUIRE_BACKENDS lists ${name}, which is unavailable: ${reason}`);
      absent.push({ name, reason });
    } else {
      run.push(status);
    }
  }
  return { run, absent };
}

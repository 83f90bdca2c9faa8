#!/usr/bin/env node
// The monorepo's test command (what `npm test` and .ci/run run after installing):
//   1. builds every workspace and runs the static checks (lint, typecheck, publint + arethetypeswrong, prettier),
//   2. probes the backends once and prints which ones the tests will run on, and why the others will not,
//   3. runs every workspace's jest suite through turbo (--continue: one failing package does not hide others),
//   4. sums the per-package totals the jest results reporter wrote and ends with `N passed, N failed`.
// Exits non-zero if anything failed, or if no test ran at all.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workspaces = ['packages', 'apps', 'tooling']
  .flatMap((dir) =>
    existsSync(join(root, dir)) ? readdirSync(join(root, dir)).map((name) => join(root, dir, name)) : [],
  )
  .filter((dir) => existsSync(join(dir, 'package.json')));
const turbo = join(root, 'node_modules', '.bin', 'turbo');
const extra = process.argv.slice(2);

function run(args, env = process.env) {
  const result = spawnSync(turbo, args, { cwd: root, stdio: 'inherit', env });
  return result.status ?? 1;
}

for (const dir of workspaces) rmSync(join(dir, '.test-results'), { recursive: true, force: true });

const built = run(['run', 'build', '--output-logs=errors-only']);
if (built !== 0) {
  console.log('build failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// Static checks count as one test each in the totals.
const checks = ['lint', 'typecheck', 'check-package'].map((task) => ({
  task,
  ok: run(['run', task, '--continue', '--output-logs=errors-only']) === 0,
}));
// One formatter for the whole repository (.prettierrc.json; what it leaves alone and why: .prettierignore).
const format = spawnSync(join(root, 'node_modules', '.bin', 'prettier'), ['--check', '.', '--log-level', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
checks.push({ task: 'format (prettier --check; npm run format fixes)', ok: format.status === 0 });

let report = process.env.GRADKIT_BACKEND_REPORT;
if (report == null) {
  const out = execFileSync(process.execPath, [join(root, 'tooling', 'jest-preset', 'probe-backends.cjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  report = (out.split('\n').find((l) => l.startsWith('GRADKIT_BACKEND_REPORT=')) ?? '').slice(
    'GRADKIT_BACKEND_REPORT='.length,
  );
}
const statuses = JSON.parse(report);
const selected = process.env.GRADKIT_BACKENDS?.split(',').map((s) => s.trim());
console.log('\nBackends for this test run:');
for (const s of statuses) {
  const skipped = selected != null && !selected.includes(s.name);
  const state = !s.available
    ? `unavailable: ${s.reason}`
    : skipped
      ? 'available, not in GRADKIT_BACKENDS'
      : `runs on ${s.device}`;
  console.log(`  ${s.name.padEnd(15)} ${state}`);
}
console.log('');

const status = run(['run', 'test', '--continue', '--concurrency=2', ...extra], {
  ...process.env,
  GRADKIT_BACKEND_REPORT: report,
});

let passed = checks.filter((c) => c.ok).length;
let failed = checks.length - passed;
const lines = checks.map((c) => `  ${c.task}: ${c.ok ? 'ok' : 'FAILED'}`);
for (const dir of workspaces) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.scripts?.test == null) continue;
  const file = join(dir, '.test-results', 'jest.json');
  if (!existsSync(file)) {
    failed += 1;
    lines.push(`  ${pkg.name}: no results (the test task did not run to completion)`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.passed;
  failed += r.failed;
  lines.push(`  ${pkg.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  // the browser run's totals per backend (tooling/browser-tests)
  if (r.unavailable != null) lines.push(`    browser:* unavailable: ${r.unavailable}`);
  for (const [backend, c] of Object.entries(r.byBackend ?? {}))
    lines.push(
      `    browser:${backend}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${r.devices?.[backend] ?? backend}, Chromium ${r.chromium})`,
    );
}
console.log('\nTest totals by workspace:');
for (const line of lines) console.log(line);
if (status !== 0 && failed === 0) failed = 1;
if (passed === 0) console.log('no test passed: treating the run as failed');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

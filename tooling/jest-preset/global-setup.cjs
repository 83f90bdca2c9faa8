// Probes the backends once per jest run, in a child process (a WebGPU probe loads Dawn, which the jest parent
// process should not hold), and hands the report to the test files in GRADKIT_BACKEND_REPORT.
// tooling/scripts/run-tests.mjs probes once for the whole monorepo and sets the variable itself.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const probe = path.join(__dirname, 'probe-backends.cjs');

module.exports = async function globalSetup() {
  // Dawn reads EGL_PLATFORM from the C environment when it loads; test files see a copy of process.env, so
  // the software OpenGL ES path (Mesa without a display) must be chosen here, before any test file runs.
  if (process.env.EGL_PLATFORM == null) process.env.EGL_PLATFORM = 'surfaceless';
  if (process.env.GRADKIT_BACKEND_REPORT != null) return;
  process.env.GRADKIT_BACKEND_REPORT = probeBackends();
};

function probeBackends() {
  const dist = path.resolve(__dirname, '..', '..', 'packages', 'backends', 'dist', 'index.cjs');
  if (!existsSync(dist)) {
    throw new Error(
      `${dist} does not exist: build @gradkit/backends first (npx turbo run build --filter=@gradkit/backends)`,
    );
  }
  const out = execFileSync(process.execPath, [probe], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 120_000,
  });
  const line = out.split('\n').find((l) => l.startsWith('GRADKIT_BACKEND_REPORT='));
  if (line == null) throw new Error(`${probe} printed no report:\n${out}`);
  return line.slice('GRADKIT_BACKEND_REPORT='.length);
}

module.exports.probeBackends = probeBackends;

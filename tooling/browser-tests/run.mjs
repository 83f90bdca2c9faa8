#!/usr/bin/env node
// Runs the packages' test files in Chromium on the browser backends (browser:cpu, browser:wasm, browser:webgl,
// browser:webgpu): each test file is bundled with esbuild for the browser — @gradkit/test-harness replaced by its page
// version (src/page/harness.ts: jest's API from a small runner, describeBackends on the page's one backend) — and run
// in a fresh page per backend, driven by playwright-core with Debian's Chromium. The same test files as jest runs in
// Node; a file that needs Node (imports a node: module) is skipped with that reason.
//
//   node run.mjs [--backends cpu,wasm,webgl,webgpu] [--packages core,rnn] [--files gruSequence] [--verbose]
//
// Writes .test-results/jest.json (the totals tooling/scripts/run-tests.mjs sums) and .test-results/browser.json (every
// result). Without Chromium every suite is skipped with the reason, unless GRADKIT_REQUIRE_BACKENDS names a browser:*
// backend, which makes its absence a failure.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { builtinModules } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'];
const { CHROMIUM, FLAGS } = require('./chromium.cjs');
const FILE_TIMEOUT_MS = Number(process.env.GRADKIT_BROWSER_FILE_TIMEOUT ?? 600) * 1000;

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const list = (text) =>
  text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
// --backends, else the browser:* entries of GRADKIT_BACKENDS (which, set, narrows this run as it narrows jest's)
const fromEnv = list(process.env.GRADKIT_BACKENDS)
  ?.filter((n) => n.startsWith('browser:'))
  .map((n) => n.slice('browser:'.length));
const backends = list(opt('backends')) ?? fromEnv ?? BACKENDS;
for (const b of backends) {
  if (!BACKENDS.includes(b)) {
    console.error(
      `browser-tests: unknown backend ${JSON.stringify(b)}, expected a comma-separated list of ${BACKENDS.join(', ')}`,
    );
    process.exit(2);
  }
}
const packageFilter = list(opt('packages'));
const fileFilter = opt('files');
const verbose = args.includes('--verbose');
const required = (list(process.env.GRADKIT_REQUIRE_BACKENDS) ?? [])
  .filter((n) => n.startsWith('browser:'))
  .map((n) => n.slice('browser:'.length));

const resultsDir = join(here, '.test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

function writeTotals(totals, extra = {}) {
  writeFileSync(join(resultsDir, 'jest.json'), JSON.stringify({ ...totals, ...extra }, null, 2));
}

/** Every *.test.ts under packages/<name>/src and packages/<name>/test. */
function testFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.test.ts')) out.push(path);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'))) {
    if (packageFilter && !packageFilter.includes(pkg)) continue;
    for (const sub of ['src', 'test'])
      if (existsSync(join(root, 'packages', pkg, sub))) walk(join(root, 'packages', pkg, sub));
  }
  return out.filter((f) => fileFilter == null || f.includes(fileFilter)).sort();
}

const files = testFiles();

if (!existsSync(CHROMIUM)) {
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium; or set GRADKIT_CHROMIUM)`;
  for (const b of backends) console.log(`  browser:${b.padEnd(8)} unavailable: ${reason}`);
  if (required.length > 0) {
    console.error(
      `GRADKIT_REQUIRE_BACKENDS lists browser:${required.join(', browser:')}, which is unavailable: ${reason}`,
    );
    writeTotals({ passed: 0, failed: 1, skipped: 0, suites: 0, brokenSuites: 1 });
    process.exit(1);
  }
  writeTotals({ passed: 0, failed: 0, skipped: 0, suites: 0, brokenSuites: 0 }, { unavailable: reason });
  process.exit(0);
}

// ---- bundle every test file for the page ----
const esbuild = await import(require.resolve('esbuild'));
const bundleDir = join(here, '.bundles');
rmSync(bundleDir, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });
const pkgDir = (name) => dirname(require.resolve(`${name}/package.json`));
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const aliasPlugin = {
  name: 'gradkit-browser-tests',
  setup(build) {
    build.onResolve({ filter: /^@gradkit\/test-harness$/ }, () => ({ path: join(here, 'src', 'page', 'harness.ts') }));
    build.onResolve({ filter: /^@jest\/globals$/ }, () => ({ path: join(here, 'src', 'page', 'runner.ts') }));
    build.onResolve({ filter: /^@gradkit\/[a-z-]+$/ }, (a) => {
      const name = a.path.slice('@gradkit/'.length);
      const index = join(root, 'packages', name, 'src', 'index.ts');
      return existsSync(index) ? { path: index } : undefined;
    });
    // one copy of each tfjs package, or backends and gradients register on a second engine
    build.onResolve({ filter: /^@tensorflow\/tfjs-[a-z-]+$/ }, async (a) => {
      if (a.pluginData === 'tfjs') return undefined;
      const resolved = await build.resolve(a.path, { resolveDir: here, kind: a.kind, pluginData: 'tfjs' });
      return { path: resolved.path };
    });
    // a module's browser variant (name.browser.ts beside name.ts), as the packages' browser builds resolve it
    build.onResolve({ filter: /^\.\.?\// }, (a) => {
      const variant = join(a.resolveDir, `${a.path}.browser.ts`);
      return existsSync(variant) ? { path: variant } : undefined;
    });
    // jest's `expect` needs two helpers from Node-only jest packages: page versions of just those
    build.onResolve({ filter: /^jest-(util|message-util)$/ }, (a) => ({ path: a.path, namespace: 'jest-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'jest-stub' }, (a) => ({
      loader: 'js',
      contents:
        a.path === 'jest-util'
          ? 'export const isPromise = (v) => v != null && typeof v.then === "function";\n' +
            'export const pluralize = (word, n) => `${n} ${word}${n === 1 ? "" : "s"}`;'
          : 'export const formatStackTrace = (stack) => stack;\n' +
            'export const separateMessageFromStack = (s) => ({ message: s, stack: "" });',
    }));
    // A Node module imported by our code or a test makes the file Node-only (skipped with the reason); one imported
    // by a dependency outside its `browser` mapping becomes an empty module.
    build.onResolve({ filter: /.*/ }, (a) => {
      if (!NODE_BUILTINS.has(a.path)) return undefined;
      if (a.importer.includes('/node_modules/')) return { path: a.path, namespace: 'node-stub' };
      return { path: `${a.path}|${relative(root, a.importer)}`, namespace: 'node-only' };
    });
    // our code or a test importing a Node module: the file is Node-only, which the page reports as a skip
    build.onLoad({ filter: /.*/, namespace: 'node-only' }, (a) => {
      const [name, importer] = a.path.split('|');
      const reason = `imports the Node module "${name}" (${importer})`;
      return {
        loader: 'js',
        contents: `const e = new Error(${JSON.stringify(reason)}); e.nodeOnly = true; throw e;`,
      };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ loader: 'js', contents: 'module.exports = {};' }));
  },
};

/**
 * A test file about Node itself (its module loading, its providers, jest's module mocks) says so in its first lines:
 *   // browser-tests: node-only — <reason>
 * and is skipped in the browser with that reason.
 */
function nodeOnlyReason(file) {
  const head = readFileSync(file, 'utf8').split('\n').slice(0, 5).join('\n');
  const match = /\/\/ browser-tests: node-only — (.+)/.exec(head);
  return match ? `node-only: ${match[1].trim()}` : null;
}

/** The setupFiles of the package's jest config (e.g. rnn registers its kernels there, as its index does). */
function setupFiles(file) {
  const pkg = join(root, 'packages', relative(join(root, 'packages'), file).split(/[\\/]/)[0]);
  const config = join(pkg, 'jest.config.cjs');
  if (!existsSync(config)) return [];
  return (require(config).setupFiles ?? []).map((f) => f.replace('<rootDir>', pkg));
}

const bundles = [];
const entries = {};
for (const file of files) {
  const id = relative(join(root, 'packages'), file)
    .replace(/[\\/]/g, '__')
    .replace(/\.test\.ts$/, '');
  const nodeOnly = nodeOnlyReason(file);
  if (nodeOnly != null) {
    bundles.push({ id, file: relative(root, file), skip: nodeOnly });
    continue;
  }
  const entry = join(bundleDir, `${id}.entry.ts`);
  writeFileSync(
    entry,
    `import { prepareBackend, reportLoadError, runPage } from ${JSON.stringify(join(here, 'src', 'page', 'page.ts'))};\n` +
      `await prepareBackend();\n` +
      setupFiles(file)
        .map((f) => `await import(${JSON.stringify(f)});\n`)
        .join('') +
      `try { await import(${JSON.stringify(file)}); } catch (e) { reportLoadError(e); throw e; }\n` +
      `await runPage();\n`,
  );
  entries[id] = entry;
  bundles.push({ id, file: relative(root, file), skip: null });
}
// Worker entries: packages/<name>/test/*.stage.ts, a worker's module that a test starts (e.g. synthetic-grad's
// parallel stages), bundled beside the tests and served as /bundles/<name>__test__<file>.js.
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'test');
  if (!existsSync(dir)) continue;
  for (const entry of readdirSync(dir).filter((f) => f.endsWith('.stage.ts')))
    entries[`${pkg}__test__${entry.replace(/\.ts$/, '')}`] = join(dir, entry);
}
// One build for every file: tfjs and the packages are shared chunks, loaded once per page.
try {
  await esbuild.build({
    entryPoints: entries,
    outdir: bundleDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [aliasPlugin],
    // the packages' sideEffects fields list their dist files: their sources are bundled here, all of them kept
    ignoreAnnotations: true,
    define: { 'process.env.NODE_ENV': '"test"' },
  });
} catch (e) {
  const text = (e.errors ?? []).map((x) => `${x.location?.file ?? ''}: ${x.text}`).join('\n') || String(e);
  console.error(`browser-tests: bundling the test files failed:\n${text}`);
  writeTotals({ passed: 0, failed: 1, skipped: 0, suites: 0, brokenSuites: 1 });
  process.exit(1);
}

// ---- serve the bundles and tfjs's wasm files ----
const wasmDir = join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist');
const TYPES = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.map': 'application/json',
};
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let path = null;
  if (url.pathname === '/run.html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      '<!doctype html><meta charset="utf-8"><title>gradkit tests</title><body><script type="module">' +
        "import('/bundles/' + new URL(location.href).searchParams.get('file') + '.js');</script></body>",
    );
    return;
  }
  if (url.pathname.startsWith('/bundles/')) path = join(bundleDir, url.pathname.slice('/bundles/'.length));
  else if (url.pathname.startsWith('/wasm/')) path = join(wasmDir, url.pathname.slice('/wasm/'.length));
  if (path == null || !existsSync(path)) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
  res.end(readFileSync(path));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- run every bundle on every backend ----
const { chromium } = require('playwright-core');
let browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const version = browser.version();
/** A page in a live browser (a crashed GPU process can take the browser down: start another). */
async function newPage() {
  if (!browser.isConnected()) browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  return browser.newPage();
}
const all = [];
const byBackend = {};
const devices = {};
for (const backend of backends) {
  const counts = (byBackend[backend] = { passed: 0, failed: 0, skipped: 0 });
  for (const b of bundles) {
    if (b.skip != null) {
      counts.skipped++;
      all.push({ backend, file: b.file, title: `${b.file} (${b.skip})`, status: 'skipped' });
      continue;
    }
    const page = await newPage();
    const consoleErrors = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) consoleErrors.push(`${r.status()} ${r.url()}`);
    });
    let finish = () => {};
    const done = new Promise((ok) => (finish = ok));
    await page.exposeFunction('__gradkitDone', (report) => finish(report));
    let running = '(loading the file)';
    await page.exposeFunction('__gradkitStarted', (title) => (running = title));
    const started = Date.now();
    let timer;
    const report = await Promise.race([
      page
        .goto(`${origin}/run.html?file=${encodeURIComponent(b.id)}&backend=${backend}`, {
          timeout: FILE_TIMEOUT_MS,
          waitUntil: 'commit',
        })
        .then(() => done),
      new Promise((ok) => (timer = setTimeout(() => ok(null), FILE_TIMEOUT_MS))),
      new Promise((ok) => page.on('crash', () => ok(null))),
    ]).catch((e) => {
      consoleErrors.push(String(e));
      return null;
    });
    clearTimeout(timer);
    // a page whose GPU work has not finished may not close: give up on the whole browser then
    const closed = await Promise.race([
      page.close().then(
        () => true,
        () => true,
      ),
      new Promise((ok) => setTimeout(() => ok(false), 10_000)),
    ]);
    if (!closed) {
      await browser.close().catch(() => {});
      browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    }
    if (report == null) {
      counts.failed++;
      all.push({
        backend,
        file: b.file,
        title: `${b.file}: no result in ${FILE_TIMEOUT_MS / 1000} s (running: ${running})`,
        status: 'failed',
        error: consoleErrors.join('\n'),
      });
      console.log(
        `  ✕ [browser:${backend}] ${b.file}: no result (running: ${running}; ${consoleErrors.slice(0, 3).join(' | ')})`,
      );
      continue;
    }
    if (report.device) devices[backend] = report.device;
    if (report.nodeOnly != null) {
      b.skip = `node-only: ${report.nodeOnly}`;
      counts.skipped++;
      all.push({ backend, file: b.file, title: `${b.file} (${b.skip})`, status: 'skipped' });
      continue;
    }
    const c = { passed: 0, failed: 0, skipped: 0 };
    for (const r of report.results) {
      c[r.status]++;
      counts[r.status]++;
      all.push({ backend, file: b.file, ...r });
      if (r.status === 'failed')
        console.log(`  ✕ [browser:${backend}] ${b.file} › ${r.title}\n      ${r.error?.split('\n')[0]}`);
    }
    if (report.results.length === 0 && consoleErrors.length > 0) {
      counts.failed++;
      all.push({
        backend,
        file: b.file,
        title: `${b.file}: failed to load`,
        status: 'failed',
        error: consoleErrors.join('\n'),
      });
      console.log(`  ✕ [browser:${backend}] ${b.file}: failed to load: ${consoleErrors[0]}`);
    }
    if (verbose)
      console.log(
        `  browser:${backend} ${b.file}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
  }
}
await browser.close();
server.close();

console.log(`\nBrowser tests (Chromium ${version}):`);
for (const backend of backends) {
  const c = byBackend[backend];
  console.log(
    `  browser:${backend.padEnd(7)} ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped — ${devices[backend] ?? backend}`,
  );
}
const skippedFiles = bundles.filter((b) => b.skip != null);
if (skippedFiles.length > 0) {
  console.log('  Node-only test files (skipped in the browser):');
  for (const b of skippedFiles) console.log(`    ${b.file}: ${b.skip}`);
}
const totals = Object.values(byBackend).reduce(
  (t, c) => ({ passed: t.passed + c.passed, failed: t.failed + c.failed, skipped: t.skipped + c.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
writeTotals(
  { ...totals, suites: bundles.length * backends.length, brokenSuites: 0 },
  { chromium: version, devices, byBackend },
);
writeFileSync(join(resultsDir, 'browser.json'), JSON.stringify({ chromium: version, devices, results: all }, null, 2));
process.exit(totals.failed === 0 ? 0 : 1);

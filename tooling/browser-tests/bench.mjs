#!/usr/bin/env node
// A benchmark, not a test: src/bench/gpuSteps.ts in Debian's Chromium on SwiftShader (webgpu and webgl), printing per
// model and backend the median ms of a training step with gradkit's kernels and fused Adam ("after") and with the
// kernels off and tfjs's Adam ("before"), alternating in one page, and the GPU programs of one step each way.
//   node tooling/browser-tests/bench.mjs [--backends webgpu,webgl] [--out FILE.json]
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const { CHROMIUM, FLAGS } = require('./chromium.cjs');
const args = process.argv.slice(2);
const opt = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const backends = (opt('backends') ?? 'webgpu,webgl').split(',');
const out = opt('out');

const esbuild = await import(require.resolve('esbuild'));
const bundleDir = join(here, '.bench');
rmSync(bundleDir, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });
await esbuild.build({
  entryPoints: { bench: join(here, 'src', 'bench', 'gpuSteps.ts') },
  outdir: bundleDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'error',
  ignoreAnnotations: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [
    {
      name: 'gradkit-sources',
      setup(build) {
        // the packages' sources, with their browser variants (name.browser.ts beside name.ts)
        build.onResolve({ filter: /^@gradkit\/[a-z-]+$/ }, (a) => ({
          path: join(root, 'packages', a.path.slice('@gradkit/'.length), 'src', 'index.ts'),
        }));
        build.onResolve({ filter: /^\.\.?\// }, (a) => {
          const variant = join(a.resolveDir, `${a.path}.browser.ts`);
          return existsSync(variant) ? { path: variant } : undefined;
        });
        // one copy of each tfjs package
        build.onResolve({ filter: /^@tensorflow\/tfjs-[a-z-]+$/ }, async (a) => {
          if (a.pluginData === 'tfjs') return undefined;
          const r = await build.resolve(a.path, { resolveDir: here, kind: a.kind, pluginData: 'tfjs' });
          return { path: r.path };
        });
      },
    },
  ],
});
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/bench.html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><meta charset="utf-8"><body><script type="module" src="/bench.js"></script></body>');
    return;
  }
  const path = join(bundleDir, url.pathname.slice(1));
  if (!existsSync(path)) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': extname(path) === '.js' ? 'text/javascript' : 'application/octet-stream' });
  res.end(readFileSync(path));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const version = browser.version();
const reports = [];
for (const backend of backends) {
  const page = await browser.newPage();
  let finish;
  const done = new Promise((ok) => (finish = ok));
  await page.exposeFunction('__gradkitBenchDone', (r) => finish(r));
  page.on('pageerror', (e) => finish({ error: String(e) }));
  await page.goto(`${origin}/bench.html?backend=${backend}`);
  const report = await done;
  reports.push(report);
  await page.close();
  if (report.error) {
    console.log(`${backend}: ${report.error}`);
    continue;
  }
  for (const r of report.results) {
    console.log(
      `${backend.padEnd(7)} ${r.model.padEnd(32)} before ${r.msBefore.toFixed(1).padStart(8)} ms, ${String(r.programsBefore).padStart(5)} programs | after ${r.msAfter.toFixed(1).padStart(8)} ms, ${String(r.programsAfter).padStart(4)} programs | ${(r.msBefore / r.msAfter).toFixed(2)}× (median of ${r.timed})`,
    );
  }
}
await browser.close();
server.close();
rmSync(bundleDir, { recursive: true, force: true });
if (out != null) {
  writeFileSync(
    out,
    `${JSON.stringify({ command: `node tooling/browser-tests/bench.mjs ${args.join(' ')}`, chromium: version, date: new Date().toISOString(), reports }, null, 2)}\n`,
  );
}

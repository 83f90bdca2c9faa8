// A page a user would build: a program importing the installed tarballs (not the workspace's sources), bundled with
// esbuild from the scratch project's node_modules, served on 127.0.0.1 with tfjs's .wasm files, and opened in
// Debian's Chromium through playwright-core on one backend. It trains the batchnorm README's composition (a dense
// layer, batch normalization with population statistics, a sigmoid) for a few Adam steps and reports its losses.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type * as Esbuild from 'esbuild';
import type * as Playwright from 'playwright-core';

// Chromium and its flags, as the browser test run starts it (tooling/browser-tests/chromium.cjs)
const launch = createRequire(__filename)(join(__dirname, '..', '..', 'browser-tests', 'chromium.cjs')) as {
  CHROMIUM: string;
  FLAGS: string[];
};
export const CHROMIUM = launch.CHROMIUM;
const FLAGS = launch.FLAGS;

/** The page's program, as a user writes it against the published packages. */
export const PAGE_PROGRAM = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmLocation, useBackend } from '@gradkit/backends';
import { batchNorm, createPopulationStatistics } from '@gradkit/batchnorm';
import { sparseSoftmaxCrossEntropy } from '@gradkit/core';

const backend = new URL(location.href).searchParams.get('backend') ?? 'webgl';
setWasmLocation('/wasm/');
const status = await useBackend(backend);
// two Gaussian blobs in 20 dimensions, classes 0 and 1
const n = 128;
const labels = Array.from({ length: n }, (_, i) => i % 2);
const x = tf.tidy(() => tf.add(tf.randomNormal([n, 20], 0, 1, 'float32', 1), tf.mul(tf.tensor2d(labels, [n, 1]), 1.5)));
const w1 = tf.variable(tf.randomNormal([20, 32], 0, 0.3, 'float32', 2));
const w2 = tf.variable(tf.randomNormal([32, 2], 0, 0.3, 'float32', 3));
const gamma = tf.variable(tf.ones([32]));
const beta = tf.variable(tf.zeros([32]));
const stats = createPopulationStatistics(32);
const optimizer = tf.train.adam(0.05);
const losses = [];
for (let step = 0; step < 30; step++) {
  const loss = optimizer.minimize(() => {
    const h = tf.sigmoid(batchNorm(tf.matMul(x, w1), { gamma, beta }, stats, { training: true }));
    return tf.mean(sparseSoftmaxCrossEntropy(labels, tf.matMul(h, w2)));
  }, true);
  losses.push((await loss.data())[0]);
  loss.dispose();
}
document.body.textContent = backend + ' on ' + status.device + ': loss ' + losses[0].toFixed(4) + ' → ' + losses.at(-1).toFixed(4);
window.__pageDone({ backend: tf.getBackend(), device: status.device, losses, tensors: tf.memory().numTensors });
`;

export interface PageResult {
  backend: string;
  device: string;
  losses: number[];
  consoleErrors: string[];
  screenshot: string;
}

/** Bundles PAGE_PROGRAM in the scratch project and runs it in Chromium on each backend. */
export async function runPage(projectDir: string, backends: string[], shotsDir: string): Promise<PageResult[]> {
  const req = createRequire(join(projectDir, 'package.json'));
  const esbuild = (await import('esbuild')) as typeof Esbuild;
  const out = join(projectDir, 'page');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'main.js'), PAGE_PROGRAM);
  await esbuild.build({
    entryPoints: [join(out, 'main.js')],
    outfile: join(out, 'bundle.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    absWorkingDir: projectDir,
    logLevel: 'silent',
  });
  const wasmDir = join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/favicon.ico') {
      response.writeHead(204);
      response.end();
      return;
    }
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        '<!doctype html><meta charset="utf-8"><body><script type="module" src="/bundle.js"></script></body>',
      );
      return;
    }
    const file = path.startsWith('/wasm/') ? join(wasmDir, path.slice(6)) : join(out, path.slice(1));
    if (!existsSync(file)) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { chromium } = createRequire(__filename)('playwright-core') as typeof Playwright;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const results: PageResult[] = [];
  mkdirSync(shotsDir, { recursive: true });
  try {
    for (const backend of backends) {
      const page = await browser.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      let finish: (r: Omit<PageResult, 'consoleErrors' | 'screenshot'> | null) => void = () => {};
      const done = new Promise<Omit<PageResult, 'consoleErrors' | 'screenshot'> | null>((ok) => (finish = ok));
      await page.exposeFunction('__pageDone', (r: Omit<PageResult, 'consoleErrors' | 'screenshot'>) => finish(r));
      await page.goto(`${origin}/?backend=${backend}`);
      const timer = setTimeout(() => finish(null), 120_000);
      const report = await done;
      clearTimeout(timer);
      const screenshot = join(shotsDir, `page-${backend}.png`);
      await page.screenshot({ path: screenshot });
      await page.close();
      results.push({
        ...(report ?? { backend: `${backend} (no result in 120 s)`, device: '', losses: [] }),
        consoleErrors,
        screenshot,
      });
    }
  } finally {
    await browser.close();
    server.close();
  }
  return results;
}

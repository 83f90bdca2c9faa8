#!/usr/bin/env node
// Runs every experiment of the page to completion at its quick length, headless in Debian's Chromium (SwiftShader for
// webgl, as the tests), through the page's own controls (window.playground.run), and prints the results as a Markdown
// table; the records (the page's "Download results" JSON) go to --out. The binary-neurons experiment runs once per
// estimator.
//
//   node scripts/run-all.mjs [--backends webgl,wasm] [--experiments mlp,char-gru] [--seed 1] [--out results/quick.json]
/* global window, document -- the callbacks of page.evaluate run in the page */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { appDir, buildPage } from './build.mjs';
import { serveStatic } from './server.mjs';

const require = createRequire(join(appDir, 'package.json'));
const { CHROMIUM, FLAGS } = require(join(appDir, '..', '..', 'tooling', 'browser-tests', 'chromium.cjs'));
const ESTIMATORS = ['pass-through', 'sigmoid-adjusted', 'slope-annealing', 'reinforce-baseline', 'reinforce'];

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const backends = list(option('backends', 'webgl,wasm'));
const wanted = option('experiments');
const seed = Number(option('seed', '1'));
const out = resolve(option('out', join(appDir, 'results', 'quick.json')));
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`run-all: --seed ${JSON.stringify(option('seed'))}: expected a whole number ≥ 0`);
  process.exit(2);
}

await buildPage();
const { server, url } = await serveStatic(join(appDir, 'dist'));
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
const consoleErrors = [];
page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
page.on('pageerror', (e) => consoleErrors.push(String(e)));
await page.goto(url);
await page.evaluate(() => window.playground.ready);
const available = await page.evaluate(() => window.playground.backends());
const experiments = await page.evaluate(() => [...document.querySelectorAll('#experiment option')].map((o) => o.value));
const chosen = wanted == null ? experiments : list(wanted);
for (const e of chosen)
  if (!experiments.includes(e)) {
    console.error(`run-all: unknown experiment ${JSON.stringify(e)}: expected one of ${experiments.join(', ')}`);
    process.exit(2);
  }

const device = (name) => available.find((b) => b.name === name)?.device ?? name;
console.log(`Chromium ${browser.version()}, ${url}, seed ${seed}`);
for (const b of backends) console.log(`  ${b}: ${device(b)}`);
const records = [];
let failed = 0;
for (const backend of backends) {
  for (const experiment of chosen) {
    const variants = experiment === 'binary-neurons' ? ESTIMATORS.map((estimator) => ({ estimator })) : [{}];
    for (const choices of variants) {
      const label = `${experiment}${choices.estimator ? ` (${choices.estimator})` : ''} on ${backend}`;
      try {
        const r = await page.evaluate((o) => window.playground.run(o), { experiment, backend, seed, choices });
        records.push(r);
        console.log(`  ${label}: ${r.primary.metric} ${r.primary.value.toFixed(4)}, ${r.wallSeconds.toFixed(1)} s`);
      } catch (error) {
        failed += 1;
        console.log(`  ${label}: FAILED ${String(error).split('\n')[0]}`);
      }
    }
  }
}
await browser.close();
server.close();

mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ command: `node scripts/run-all.mjs ${args.join(' ')}`.trim(), chromium: browser.version(), devices: Object.fromEntries(backends.map((b) => [b, device(b)])), createdAt: new Date().toISOString(), runs: records }, null, 2)}\n`,
);

/** The other figures of a run worth a column: accuracies and losses, the plain-sign net's weight change. */
const others = (r) =>
  Object.entries(r.metrics)
    .filter(
      ([k]) => /accuracy|loss|moved|batch statistics|population statistics/.test(k) && !/largest|first step/.test(k),
    )
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(k.includes('moved') ? 2 : 4)}`)
    .join('; ');
const rows = records.map((r) => [
  r.experiment + (r.config.estimator ? ` (${r.config.estimator})` : ''),
  r.backend,
  String(r.config.steps),
  `${r.primary.metric} **${r.primary.value.toFixed(4)}**`,
  others(r),
  r.msPerStepMedian?.toFixed(1) ?? '',
  r.examplesPerSecond?.toFixed(0) ?? '',
  r.wallSeconds.toFixed(1),
  String(r.metrics['tensors left after the run']),
]);
console.log('');
console.log('| experiment | backend | steps | result | other results | ms/step | examples/s | wall s | tensors left |');
console.log('|---|---|---:|---|---|---:|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(
  `\nrecords: ${relative(process.cwd(), out)}${consoleErrors.length ? `\nconsole errors: ${consoleErrors.join(' | ')}` : ''}`,
);
process.exit(failed > 0 || consoleErrors.length > 0 ? 1 : 0);

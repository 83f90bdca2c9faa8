#!/usr/bin/env node
// npm run mutation -- <package> [--concurrency N]
// Runs StrykerJS on one package's sources against that package's tests (see plan.mjs for what runs where), then
// writes results/<package>.score.json: the date, the command, the score and every surviving mutant. Incremental:
// results/<package>.incremental.json (committed) lets a rerun test only the mutants whose code or tests changed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planRun, summarize } from './plan.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
let plan;
try {
  plan = planRun(process.argv.slice(2));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
mkdirSync(path.join(here, 'results'), { recursive: true });
const stryker = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')),
  'bin',
  'stryker.js',
);
const started = Date.now();
const result = spawnSync(process.execPath, [stryker, 'run', path.join(here, 'stryker.config.mjs')], {
  cwd: path.join(root, 'packages', plan.name),
  stdio: 'inherit',
  env: {
    ...process.env,
    GRADKIT_BACKENDS: plan.backends,
    GRADKIT_MUTATE_PACKAGE: plan.name,
    GRADKIT_MUTATE_PLAN: JSON.stringify(plan),
  },
});
if (result.status !== 0) process.exit(result.status ?? 1);
const report = JSON.parse(readFileSync(path.join(here, 'results', `${plan.name}.mutation.json`), 'utf8'));
const summary = summarize(report);
const version = JSON.parse(readFileSync(path.join(path.dirname(stryker), '..', 'package.json'), 'utf8')).version;
writeFileSync(
  path.join(here, 'results', `${plan.name}.score.json`),
  `${JSON.stringify(
    {
      package: `@gradkit/${plan.name}`,
      date: new Date().toISOString().slice(0, 10),
      command: `npm run mutation -- ${process.argv.slice(2).join(' ')}`,
      stryker: version,
      backends: plan.backends,
      minutes: Math.round((Date.now() - started) / 6000) / 10,
      score: summary.score == null ? null : Math.round(summary.score * 100) / 100,
      counts: summary.counts,
      excluded: plan.exclude,
      ignored: summary.ignored,
      survivors: summary.survivors,
    },
    null,
    2,
  )}\n`,
);
console.log(
  `@gradkit/${plan.name}: mutation score ${summary.score?.toFixed(2)}% (${summary.counts.Killed + summary.counts.Timeout} detected, ${summary.counts.Survived} survived, ${summary.counts.NoCoverage} not covered)`,
);

#!/usr/bin/env node
// Post 2's first figure as a table: the mean training loss of each 100 steps of the state-4, 5-step-window run
// (steps 100…900 of its one epoch), one row per run JSON given, beside the post's numbers, and the step by which the
// run has learned the t−3 dependency (its 100-step mean first below 0.55; that dependency alone gives 0.5192).
//   node scripts/toy-curve-table.mjs results/rnn-toy-seeds/runs/*.json
import { readFileSync } from 'node:fs';

const POST = [0.656, 0.6172, 0.5958, 0.5689, 0.5241, 0.5227, 0.522, 0.5192, 0.52];
const steps = [100, 200, 300, 400, 500, 600, 700, 800, 900];
const learnedAt = (values) => {
  const i = values.findIndex((v) => v < 0.55);
  return i < 0 ? '> 1000' : String(steps[i] ?? 1000);
};
const rows = process.argv.slice(2).map((file) => {
  const run = JSON.parse(readFileSync(file, 'utf8'));
  const curve = run.curves.find((c) => c.series.startsWith('state 4, 5 steps'));
  if (curve == null) throw new Error(`${file}: no "state 4, 5 steps" curve; expected an rnn-toy run`);
  const at = new Map(curve.points.map((p) => [p.step, p.value]));
  const values = steps.map((s) => at.get(s));
  const all = [...at.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  return { name: `${run.profile}, seed ${run.seed}`, values, learned: learnedAt(all) };
});
console.log(`| run | ${steps.join(' | ')} | t−3 learned by step |`);
console.log(`|---|${steps.map(() => '---:').join('|')}|---:|`);
console.log(`| post | ${POST.map((v) => v.toFixed(4)).join(' | ')} | ${learnedAt(POST)} |`);
for (const r of rows)
  console.log(`| ${r.name} | ${r.values.map((v) => (v == null ? '' : v.toFixed(4))).join(' | ')} | ${r.learned} |`);

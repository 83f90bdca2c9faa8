// Prints a Markdown table of per-epoch curves of several runs: one row per epoch, one column per run
// ("training / validation"), the best validation value of each run in bold.
//   node scripts/epoch-table.mjs "metric substring" results/x/runs/a.json results/y/partial/runs/b.json ...
// e.g. post 7's four initial-state methods: node scripts/epoch-table.mjs "perplexity by epoch" results/initial-states-paper/*/partial/runs/*.json
import { readFileSync } from 'node:fs';

const [metric, ...files] = process.argv.slice(2);
if (!metric || files.length === 0) {
  console.error('usage: node scripts/epoch-table.mjs "metric substring" RUN.json...');
  process.exit(2);
}
const runs = files.map((f) => {
  const run = JSON.parse(readFileSync(f, 'utf8'));
  const curve = (series) => run.curves.find((c) => c.metric.includes(metric) && c.series === series)?.points ?? [];
  const training = curve('training');
  const validation = curve('validation');
  if (validation.length === 0)
    throw new Error(`${f}: no "validation" curve whose metric contains ${JSON.stringify(metric)}`);
  const best = validation.reduce((a, c) => (c.value < a.value ? c : a));
  return { name: run.experiment + (run.partial ? ` (${run.partial})` : ''), training, validation, best };
});
const epochs = Math.max(...runs.map((r) => r.validation.length));
const cell = (r, e) => {
  const v = r.validation[e];
  if (v == null) return '';
  const t = r.training[e]?.value.toFixed(2) ?? '';
  const valid = v.value.toFixed(2);
  return `${t} / ${v.step === r.best.step ? `**${valid}**` : valid}`;
};
console.log(`| epoch | ${runs.map((r) => r.name).join(' | ')} |`);
console.log(`|---:|${runs.map(() => '---:').join('|')}|`);
for (let e = 0; e < epochs; e++) console.log(`| ${e + 1} | ${runs.map((r) => cell(r, e)).join(' | ')} |`);
console.log(
  `| best validation (epoch) | ${runs.map((r) => `${r.best.value.toFixed(2)} (${r.best.step})`).join(' | ')} |`,
);

// Prints a Markdown table of the per-position validation perplexity of several runs at their best epoch
// (the `states-*` experiments' "by position" curve): the first positions, and the mean of the rest.
//   node scripts/position-table.mjs results/initial-states-paper/*/runs/*.json
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/position-table.mjs RUN.json...');
  process.exit(2);
}
const first = 3;
const restFrom = 5;
console.log(
  `| method (best epoch) | ${Array.from({ length: first }, (_, i) => `position ${i}`).join(' | ')} | mean of positions ${restFrom}–49 |`,
);
console.log(`|---|${Array.from({ length: first + 1 }, () => '---:').join('|')}|`);
for (const f of files) {
  const run = JSON.parse(readFileSync(f, 'utf8'));
  const curve = run.curves.find((c) => c.metric.includes('by position'));
  if (curve == null) throw new Error(`${f}: no per-position curve; expected a states-* run`);
  const values = curve.points.map((p) => p.value);
  const rest = values.slice(restFrom);
  const mean = rest.reduce((a, v) => a + v, 0) / rest.length;
  console.log(
    `| ${run.experiment} (${curve.series.replace('validation, ', '')}) | ${values
      .slice(0, first)
      .map((v) => v.toFixed(1))
      .join(' | ')} | ${mean.toFixed(1)} |`,
  );
}

// Prints a Markdown table of post 8's runs: one row per run, the post's number, the test accuracy at the last
// evaluation and the best one, and the test accuracy after chosen epochs (evaluation periods).
//   node scripts/dni-table.mjs [--epochs 1,10,20,50,80] RUN.json...
// e.g. node scripts/dni-table.mjs results/synthetic-gradients-paper/*/runs/*.json results/synthetic-gradients-paper/*/partial/runs/*.json
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let epochs = [1, 10, 20, 50, 80];
if (args[0] === '--epochs') {
  epochs = (args[1] ?? '').split(',').map(Number);
  if (epochs.length === 0 || epochs.some((e) => !Number.isInteger(e) || e < 1)) {
    console.error(`--epochs ${args[1]}: expected a comma-separated list of positive integers`);
    process.exit(2);
  }
  args.splice(0, 2);
}
if (args.length === 0) {
  console.error('usage: node scripts/dni-table.mjs [--epochs 1,10,20] RUN.json...');
  process.exit(2);
}
const rows = args.map((file) => {
  const run = JSON.parse(readFileSync(file, 'utf8'));
  const test = run.curves?.find((c) => c.series === 'test' && c.metric === 'accuracy')?.points;
  if (!test || test.length === 0)
    throw new Error(`${file}: no "test" accuracy curve; expected a run file of a dni-* experiment`);
  const best = test.reduce((a, p) => (p.value > a.value ? p : a));
  const last = test[test.length - 1];
  return { run, test, best, last };
});
const pct = (v) => (v == null ? '' : v.toFixed(4));
console.log(
  `| run | post | test accuracy, last evaluation (iteration) | best (epoch) | ${epochs.map((e) => `epoch ${e}`).join(' | ')} |`,
);
console.log(`|---|---:|---:|---:|${epochs.map(() => '---:').join('|')}|`);
for (const { run, test, best, last } of rows) {
  const name = run.experiment + (run.partial ? ` (${run.partial})` : '');
  const at = epochs.map((e) => pct(test[e - 1]?.value));
  console.log(
    `| ${name} | ${pct(run.reference?.value)} | ${pct(last.value)} (${last.step}) | ${pct(best.value)} (${test.indexOf(best) + 1}) | ${at.join(' | ')} |`,
  );
}

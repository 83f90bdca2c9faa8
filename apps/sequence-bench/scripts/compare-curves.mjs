// Draws the curves of several runs (one line per run, labelled by experiment) in one chart, SVG and PNG.
//   node scripts/compare-curves.mjs OUT_BASENAME "metric substring" "x-axis title" results/x/runs/a.json results/x/runs/b.json ...
// e.g. the four initial-state methods' per-position validation perplexity in one plot.
import { readFileSync, writeFileSync } from 'node:fs';
import { drawCurves } from '@gradkit/experiment-runner';

const [out, metric, xTitle, ...files] = process.argv.slice(2);
if (!out || !metric || !xTitle || files.length === 0) {
  console.error('usage: node scripts/compare-curves.mjs OUT_BASENAME "metric substring" "x-axis title" RUN.json...');
  process.exit(2);
}
const runs = files.map((f) => {
  const run = JSON.parse(readFileSync(f, 'utf8'));
  const matching = run.curves.filter((c) => c.metric.includes(metric));
  // one line per run and curve: "experiment[: series] [backend]"
  const curves = matching.map((c) => ({
    ...c,
    series: matching.length > 1 ? `${run.experiment}: ${c.series}` : run.experiment,
  }));
  if (curves.length === 0) throw new Error(`${f}: no curve whose metric contains ${JSON.stringify(metric)}`);
  return { ...run, title: 'by experiment', curves };
});
const { svg, png } = await drawCurves(metric, runs, xTitle);
writeFileSync(`${out}.svg`, svg);
writeFileSync(`${out}.png`, png);
console.log(`${out}.svg, ${out}.png`);

import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicWrite';
import { drawCurves } from './drawCurves';
import type { RunRecord } from './experiment';
import { markdownTable, terminalTable } from './tables';

export { markdownTable, terminalTable };

/** Writes report.json, report.md and one learning-curve chart per experiment (SVG + PNG); returns the terminal table. */
export async function writeReports(out: string, records: RunRecord[], command: string): Promise<string> {
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  writeFileAtomic(
    join(out, 'report.json'),
    `${JSON.stringify({ command, createdAt: new Date().toISOString(), machine, runs: records }, null, 2)}\n`,
  );
  const details = records.map((r) => {
    const metrics = Object.entries(r.metrics)
      .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
      .join(', ');
    return `- **${r.experiment} [${r.backend}]** (${r.title}; ${r.device}): ${metrics || 'no extra metrics'}${r.notes.length ? `. ${r.notes.join(' ')}` : ''}`;
  });
  const datasets = [
    ...new Set(records.map((r) => r.data?.label ?? 'not recorded (run made before runs were keyed by their data)')),
  ];
  const md = [
    `# ${command}`,
    '',
    `Data: ${datasets.join('; ')}.`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}. Profile and seed per run in report.json.`,
    '',
    markdownTable(records),
    '',
    ...details,
    '',
    ...[...new Set(records.map((r) => r.experiment))].map((e) => `![${e}](curves-${e}.svg)`),
    '',
  ].join('\n');
  writeFileAtomic(join(out, 'report.md'), md);
  for (const experiment of new Set(records.map((r) => r.experiment))) {
    const runs = records.filter((r) => r.experiment === experiment && r.curves.length > 0);
    if (runs.length === 0) continue;
    const { svg, png } = await drawCurves(experiment, runs);
    writeFileAtomic(join(out, `curves-${experiment}.svg`), svg);
    writeFileAtomic(join(out, `curves-${experiment}.png`), png);
  }
  return terminalTable(records);
}

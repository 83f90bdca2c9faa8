import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicWrite';
import { drawCurves } from './drawCurves';
import type { RunRecord } from './experiment';

interface Row {
  backend: string;
  experiment: string;
  result: string;
  post: string;
  diff: string;
  msPerStep: string;
  examplesPerSecond: string;
  wall: string;
  peakTensors: string;
  peakRss: string;
}

const HEADERS: Row = {
  backend: 'backend',
  experiment: 'experiment',
  result: 'result',
  post: 'post',
  diff: 'diff',
  msPerStep: 'ms/step (median)',
  examplesPerSecond: 'examples/s',
  wall: 'wall s',
  peakTensors: 'peak tensors',
  peakRss: 'peak RSS MB',
};

/**
 * The post's figure is compared (a diff) only with a run that reproduces the post's setting: the reference's
 * profile, on the bench's default data. Other runs show the figure with the profile it belongs to, and no diff.
 */
function rowOf(r: RunRecord): Row {
  const ref = r.reference;
  const defaultData = r.data == null || r.data.isDefault;
  const comparable = ref != null && ref.profile === r.profile && defaultData;
  return {
    backend: r.backend,
    experiment: r.experiment,
    result: `${r.primary.metric} ${r.primary.value.toFixed(4)}${r.partial != null ? ` (partial: ${r.partial})` : ''}`,
    post:
      ref == null ? '' : `${ref.value}${comparable ? '' : defaultData ? ` (${ref.profile} profile)` : ' (other data)'}`,
    diff:
      ref == null || !comparable
        ? ''
        : `${r.primary.value - ref.value >= 0 ? '+' : ''}${(r.primary.value - ref.value).toFixed(4)}`,
    msPerStep: r.msPerStepMedian == null ? '' : r.msPerStepMedian.toFixed(2),
    examplesPerSecond: r.examplesPerSecond == null ? '' : r.examplesPerSecond.toFixed(0),
    wall: r.wallSeconds.toFixed(1),
    peakTensors: String(r.peakTensors),
    peakRss: r.peakRssMb.toFixed(0),
  };
}

export function terminalTable(records: RunRecord[]): string {
  const rows = [HEADERS, ...records.map(rowOf)];
  const keys = Object.keys(HEADERS) as Array<keyof Row>;
  const widths = keys.map((k) => Math.max(...rows.map((r) => r[k].length)));
  const line = (r: Row) =>
    keys.map((k, i) => (i < 3 ? r[k].padEnd(widths[i] as number) : r[k].padStart(widths[i] as number))).join('  ');
  return [
    line(rows[0] as Row),
    keys.map((_, i) => '-'.repeat(widths[i] as number)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

export function markdownTable(records: RunRecord[]): string {
  const keys = Object.keys(HEADERS) as Array<keyof Row>;
  const rows = records.map(rowOf);
  return [
    `| ${keys.map((k) => HEADERS[k]).join(' | ')} |`,
    `|${keys.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${keys.map((k) => r[k]).join(' | ')} |`),
  ].join('\n');
}

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

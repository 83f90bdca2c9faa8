// The results table of the benches (terminal and Markdown), without Node: report.ts writes it to files and
// apps/playground shows the same columns in the page.
import type { RunRecord } from './experiment';

/** One run as the results table shows it: every cell as text. */
export interface ResultRow {
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

/** The results table's column titles. */
export const RESULT_HEADERS: ResultRow = {
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
export function resultRow(r: RunRecord): ResultRow {
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

/** The results as a plain-text table (`headers`: the column titles, e.g. to name what the memory column measures). */
export function terminalTable(records: RunRecord[], headers: ResultRow = RESULT_HEADERS): string {
  const rows = [headers, ...records.map(resultRow)];
  const keys = Object.keys(headers) as Array<keyof ResultRow>;
  const widths = keys.map((k) => Math.max(...rows.map((r) => r[k].length)));
  const line = (r: ResultRow) =>
    keys.map((k, i) => (i < 3 ? r[k].padEnd(widths[i] as number) : r[k].padStart(widths[i] as number))).join('  ');
  return [
    line(rows[0] as ResultRow),
    keys.map((_, i) => '-'.repeat(widths[i] as number)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** The results as a Markdown table (`headers` as for {@link terminalTable}). */
export function markdownTable(records: RunRecord[], headers: ResultRow = RESULT_HEADERS): string {
  const keys = Object.keys(headers) as Array<keyof ResultRow>;
  const rows = records.map(resultRow);
  return [
    `| ${keys.map((k) => headers[k]).join(' | ')} |`,
    `|${keys.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${keys.map((k) => r[k]).join(' | ')} |`),
  ].join('\n');
}

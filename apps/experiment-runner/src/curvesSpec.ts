import type { TopLevelSpec } from 'vega-lite';
import type { RunRecord } from './experiment';

/** What a chart needs of a run: its curves, backend, title and data (a finished {@link RunRecord}, or one in progress). */
export type CurvesInput = Pick<RunRecord, 'backend' | 'title' | 'curves' | 'data'>;

/**
 * The Vega-Lite spec of one experiment's learning curves across runs: one panel per metric (each with its own y
 * scale), one line per curve, labelled "series [backend]" when there are several runs or a run has one curve;
 * points marked while there are at most 400. Pure data, no Node: the reports render it headless to SVG/PNG
 * (charts.ts) and apps/playground renders it live in the page. `width`/`height` size each panel.
 */
export function curvesSpec(
  experiment: string,
  runs: CurvesInput[],
  xTitle = 'training step',
  { width = 560, height = 260 }: { width?: number; height?: number } = {},
): TopLevelSpec {
  const values = runs.flatMap((r) =>
    r.curves.flatMap((c) =>
      c.points.map((p) => ({
        step: p.step,
        value: p.value,
        series: runs.length > 1 || r.curves.length === 1 ? `${c.series} [${r.backend}]` : c.series,
        metric: c.metric,
      })),
    ),
  );
  const metrics = [...new Set(values.map((v) => v.metric))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${experiment}: ${runs[0]?.title ?? ''}`,
      ...(runs[0]?.data != null ? { subtitle: `data: ${runs[0].data.label}` } : {}),
    },
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width,
      height,
      mark: { type: 'line', point: values.length <= 400 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: xTitle },
        y: {
          field: 'value',
          type: 'quantitative',
          scale: { zero: false },
          title: metrics.length === 1 ? metrics[0] : 'value',
        },
        color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400 } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

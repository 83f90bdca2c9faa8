import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { RunRecord } from './experiment';

/**
 * Learning curves of one experiment across backends, drawn by Vega-Lite (SVG, rendered headless without a
 * canvas) and rasterized to PNG by resvg with the system fonts.
 */
export async function renderCurves(
  experiment: string,
  runs: RunRecord[],
  xTitle = 'training step',
): Promise<{ svg: string; png: Uint8Array }> {
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
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${experiment}: ${runs[0]?.title ?? ''}`,
      ...(runs[0]?.data != null ? { subtitle: `data: ${runs[0].data.label}` } : {}),
    },
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 560,
      height: 260,
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
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' })
    .render()
    .asPng();
  return { svg, png };
}

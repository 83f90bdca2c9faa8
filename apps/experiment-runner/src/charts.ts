import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { curvesSpec } from './curvesSpec';
import type { RunRecord } from './experiment';

/**
 * Learning curves of one experiment across backends, drawn by Vega-Lite (SVG, rendered headless without a
 * canvas; the spec is {@link curvesSpec}) and rasterized to PNG by resvg with the system fonts.
 */
export async function renderCurves(
  experiment: string,
  runs: RunRecord[],
  xTitle = 'training step',
): Promise<{ svg: string; png: Uint8Array }> {
  const spec = curvesSpec(experiment, runs, xTitle);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' })
    .render()
    .asPng();
  return { svg, png };
}

import type { RunRecord } from './experiment';

/**
 * The learning curves of `runs` in one chart (SVG and PNG), one line per curve and run, labelled
 * "series [backend]". Loads the charting libraries only when called.
 */
export async function drawCurves(
  title: string,
  runs: RunRecord[],
  xTitle?: string,
): Promise<{ svg: string; png: Uint8Array }> {
  const { renderCurves } = await import('./charts');
  return renderCurves(title, runs, xTitle);
}

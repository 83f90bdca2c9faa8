import * as vega from 'vega';
import { compile } from 'vega-lite';
import { curvesSpec, type CurvesInput } from '@gradkit/experiment-runner';

/**
 * Learning curves drawn live with the benches' own Vega-Lite spec (experiment-runner's `curvesSpec`, which their
 * reports render to SVG/PNG), rendered by Vega as SVG into `container`. Redrawn at most every `minMs`.
 */
export class LiveChart {
  private view: vega.View | null = null;
  private pending: { name: string; runs: CurvesInput[]; xTitle: string | undefined } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private drawing: Promise<void> = Promise.resolve();
  private lastDraw = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly minMs = 400,
  ) {}

  /** Draws these curves (soon: the latest call within `minMs` wins). */
  show(name: string, runs: CurvesInput[], xTitle?: string): void {
    this.pending = { name, runs, xTitle };
    if (this.timer != null) return;
    const wait = Math.max(0, this.lastDraw + this.minMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drawing = this.drawing.then(() => this.draw());
    }, wait);
  }

  /** Draws what is pending now; resolves once it is on the page. */
  async flush(): Promise<void> {
    if (this.timer != null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.drawing = this.drawing.then(() => this.draw());
    }
    await this.drawing;
  }

  /** The points the chart shows now (one marker per evaluation and curve; markers are drawn up to 400 points). */
  points(): number {
    return this.container.querySelectorAll('.mark-symbol.role-mark path').length;
  }

  private async draw(): Promise<void> {
    const next = this.pending;
    this.pending = null;
    if (next == null) return;
    this.lastDraw = performance.now();
    const width = Math.max(280, Math.min(640, this.container.clientWidth - 260));
    const spec = curvesSpec(next.name, next.runs, next.xTitle, { width, height: 200 });
    // drawn off the page, then swapped in: no flicker, and the old view's element is not reused by the new one
    const holder = document.createElement('div');
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', container: holder, hover: true });
    await view.runAsync();
    this.container.replaceChildren(holder);
    this.view?.finalize();
    this.view = view;
    this.container.setAttribute('aria-label', `learning curves of ${next.name}: ${this.points()} points`);
  }
}

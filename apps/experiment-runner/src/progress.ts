/** A one-line progress bar with an ETA on stderr (plain lines when stderr is not a terminal). */
export class ProgressBar {
  private readonly start = Date.now();
  private lastPlain = -1;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : NaN;
    const text = `${this.label} ${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total} ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}`;
    if (this.stream.isTTY) {
      this.stream.write(
        `\r${text.slice(0, (this.stream.columns ?? 120) - 1).padEnd(Math.min(this.stream.columns ?? 120, 160) - 1)}`,
      );
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== this.lastPlain) {
        this.lastPlain = decile;
        this.stream.write(`${text}\n`);
      }
    }
  }

  log(message: string): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
    this.stream.write(`${message}\n`);
  }

  done(summary: string): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
    this.stream.write(`${this.label} ${summary}\n`);
  }
}

function bar(fraction: number, width = 24): string {
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

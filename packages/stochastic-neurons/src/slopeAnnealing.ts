/**
 * Where an annealed slope (or temperature) acts:
 * - `'training-and-evaluation'` (default): the slope is used in training and at evaluation.
 * - `'evaluation-only'`: R2RT posts 5 and 6 as written — the slope was only ever fed to evaluation passes, so
 *   training always used slope 1 (and temperature 1). Use it to reproduce the posts' numbers.
 */
export type AnnealingScope = 'training-and-evaluation' | 'evaluation-only';

export interface SlopeAnnealingOptions {
  /** m ← m·rate at each {@link SlopeAnnealing.step} (the post: 1.1 per epoch). */
  rate: number;
  /** The starting slope (default 1). */
  initial?: number;
  scope?: AnnealingScope;
}

/**
 * Slope annealing for binary neurons, p = σ(m·a) with m multiplied by `rate` after every epoch (Chung et al. 2016,
 * R2RT post 5). The caller calls {@link step} once per epoch and asks {@link slopeFor} which slope a pass uses.
 * For one-hot neurons the temperature is 1/slope ({@link temperatureFor}): τ divided by `rate` each epoch.
 */
export class SlopeAnnealing {
  readonly rate: number;
  readonly scope: AnnealingScope;
  private current: number;
  private epochs = 0;

  constructor(options: SlopeAnnealingOptions) {
    const { rate, initial = 1, scope = 'training-and-evaluation' } = options;
    if (!(Number.isFinite(rate) && rate > 0))
      throw new RangeError(`SlopeAnnealing: rate = ${rate}, expected a finite number > 0`);
    if (!(Number.isFinite(initial) && initial > 0))
      throw new RangeError(`SlopeAnnealing: initial = ${initial}, expected a finite number > 0`);
    if (scope !== 'training-and-evaluation' && scope !== 'evaluation-only') {
      throw new TypeError(
        `SlopeAnnealing: scope = ${JSON.stringify(scope)}, expected 'training-and-evaluation' or 'evaluation-only'`,
      );
    }
    this.rate = rate;
    this.scope = scope;
    this.current = initial;
  }

  /** The annealed slope after the epochs stepped so far. */
  get slope(): number {
    return this.current;
  }

  get epochsDone(): number {
    return this.epochs;
  }

  /** After an epoch: m ← m·rate. */
  step(): void {
    this.current *= this.rate;
    this.epochs += 1;
  }

  /** The slope a training or evaluation pass uses (1 for training under `'evaluation-only'`). */
  slopeFor(training: boolean): number {
    return training && this.scope === 'evaluation-only' ? 1 : this.current;
  }

  /** The temperature 1/slope a one-hot neuron's pass uses. */
  temperatureFor(training: boolean): number {
    return 1 / this.slopeFor(training);
  }
}

import type { RunCheckpoint } from './storage';
import { loadTraining, saveTraining, type Training } from './training';

/** A training loop's per-epoch checkpoints: where to start and stop, and what to call after each epoch. */
export interface EpochCheckpoints {
  /** Epochs already done by the run being continued (0 when it starts from scratch). */
  readonly start: number;
  /** Where the loop stops: the configured epochs, or `start` when the runner only reports (`--partial`). */
  readonly end: number;
  /** Saves the training state and progress after `epochsDone` epochs, unless that was the last one (or there is no checkpoint). */
  after(epochsDone: number): Promise<void>;
}

/**
 * Per-epoch checkpoints for an epoch loop. Restores the last save — variables, optimizer, the run's progress lists
 * (curves, step times…; appended back in place) and single values it names (`values`, e.g. a noise seed) — and logs
 * it; `after(epoch)` saves them, as one JSON object `{ epoch, ...lists, ...values }`. The loop runs
 * `for (let epoch = c.start; epoch < c.end; epoch++) { …; await c.after(epoch + 1); }`; under `--partial` it
 * runs no epoch, and the run returns its result from the restored lists.
 */
export async function epochCheckpoints(
  ctx: { checkpoint?: RunCheckpoint; log(message: string): void },
  training: Training,
  epochs: number,
  lists: Record<string, unknown[]>,
  values: Record<string, { get(): unknown; set(value: unknown): void }> = {},
): Promise<EpochCheckpoints> {
  const saved = (await loadTraining(ctx.checkpoint, training)) as ({ epoch: number } & Record<string, unknown>) | null;
  if (saved != null) {
    for (const [name, list] of Object.entries(lists)) list.push(...((saved[name] as unknown[] | undefined) ?? []));
    for (const [name, value] of Object.entries(values)) value.set(saved[name]);
  }
  const start = saved?.epoch ?? 0;
  const reportOnly = ctx.checkpoint?.reportOnly;
  if (reportOnly != null) {
    if (saved == null)
      throw new Error(
        '--partial: this run has no checkpoint; expected an unfinished run that saved at least one epoch',
      );
    reportOnly.call(ctx.checkpoint, `after epoch ${start} of ${epochs}`);
  } else if (saved != null) {
    ctx.log(`continuing from the checkpoint after epoch ${start}`);
  }
  return {
    start,
    end: reportOnly != null ? start : epochs,
    after: async (epochsDone) => {
      if (ctx.checkpoint == null || reportOnly != null || epochsDone >= epochs) return;
      const current = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value.get()]));
      await saveTraining(ctx.checkpoint, training, { ...lists, ...current, epoch: epochsDone });
    },
  };
}

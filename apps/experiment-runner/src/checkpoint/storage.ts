import { existsSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../atomicWrite';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointData } from './format';

/**
 * A run's checkpoint, given to experiments as `ctx.checkpoint`. A long run saves after each epoch (or every N
 * steps); interrupted, `--resume` starts it again from its last save instead of from step 0. The checkpoint
 * belongs to one run (experiment, backend, profile, seed) and one configuration: a file written under another
 * configuration is refused with an error rather than continued. It is deleted once the run's result is written.
 */
export interface RunCheckpoint {
  /** The last save of this run, or null (none, or `--resume` not given: the run starts from scratch). */
  load(): CheckpointData | null;
  /** Replaces the saved checkpoint atomically (an interrupted save leaves the previous one). */
  save(data: CheckpointData): void;
  /**
   * Present only when the runner reports where an unfinished run stands (`--partial`): the run restores its last
   * save, trains nothing, calls this with how far it had got (e.g. "after epoch 9 of 20") and returns its result
   * so far. `save` then throws. {@link epochCheckpoints} does all of this for an epoch loop.
   */
  reportOnly?(progress: string): void;
}

function readCheckpointFile(file: string): Uint8Array {
  const bytes = readFileSync(file);
  if (!file.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new Error(
      `${file}: not readable as gzip (${(error as Error).message}); expected a gzip-compressed gradkit checkpoint (delete it to start the run from scratch)`,
    );
  }
}

/**
 * The checkpoint of one run, stored in `file`; `resume` decides whether an existing one is continued. A file
 * whose name ends in `.gz` is gzip-compressed (what `--carry` keeps in the repository); otherwise it is stored as is.
 */
export function fileCheckpoint(file: string, config: unknown, resume: boolean): RunCheckpoint {
  return {
    load: () => (resume && existsSync(file) ? decodeCheckpoint(readCheckpointFile(file), config, file) : null),
    save: (data) => {
      const bytes = encodeCheckpoint(config, data);
      writeFileAtomic(file, file.endsWith('.gz') ? gzipSync(bytes, { level: 6 }) : bytes);
    },
  };
}

/**
 * The same checkpoint, read-only, for a report on an unfinished run (`--partial`): loads it, refuses to save, and
 * passes on the run's description of how far it had got.
 */
export function reportOnlyCheckpoint(file: string, config: unknown, progress: (text: string) => void): RunCheckpoint {
  return {
    load: fileCheckpoint(file, config, true).load,
    save: () => {
      throw new Error(`${file}: --partial reports on a run without training it; this experiment tried to save`);
    },
    reportOnly: progress,
  };
}

export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}

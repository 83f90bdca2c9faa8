// Test doubles for the benches' tests (the package's `testing` entry, kept out of its main index).
import { fileCheckpoint, type RunCheckpoint } from './checkpoint/storage';

/** What {@link interruptingCheckpoint} throws once it has saved. */
export class RunInterrupted extends Error {}

/**
 * For tests of resumable experiments: a fresh checkpoint in `file` (as {@link fileCheckpoint} without resume) whose
 * save writes the file and then throws {@link RunInterrupted}, as if the process were killed right after its first
 * save. `saves` counts the saves the run attempted.
 */
export function interruptingCheckpoint(file: string, config: unknown): RunCheckpoint & { readonly saves: number } {
  const saving = fileCheckpoint(file, config, false);
  let saves = 0;
  return {
    load: saving.load,
    save: (data) => {
      saving.save(data);
      saves += 1;
      throw new RunInterrupted(`${file}: stopped after save ${saves}`);
    },
    get saves() {
      return saves;
    },
  };
}

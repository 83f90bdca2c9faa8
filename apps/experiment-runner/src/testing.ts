// Test doubles for the benches' tests (the package's `testing` entry, kept out of its main index).
import { fileCheckpoint, type RunCheckpoint } from './checkpoint/storage';
import type { RunContext } from './experiment';

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

/**
 * A run context for calling an experiment's `run` directly in a test, on the backend the test runs on: no progress
 * bar, no log, the given seed and checkpoint.
 */
export function testRunContext(
  backend: { name: string; device: string },
  seed: number,
  checkpoint?: RunCheckpoint,
  profile = 'smoke',
): RunContext {
  return {
    backend: {
      name: backend.name as RunContext['backend']['name'],
      tfName: backend.name,
      available: true,
      device: backend.device,
    },
    seed,
    profile,
    progress: () => undefined,
    sampleMemory: () => undefined,
    log: () => undefined,
    ...(checkpoint ? { checkpoint } : {}),
  };
}

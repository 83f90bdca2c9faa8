import { existsSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { getOptimizerWeights, setOptimizerWeights } from '@gradkit/core';
import { writeFileAtomic } from './atomicWrite';

/** One saved array: a variable's or an optimizer slot's values. */
export interface CheckpointArray {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** What a run saves: its own progress as JSON (epoch, curves so far, RNG counters) and named arrays. */
export interface CheckpointData {
  state: unknown;
  arrays: Record<string, CheckpointArray>;
}

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

const MAGIC = 'gradkit-checkpoint 1\n';
const MAGIC_BYTES = new TextEncoder().encode(MAGIC);

interface Header {
  config: string;
  state: unknown;
  arrays: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; offset: number; length: number }>;
}

/**
 * File layout: the magic line, a little-endian uint32 header length, the JSON header (configuration, state,
 * each array's shape, dtype and element offset), padding to 4 bytes, then every array's elements back to back.
 */
export function encodeCheckpoint(config: unknown, data: CheckpointData): Uint8Array {
  const arrays: Header['arrays'] = {};
  let offset = 0;
  for (const [name, a] of Object.entries(data.arrays)) {
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (a.data.length !== size)
      throw new RangeError(
        `checkpoint array "${name}": ${a.data.length} values for shape [${a.shape.join(', ')}], expected ${size}`,
      );
    if (a.dtype !== 'float32' && a.dtype !== 'int32')
      throw new TypeError(`checkpoint array "${name}": dtype ${String(a.dtype)}, expected float32 or int32`);
    arrays[name] = { shape: a.shape, dtype: a.dtype, offset, length: size };
    offset += size;
  }
  const header = new TextEncoder().encode(
    JSON.stringify({ config: JSON.stringify(config), state: data.state, arrays } satisfies Header),
  );
  const magic = MAGIC_BYTES;
  const start = Math.ceil((magic.length + 4 + header.length) / 4) * 4;
  const bytes = new Uint8Array(start + 4 * offset);
  bytes.set(magic, 0);
  new DataView(bytes.buffer).setUint32(magic.length, header.length, true);
  bytes.set(header, magic.length + 4);
  for (const [name, a] of Object.entries(data.arrays)) {
    const at = start + 4 * (arrays[name] as { offset: number }).offset;
    bytes.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), at);
  }
  return bytes;
}

/** Reads {@link encodeCheckpoint}'s bytes back; one-line errors name the file and what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array, config: unknown, file: string): CheckpointData {
  const magic = MAGIC_BYTES;
  const bad = (what: string) =>
    new Error(`${file}: ${what}; expected a gradkit checkpoint (delete it to start the run from scratch)`);
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== MAGIC)
    throw bad('not a checkpoint');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(magic.length, true);
  if (magic.length + 4 + length > bytes.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(magic.length + 4, magic.length + 4 + length)),
    ) as Header;
  } catch {
    throw bad('unreadable header');
  }
  if (header.config !== JSON.stringify(config)) {
    throw new Error(
      `${file}: written by a run with another configuration (${header.config}); delete it or run without --resume`,
    );
  }
  const start = Math.ceil((magic.length + 4 + length) / 4) * 4;
  const arrays: Record<string, CheckpointArray> = {};
  for (const [name, a] of Object.entries(header.arrays)) {
    const from = start + 4 * a.offset;
    if (from + 4 * a.length > bytes.length) throw bad(`truncated array "${name}"`);
    const copy = new Uint8Array(4 * a.length); // a copy: a Buffer's slice() would share the file's memory
    copy.set(bytes.subarray(from, from + 4 * a.length));
    arrays[name] = {
      shape: a.shape,
      dtype: a.dtype,
      data: a.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer),
    };
  }
  return { state: header.state, arrays };
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

export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}

/** Something with named weights to save and restore, like a tfjs optimizer. */
export interface WithWeights {
  getWeights(): Promise<Array<{ name: string; tensor: tf.Tensor }>>;
  setWeights(weights: Array<{ name: string; tensor: tf.Tensor }>): Promise<void>;
}

/** A tfjs optimizer's complete state (Adam's running powers included, so a resumed run is exact); others list their own. */
function weightsOf(optimizer: WithWeights): Promise<Array<{ name: string; tensor: tf.Tensor }>> {
  return optimizer instanceof tf.Optimizer ? getOptimizerWeights(optimizer) : optimizer.getWeights();
}

/** What {@link saveTraining} saves: variables under stable names, and the optimizer's slots. */
export interface Training {
  variables: Record<string, tf.Variable>;
  optimizer?: WithWeights;
}

interface SavedTraining {
  run: unknown;
  optimizerSlots: string[] | null;
}

/**
 * Saves a training state: every variable (under the caller's names), the optimizer's slots (`optimizer/<i>`, in
 * the optimizer's order: tfjs optimizers match slots to variables by position, so the variables must be created
 * in the same order on restore, as a seeded run does) and the run's own JSON `state`.
 */
export async function saveTraining(checkpoint: RunCheckpoint, training: Training, state: unknown): Promise<void> {
  const arrays: Record<string, CheckpointArray> = {};
  const add = async (name: string, t: tf.Tensor) => {
    if (t.dtype !== 'int32' && t.dtype !== 'float32')
      throw new TypeError(`checkpoint: "${name}" has dtype ${t.dtype}, expected float32 or int32`);
    arrays[name] = { shape: t.shape.slice(), dtype: t.dtype, data: (await t.data()) as Float32Array | Int32Array };
  };
  for (const [name, v] of Object.entries(training.variables)) await add(name, v);
  let optimizerSlots: string[] | null = null;
  if (training.optimizer != null) {
    const weights = await weightsOf(training.optimizer);
    for (const [i, w] of weights.entries()) await add(`optimizer/${i}`, w.tensor);
    optimizerSlots = weights.map((w) => w.name);
    // the optimizer's own slots are its variables; what it made for the occasion (the iteration count) is ours
    tf.dispose(weights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
  }
  checkpoint.save({ state: { run: state, optimizerSlots } satisfies SavedTraining, arrays });
}

/**
 * Restores {@link saveTraining}'s last save, if the run has one: assigns every variable (shapes checked before
 * anything is assigned) and sets the optimizer's slots. Returns the run's JSON state, or null (start from scratch).
 */
export async function loadTraining(checkpoint: RunCheckpoint | undefined, training: Training): Promise<unknown> {
  const data = checkpoint?.load();
  if (data == null) return null;
  const { run, optimizerSlots } = data.state as SavedTraining;
  for (const [name, v] of Object.entries(training.variables)) {
    const a = data.arrays[name];
    if (a == null) throw new Error(`checkpoint: no array "${name}"; expected one for every variable`);
    if (a.shape.length !== v.shape.length || a.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`checkpoint: "${name}" has shape [${a.shape.join(', ')}], expected [${v.shape.join(', ')}]`);
    }
  }
  if ((training.optimizer != null) !== (optimizerSlots != null))
    throw new Error(
      `checkpoint: optimizer slots ${optimizerSlots == null ? 'missing' : 'present'}; expected them ${training.optimizer == null ? 'absent' : 'saved'}`,
    );
  for (const [name, v] of Object.entries(training.variables)) {
    const a = data.arrays[name] as CheckpointArray;
    tf.tidy(() => v.assign(tf.tensor(a.data, a.shape, a.dtype)));
  }
  if (training.optimizer != null && optimizerSlots != null) {
    const weights = optimizerSlots.map((name, i) => {
      const a = data.arrays[`optimizer/${i}`];
      if (a == null) throw new Error(`checkpoint: no optimizer slot ${i} ("${name}")`);
      return { name, tensor: tf.tensor(a.data, a.shape, a.dtype) };
    });
    await (training.optimizer instanceof tf.Optimizer
      ? setOptimizerWeights(training.optimizer, weights)
      : training.optimizer.setWeights(weights));
    tf.dispose(weights.map((w) => w.tensor));
  }
  return run;
}

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

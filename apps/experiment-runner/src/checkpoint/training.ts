import * as tf from '@tensorflow/tfjs-core';
import { getOptimizerWeights, setOptimizerWeights } from '@gradkit/core';
import type { CheckpointArray } from './format';
import type { RunCheckpoint } from './storage';

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

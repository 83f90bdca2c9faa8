import * as tf from '@tensorflow/tfjs-core';

/** One named optimizer weight, as tfjs optimizers' `getWeights()` lists them. */
export interface OptimizerWeight {
  name: string;
  tensor: tf.Tensor;
}

/** The running powers β₁ᵗ⁺¹ and β₂ᵗ⁺¹ that tfjs's Adam keeps as variables besides its slots. */
const POWERS = ['accBeta1', 'accBeta2'] as const;
const PREFIX = 'gradkit:';

function powersOf(optimizer: tf.Optimizer): Array<[string, tf.Variable]> {
  const fields = optimizer as unknown as Record<string, unknown>;
  return POWERS.filter((k) => fields[k] instanceof tf.Variable).map((k) => [k, fields[k] as tf.Variable]);
}

/**
 * An optimizer's complete state, for a checkpoint that continues training exactly. tfjs's `getWeights()` leaves
 * out Adam's running powers β₁ᵗ⁺¹, β₂ᵗ⁺¹ (kept by repeated multiplication, `acc ← acc·β` after every step) and its
 * `setWeights()` recomputes them as `pow(β, t + 1)`, which differs in the last bits after some hundred steps: a
 * resumed run then drifts from the uninterrupted one (about 3e-7 relative in the loss after 234 steps). This list
 * is tfjs's, followed by those powers as `gradkit:accBeta1` and `gradkit:accBeta2` (copies: dispose them, with
 * the iteration count, as with tfjs's list). For optimizers without such state it is tfjs's list unchanged.
 */
export async function getOptimizerWeights(optimizer: tf.Optimizer): Promise<OptimizerWeight[]> {
  const weights = await optimizer.getWeights();
  return [...weights, ...powersOf(optimizer).map(([k, v]) => ({ name: `${PREFIX}${k}`, tensor: tf.clone(v) }))];
}

/**
 * Restores {@link getOptimizerWeights}'s list: tfjs's `setWeights` with its own entries, then the running powers
 * exactly as they were saved (a list from tfjs's plain `getWeights()` restores as tfjs does). The tensors passed
 * in stay the caller's.
 */
export async function setOptimizerWeights(optimizer: tf.Optimizer, weights: OptimizerWeight[]): Promise<void> {
  const powers = new Map(powersOf(optimizer));
  const ours = weights
    .filter((w) => w.name.startsWith(PREFIX))
    .map((w) => {
      const key = w.name.slice(PREFIX.length);
      if (!(POWERS as readonly string[]).includes(key)) {
        throw new Error(
          `setOptimizerWeights: unknown weight "${w.name}"; expected ${POWERS.map((k) => `"${PREFIX}${k}"`).join(' or ')}`,
        );
      }
      const v = powers.get(key);
      if (v == null)
        throw new Error(
          `setOptimizerWeights: "${w.name}" given, but this optimizer (${optimizer.getClassName()}) keeps no such value`,
        );
      if (w.tensor.size !== 1)
        throw new Error(`setOptimizerWeights: "${w.name}" has shape [${w.tensor.shape.join(', ')}]; expected a scalar`);
      return { v, w };
    });
  await optimizer.setWeights(weights.filter((w) => !w.name.startsWith(PREFIX)));
  // after tfjs's setWeights, which recomputes the powers with pow()
  for (const { v, w } of ours) tf.tidy(() => v.assign(tf.reshape(w.tensor, v.shape)));
}

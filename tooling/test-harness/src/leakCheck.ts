import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and throws if it left tensors behind: `tf.memory().numTensors` after == before. Create variables
 * inside the checked code only if the code disposes them, and dispose optimizers (they hold slot variables).
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>, what = 'code'): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${what} leaked ${after - before} tensor(s): ${before} before, ${after} after`);
  return result;
}

/**
 * Checks every test of the enclosing suite for leaked tensors: `tf.memory().numTensors` after each test equals its
 * count before. Takes the runner's hooks, so jest in Node and the page runner in a browser install the same check.
 */
export function leakCheckEachTest(
  backendName: string,
  hooks: { beforeEach(fn: () => void): void; afterEach(fn: () => void): void },
): void {
  let before = 0;
  hooks.beforeEach(() => {
    before = tf.memory().numTensors;
  });
  hooks.afterEach(() => {
    const after = tf.memory().numTensors;
    if (after !== before)
      throw new Error(
        `leaked ${after - before} tensor(s) on ${backendName}: ${before} before the test, ${after} after`,
      );
  });
}

/**
 * A trainable variable from plain values, created so that no initializer tensor stays behind (tf.variable keeps
 * its initial value's tensor alive otherwise). The caller disposes the variable.
 */
export function variableOf(values: number[] | number[][], shape?: number[], name?: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, name));
}

/**
 * tfjs frees the tensors a gradient computation saved for its backward pass only when the backward pass
 * finishes; when it throws, they stay alive. Tests that provoke an error inside a backward pass call this
 * afterwards, so that the leak check measures our code and not that tfjs behaviour.
 */
export function disposeFailedGradientTape(): void {
  const state = (
    tf.engine() as unknown as { state: { activeTape: Array<{ saved?: tf.Tensor[] }> | null; gradientDepth: number } }
  ).state;
  if (state.gradientDepth !== 0 || state.activeTape == null) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
}

// R2RT post 3's character language model, without Node: shared by the bench (experiments/charLm.ts trains it on
// Moby Dick from disk) and by the browser (apps/playground trains it in a page and samples from it as it learns).
import * as tf from '@tensorflow/tfjs-core';
import { dense, glorotUniform, sparseSoftmaxCrossEntropy } from '@gradkit/core';
import {
  embedding,
  generate,
  gruCell,
  layerNormLstmCell,
  lstmCell,
  mixtureGruCell,
  stackedRnn,
  type Cell,
  type WeightFactory,
} from '@gradkit/rnn';
import { ptbBatches, type CharVocabulary } from './characters';
import { tf1Limit, tf1Weights } from './experiments/tf1Init';

export type CellKind = 'gru' | 'lstm' | 'ln-lstm' | 'mixture-gru';

/** The model's shape and the windows it trains on. */
export interface CharModelConfig {
  cell: CellKind;
  layers: number;
  units: number;
  batch: number;
  numSteps: number;
  /**
   * Initial weights: 'ours' (the cells' defaults: Glorot per gate block, embedding ±0.1) or 'tf1' (as the post's
   * TensorFlow drew them: `_linear`'s one joint matrix over [input, h] with UniformUnitScaling, ±√(3/(input + units))
   * for the input and recurrent weights alike, and the embedding ±√(3/vocabulary)). Default 'ours'.
   */
  init?: 'ours' | 'tf1';
}

function makeCell(kind: CellKind, inputSize: number, units: number, seed: number, makeWeight?: WeightFactory): Cell {
  const o = { inputSize, units, seed, ...(makeWeight ? { makeWeight } : {}) };
  if (kind === 'gru') return gruCell({ ...o, gateBias: 1 });
  if (kind === 'lstm') return lstmCell(o);
  if (kind === 'ln-lstm') return layerNormLstmCell(o);
  return mixtureGruCell(o);
}

/** Embedding (size = state size, as the post) → stacked cells → linear softmax over the characters. */
export class CharModel {
  readonly table: tf.Variable;
  readonly cells: Cell[];
  readonly w: tf.Variable;
  readonly b: tf.Variable;

  constructor(
    readonly config: CharModelConfig,
    readonly vocab: CharVocabulary,
    seed: number,
  ) {
    const v = vocab.chars.length;
    const u = config.units;
    const tf1 = config.init === 'tf1';
    const embeddingLimit = tf1 ? tf1Limit(v) : 0.1;
    this.table = tf.tidy(() => tf.variable(tf.randomUniform([v, u], -embeddingLimit, embeddingLimit, 'float32', seed)));
    this.cells = Array.from({ length: config.layers }, (_, l) => {
      const cellSeed = seed + 10 * (l + 1);
      return makeCell(config.cell, u, u, cellSeed, tf1 ? tf1Weights(2 * u, cellSeed) : undefined);
    });
    this.w = tf.tidy(() => tf.variable(glorotUniform([u, v], seed + 1)));
    this.b = tf.tidy(() => tf.variable(tf.zeros([v])));
  }

  get variables(): tf.Variable[] {
    return [this.table, ...this.cells.flatMap((c) => c.variables), this.w, this.b];
  }

  zeroStates(batch: number): tf.Tensor2D[][] {
    return this.cells.map((c) => c.stateSizes.map((s) => tf.zeros([batch, s]) as tf.Tensor2D));
  }

  /** Mean cross-entropy (nats per character) of one window and the final states. */
  loss(x: Int32Array, y: Int32Array, states: tf.Tensor2D[][]): { loss: tf.Scalar; states: tf.Tensor2D[][] } {
    const { batch, numSteps } = this.config;
    const ids = tf.tensor2d(x, [batch, numSteps], 'int32');
    const { outputs, finalStates } = stackedRnn(this.cells, embedding(ids, this.table), { initialStates: states });
    const logits = dense(tf.reshape(outputs, [batch * numSteps, this.config.units]), this.w, this.b);
    return { loss: tf.mean(sparseSoftmaxCrossEntropy(y, logits)) as tf.Scalar, states: finalStates };
  }

  /** One character through the stack (batch 1): the logits of the next one, and the new states. */
  step(token: number, states: tf.Tensor2D[][]): { logits: tf.Tensor; states: tf.Tensor2D[][] } {
    return tf.tidy(() => {
      let h = tf.gather(this.table, tf.tensor1d([token], 'int32')) as tf.Tensor2D;
      const next = this.cells.map((cell, l) => {
        const r = cell.step(cell.project(h), states[l] as tf.Tensor2D[]);
        h = r.output;
        return r.state;
      });
      return { logits: tf.add(tf.matMul(h, this.w as tf.Tensor2D), this.b), states: next };
    });
  }

  dispose(): void {
    tf.dispose([this.table, this.w, this.b]);
    this.cells.forEach((c) => c.dispose());
  }
}

/**
 * A sample of `length` characters after `prompt` (top 5, temperature 1; batch 1, the state carried character by
 * character through {@link CharModel.step}), prompt included. Every tensor it makes is disposed.
 */
export async function sampleText(
  model: CharModel,
  prompt: string,
  length: number,
  random: () => number,
): Promise<string> {
  const { vocab } = model;
  const { tokens, state } = await generate({
    prompt: [...prompt].map((c) => vocab.index.get(c) ?? 0),
    length,
    initialState: model.zeroStates(1),
    topK: 5,
    random,
    step: async (token, s) => {
      const r = model.step(token, s);
      const logits = await r.logits.data();
      tf.dispose([r.logits, ...s.flat()]);
      return { logits, state: r.states };
    },
  });
  tf.dispose(state.flat());
  return prompt + tokens.map((t) => vocab.chars[t]).join('');
}

/** Mean cross-entropy (nats per character) over every window of `ids`, the state carried from window to window. */
export async function validationLoss(model: CharModel, ids: Int32Array): Promise<number> {
  let states = model.zeroStates(model.config.batch);
  let sum = 0;
  let n = 0;
  for (const window of ptbBatches(ids, model.config.batch, model.config.numSteps)) {
    const r = tf.tidy(() => {
      const out = model.loss(window.x, window.y, states);
      return { loss: out.loss, states: out.states.map((s) => s.map((t) => tf.keep(t))) };
    });
    sum += (await r.loss.data())[0] as number;
    tf.dispose([r.loss, ...states.flat()]);
    states = r.states;
    n += 1;
  }
  tf.dispose(states.flat());
  return n > 0 ? sum / n : NaN;
}

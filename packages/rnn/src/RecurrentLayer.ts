import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Cell } from './cell';
import type { WeightFactory } from './cells/parts';
import { basicRnnCell } from './cells/basicRnn';
import { gruCell } from './cells/gru';
import { layerNormGruCell, layerNormLstmCell } from './cells/layerNormCells';
import { lstmCell } from './cells/lstm';
import { mixtureGruCell } from './cells/mixtureGru';
import { rnn } from './rnn';
import { lastRelevant } from './sequences';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export type CellKind = 'basic' | 'gru' | 'lstm' | 'ln-lstm' | 'ln-gru' | 'mixture-gru';

export interface RecurrentLayerArgs extends LayerArgs {
  cell: CellKind;
  units: number;
  /** Return every step's output ([batch, T, units]) instead of the last valid one ([batch, units]). Default false. */
  returnSequences?: boolean;
  /** GRU: where the reset gate acts (default true, Keras's). */
  resetAfter?: boolean;
  /** GRU / mixture GRU: initial gate bias. */
  gateBias?: number;
  /** LSTMs: forget bias (default 1). */
  forgetBias?: number;
  /** Mixture GRU: number of input transforms (default 5). */
  transforms?: number;
  seed?: number;
}

/** How many state tensors each cell kind carries (LSTMs: [h, c]; the others: [h]). */
const STATE_COUNT: Record<CellKind, number> = {
  basic: 1,
  gru: 1,
  lstm: 2,
  'ln-lstm': 2,
  'ln-gru': 1,
  'mixture-gru': 1,
};

/**
 * A `tf.layers` recurrent layer over @gradkit/rnn's cells and `rnn` (registered as `GradkitRecurrent`, so models
 * save and load). A tfjs-layers mask (from `embedding({ maskZero: true })` or `masking`) becomes per-example
 * sequence lengths (the mask must be right-padded): outputs past each length are zero and the returned last output
 * is the one at each example's last valid step.
 *
 * An initial state is given as tfjs-layers' recurrent layers take it, `layer.apply(x, { initialState: [h0] })`
 * (LSTMs: `[h0, c0]`), each `[batch, units]`: concrete tensors, or symbolic ones in a functional model (e.g. from
 * @gradkit/initial-states' `InitialStateLayer`), which then become inputs of this layer, so the model trains,
 * saves and loads them with it. Without one, the state starts at zero.
 *
 * @example
 * const x = tf.input({ shape: [30, 8] });
 * const h0 = new InitialStateLayer({ units: 16 }).apply(x) as tf.SymbolicTensor;
 * const y = new RecurrentLayer({ cell: 'gru', units: 16 }).apply(x, { initialState: [h0] });
 */
export class RecurrentLayer extends tfl.layers.Layer {
  static className = 'GradkitRecurrent';
  readonly kind: CellKind;
  readonly units: number;
  readonly returnSequences: boolean;
  private readonly args: RecurrentLayerArgs;
  private cell: Cell | null = null;

  constructor(args: RecurrentLayerArgs) {
    super(args);
    const kinds: CellKind[] = ['basic', 'gru', 'lstm', 'ln-lstm', 'ln-gru', 'mixture-gru'];
    if (!kinds.includes(args?.cell))
      throw new TypeError(`RecurrentLayer: cell = ${JSON.stringify(args?.cell)}, expected one of ${kinds.join(', ')}`);
    if (!Number.isInteger(args.units) || args.units < 1)
      throw new RangeError(`RecurrentLayer: units = ${args.units}, expected a positive integer`);
    this.kind = args.cell;
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.args = args;
    this.supportsMasking = true;
  }

  /**
   * tfjs-layers' convention for initial states: symbolic states become extra inputs of the layer (so a functional
   * model includes the layers that make them), concrete ones reach {@link call} through `kwargs`. The count and the
   * state size are checked here, before anything is built.
   */
  override apply(
    inputs: tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[],
    kwargs?: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[] {
    const given = kwargs?.['initialState'] as
      | tf.Tensor
      | tfl.SymbolicTensor
      | Array<tf.Tensor | tfl.SymbolicTensor>
      | undefined;
    if (given == null) return super.apply(inputs, kwargs);
    const states = Array.isArray(given) ? given : [given];
    this.checkStates(states.map((t) => t.shape));
    const { initialState: _, ...rest } = kwargs as Record<string, unknown>;
    const x = Array.isArray(inputs) ? inputs : [inputs];
    if (x.length !== 1) {
      throw new Error(
        `RecurrentLayer: ${x.length} inputs and initialState given; expected one input [batch, time, features] beside initialState`,
      );
    }
    const symbolic = states.some((t) => t instanceof tfl.SymbolicTensor);
    if (symbolic !== x[0] instanceof tfl.SymbolicTensor) {
      throw new Error(
        'RecurrentLayer: initialState and the input must both be symbolic (a functional model) or both concrete tensors',
      );
    }
    if (symbolic) return super.apply([...x, ...states] as tfl.SymbolicTensor[], rest);
    return super.apply(x[0] as tf.Tensor, { ...rest, initialState: states });
  }

  private checkStates(shapes: Array<Array<number | null>>): void {
    const expected = STATE_COUNT[this.kind];
    const what = expected === 2 ? '[h, c]' : '[h]';
    if (shapes.length !== expected) {
      throw new Error(
        `RecurrentLayer (${this.kind}): initialState has ${shapes.length} tensor(s), expected ${expected} (${what}, each [batch, ${this.units}])`,
      );
    }
    shapes.forEach((shape, i) => {
      if (shape.length !== 2 || (shape[1] != null && shape[1] !== this.units)) {
        throw new Error(
          `RecurrentLayer (${this.kind}): initialState[${i}] has shape [${shape.join(', ')}], expected [batch, ${this.units}]`,
        );
      }
    });
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const features = shape[2];
    if (shape.length !== 3 || features == null)
      throw new Error(
        `RecurrentLayer: input shape [${shape.join(',')}], expected [batch, time, features] with known features`,
      );
    const makeWeight: WeightFactory = (name, init) => {
      const value = tf.tidy(init);
      // created as zeros, then set to the cell's own initial value (tfjs-layers does not export its Initializer base)
      const w = this.addWeight(name.replace(/[^A-Za-z0-9_/]/g, '_'), value.shape, 'float32', tfl.initializers.zeros());
      w.write(value);
      value.dispose();
      return w.read() as tf.Variable;
    };
    const a = this.args;
    const common = {
      inputSize: features,
      units: this.units,
      name: this.kind.replace('-', '_'),
      makeWeight,
      ...(a.seed != null ? { seed: a.seed } : {}),
    };
    this.cell = {
      basic: () => basicRnnCell(common),
      gru: () =>
        gruCell({
          ...common,
          ...(a.resetAfter != null ? { resetAfter: a.resetAfter } : {}),
          ...(a.gateBias != null ? { gateBias: a.gateBias } : {}),
        }),
      lstm: () => lstmCell({ ...common, ...(a.forgetBias != null ? { forgetBias: a.forgetBias } : {}) }),
      'ln-lstm': () => layerNormLstmCell({ ...common, ...(a.forgetBias != null ? { forgetBias: a.forgetBias } : {}) }),
      'ln-gru': () => layerNormGruCell(common),
      'mixture-gru': () => mixtureGruCell({ ...common, ...(a.transforms != null ? { transforms: a.transforms } : {}) }),
    }[this.kind]();
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return this.returnSequences ? [shape[0] ?? null, shape[1] ?? null, this.units] : [shape[0] ?? null, this.units];
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    // the sequence output keeps the time mask (the input's; states have none); the last-output form has none
    // (tfjs types "none" as a tensor)
    const timeMask = Array.isArray(mask) ? mask[0] : mask;
    return (this.returnSequences ? (timeMask ?? null) : null) as tf.Tensor | tf.Tensor[];
  }

  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: { mask?: tf.Tensor | tf.Tensor[]; initialState?: tf.Tensor[] },
  ): tf.Tensor {
    // states arrive as extra inputs (functional model) or in kwargs (concrete tensors), see apply()
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const states = Array.isArray(inputs) && inputs.length > 1 ? inputs.slice(1) : kwargs.initialState;
    if (states != null) this.checkStates(states.map((t) => t.shape));
    const mask = Array.isArray(kwargs.mask) ? kwargs.mask[0] : kwargs.mask;
    return tf.tidy(() => {
      const lengths = mask != null ? (tf.sum(tf.cast(mask, 'int32'), 1) as tf.Tensor1D) : null;
      const { outputs, finalState } = rnn(this.cell as Cell, x, {
        ...(lengths ? { sequenceLengths: lengths } : {}),
        ...(states != null ? { initialState: states as tf.Tensor2D[] } : {}),
      });
      if (this.returnSequences) return outputs;
      return lengths ? lastRelevant(outputs, lengths) : (finalState.at(-1) as tf.Tensor);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const a = this.args;
    const extra = Object.fromEntries(
      Object.entries({
        resetAfter: a.resetAfter,
        gateBias: a.gateBias,
        forgetBias: a.forgetBias,
        transforms: a.transforms,
        seed: a.seed,
      }).filter(([, v]) => v != null),
    );
    return {
      ...super.getConfig(),
      cell: this.kind,
      units: this.units,
      returnSequences: this.returnSequences,
      ...extra,
    };
  }
}

tf.serialization.registerClass(RecurrentLayer);

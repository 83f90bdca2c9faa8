import * as tf from '@tensorflow/tfjs-core';
import { defineKernelOp, type KernelInputs, type KernelOpSpec } from '@gradkit/core';
import type { FusedForm, FusedGru, FusedLstm } from './cell';
import { gruStep } from './cells/gru';
import { lstmStep } from './cells/lstm';
import { unrollBatchMajor } from './unroll';

/** The whole-sequence kernels' names in tfjs's registry (registered per backend in `kernels/`). */
export const GRU_SEQUENCE = 'GradkitGruSequence';
export const GRU_SEQUENCE_GRAD = 'GradkitGruSequenceGrad';
/** The reset-before GRU's own names: a backend may have a kernel for one reset form and not the other. */
export const GRU_RB_SEQUENCE = 'GradkitGruResetBeforeSequence';
export const GRU_RB_SEQUENCE_GRAD = 'GradkitGruResetBeforeSequenceGrad';
export const LSTM_SEQUENCE = 'GradkitLstmSequence';
export const LSTM_SEQUENCE_GRAD = 'GradkitLstmSequenceGrad';
/** The layer-normalized LSTM's own names: a backend may have a kernel for the plain LSTM and not for this one. */
export const LN_LSTM_SEQUENCE = 'GradkitLnLstmSequence';
export const LN_LSTM_SEQUENCE_GRAD = 'GradkitLnLstmSequenceGrad';

/**
 * The named inputs of a whole-sequence kernel besides x [batch, T, w] and masks [batch, T, 1] (bool, optional):
 * the initial state, the recurrent weights, and the extras (reset-after GRU: b′_h; reset-before GRU: none;
 * layer-normalized LSTM: α, β of i, j, f, o, c).
 * The backward kernel takes dOut, dState0…, the recurrent weights and the forward call's attributes (with what the
 * forward left there), and returns the gradients of x, the initial state, the recurrent weights and the extras, in
 * that order.
 */
export function sequenceInputNames(kind: FusedForm['kind']): {
  states: string[];
  recurrent: string[];
  extras: (attrs: tf.NamedAttrMap) => string[];
} {
  return kind === 'gru'
    ? { states: ['h0'], recurrent: ['uz', 'ur', 'uh'], extras: (attrs) => (attrs.resetBefore ? [] : ['bh']) }
    : {
        states: ['c0', 'h0'],
        recurrent: ['ui', 'uj', 'uf', 'uo'],
        extras: (attrs) => (attrs.layerNorm ? LN_NAMES : []),
      };
}

/** The layer-normalized LSTM's normalizations, in input order: the four gates, then the cell state. */
const LN_PARTS = ['i', 'j', 'f', 'o', 'c'];
const LN_NAMES = LN_PARTS.flatMap((g) => [`alpha_${g}`, `beta_${g}`]);

/**
 * The gradient of a whole-sequence kernel: its backward kernel, fed the upstream gradients, the recurrent weights
 * and what the forward kernel kept for it, in one of two ways. A host-memory kernel (cpu, wasm) leaves host arrays on
 * the call's attributes (`saved`: tfjs hands the same object to the gradient, and it lives exactly as long as the tape
 * node). A GPU kernel returns one more output after the final state, its **reserve** (a tensor in GPU memory): tfjs
 * keeps it for the gradient (`outputsToSave`) and frees it with the tape node; the backward kernel gets it as input
 * `reserve`. `fusedSequence` disposes its own handle on it at once.
 */
function sequenceGradient(
  kind: FusedForm['kind'],
  backwardName: string,
): KernelOpSpec<SequenceAttrs, tf.Tensor[]>['gradient'] {
  const names = sequenceInputNames(kind);
  return {
    inputsToSave: names.recurrent,
    outputsToSave: [false, ...names.states.map(() => false), true],
    gradFunc: (dys, saved, attrs) => {
      const dy = dys as tf.Tensor[];
      const inputs: tf.NamedTensorMap = { dOut: dy[0] as tf.Tensor };
      names.states.forEach((_, k) => (inputs[`dState${k}`] = dy[1 + k] as tf.Tensor));
      names.recurrent.forEach((name, g) => (inputs[name] = saved[g] as tf.Tensor));
      const reserve = saved[names.recurrent.length];
      if (reserve != null) inputs.reserve = reserve;
      const grads = tf.engine().runKernel(backwardName, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
      const order = ['x', ...names.states, ...names.recurrent, ...names.extras(attrs ?? {})];
      return Object.fromEntries(order.map((name, k) => [name, () => grads[k] as tf.Tensor]));
    },
  };
}

type SequenceAttrs = Record<string, number | boolean>;

/** The GRU's reference: its step (gruStep, reset-before when the attributes say so), unrolled. */
const gruReference = ({ x, h0, uz, ur, uh, bh, masks }: KernelInputs, attrs: SequenceAttrs): tf.Tensor[] => {
  const fused: FusedGru = {
    kind: 'gru',
    recurrent: [uz, ur, uh] as FusedGru['recurrent'],
    recurrentBiasH: attrs.resetBefore ? null : (bh as tf.Tensor),
  };
  const units = (h0 as tf.Tensor).shape[1] as number;
  const { outputs, final } = unrollBatchMajor(
    (parts, [h]) => gruStep(parts, h as tf.Tensor2D, fused),
    x as tf.Tensor3D,
    [units, units, units],
    [h0 as tf.Tensor2D],
    masks ?? null,
  );
  return [outputs, ...final];
};

const gruSequenceOp = defineKernelOp<SequenceAttrs, tf.Tensor[]>({
  kernelName: GRU_SEQUENCE,
  reference: gruReference,
  gradient: sequenceGradient('gru', GRU_SEQUENCE_GRAD),
});

const gruResetBeforeSequenceOp = defineKernelOp<SequenceAttrs, tf.Tensor[]>({
  kernelName: GRU_RB_SEQUENCE,
  reference: gruReference,
  gradient: sequenceGradient('gru', GRU_RB_SEQUENCE_GRAD),
});

/** The LSTM's reference: its step (lstmStep, layer-normalized when the attributes say so), unrolled. */
const lstmReference = (inputs: KernelInputs, attrs: SequenceAttrs): tf.Tensor[] => {
  const { x, c0, h0, ui, uj, uf, uo, masks } = inputs;
  const pair = (g: string) => ({ alpha: inputs[`alpha_${g}`] as tf.Tensor, beta: inputs[`beta_${g}`] as tf.Tensor });
  const fused: FusedLstm = {
    kind: 'lstm',
    recurrent: [ui, uj, uf, uo] as FusedLstm['recurrent'],
    forgetBias: attrs.forgetBias as number,
    ...(attrs.layerNorm
      ? {
          layerNorm: {
            gates: [pair('i'), pair('j'), pair('f'), pair('o')],
            cell: pair('c'),
            epsilon: attrs.epsilon as number,
          },
        }
      : {}),
  };
  const units = (h0 as tf.Tensor).shape[1] as number;
  const { outputs, final } = unrollBatchMajor(
    (parts, [c, h]) => lstmStep(parts, c as tf.Tensor2D, h as tf.Tensor2D, fused),
    x as tf.Tensor3D,
    [units, units, units, units],
    [c0 as tf.Tensor2D, h0 as tf.Tensor2D],
    masks ?? null,
  );
  return [outputs, ...final];
};

const lstmSequenceOp = defineKernelOp<SequenceAttrs, tf.Tensor[]>({
  kernelName: LSTM_SEQUENCE,
  reference: lstmReference,
  gradient: sequenceGradient('lstm', LSTM_SEQUENCE_GRAD),
});

const lnLstmSequenceOp = defineKernelOp<SequenceAttrs, tf.Tensor[]>({
  kernelName: LN_LSTM_SEQUENCE,
  reference: lstmReference,
  gradient: sequenceGradient('lstm', LN_LSTM_SEQUENCE_GRAD),
});

/**
 * A cell's whole sequence in its fused form: the kernel of the active backend where one is registered, else the
 * reference — the cell kind's step (gruStep, lstmStep) unrolled, differentiated by tfjs. `joined` is the joined
 * input projection [batch, T, w], `state0` the initial state, `masks` [batch, T, 1] (bool, true = valid) or null.
 * Returns the outputs [batch, T, units] (zero past each example's length) and the final state (the caller owns them).
 */
export function fusedSequence(
  fused: FusedForm,
  joined: tf.Tensor3D,
  state0: tf.Tensor2D[],
  masks: tf.Tensor | null,
): { outputs: tf.Tensor3D; final: tf.Tensor2D[] } {
  const inputs: KernelInputs = { x: joined, ...(masks ? { masks } : {}) };
  let attrs: SequenceAttrs = {}; // a fresh object per call: a kernel may leave its reserve on it
  let op = gruSequenceOp;
  if (fused.kind === 'gru') {
    const [uz, ur, uh] = fused.recurrent;
    Object.assign(inputs, { h0: state0[0], uz, ur, uh });
    if (fused.recurrentBiasH) inputs.bh = fused.recurrentBiasH;
    else {
      attrs = { resetBefore: true };
      op = gruResetBeforeSequenceOp;
    }
  } else {
    const [ui, uj, uf, uo] = fused.recurrent;
    Object.assign(inputs, { c0: state0[0], h0: state0[1], ui, uj, uf, uo });
    const ln = fused.layerNorm;
    if (ln) {
      [...ln.gates, ln.cell].forEach((p, k) => {
        const g = LN_PARTS[k] as string;
        inputs[`alpha_${g}`] = p.alpha;
        inputs[`beta_${g}`] = p.beta;
      });
    }
    attrs = { forgetBias: fused.forgetBias, epsilon: ln?.epsilon ?? 1e-5, layerNorm: ln != null };
    op = ln != null ? lnLstmSequenceOp : lstmSequenceOp;
  }
  const out = op(inputs, attrs);
  const states = state0.length;
  tf.dispose(out.slice(1 + states)); // a GPU kernel's reserve: the tape keeps its own reference for the gradient
  return { outputs: out[0] as tf.Tensor3D, final: out.slice(1, 1 + states) as tf.Tensor2D[] };
}

import * as tf from '@tensorflow/tfjs-core';
import {
  GRU_SEQUENCE,
  GRU_SEQUENCE_GRAD,
  LN_LSTM_SEQUENCE,
  LN_LSTM_SEQUENCE_GRAD,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  sequenceInputNames,
} from '../../fusedSequence';
import { scratchPool } from './floatPool';
import { gruRecurrence, gruReserveSize } from './gruRecurrence';
import { columnBlock, HostTensors, sideBySide, transposed, type HostMemoryBackend } from './hostTensors';
import { lstmRecurrence, lstmReserveSize } from './lstmRecurrence';
import { addInto } from './math';
import type { HostRecurrence, StepContext } from './recurrence';

type TensorInfo = tf.TensorInfo;

/** A call's attributes, where the forward kernel leaves its reserve for the backward (see fusedSequence.ts). */
type SavedAttrs = tf.NamedAttrMap & { saved?: unknown };

/** A cell kind's host recurrence, made for one call from what it reads (forward: inputs; backward: the reserve). */
interface KindSpec {
  kind: 'gru' | 'lstm';
  gates: number;
  states: number;
  forwardName: string;
  backwardName: string;
  create(
    ctx: StepContext,
    prevRows: Float32Array,
    reserve: Float32Array,
    attrs: tf.NamedAttrMap,
    forward: { x: Float32Array; extras: Float32Array[] } | null,
  ): HostRecurrence;
  reserveSize(B: number, T: number, u: number, attrs: tf.NamedAttrMap): number;
}

const KINDS: KindSpec[] = [
  {
    kind: 'gru',
    gates: 3,
    states: 1,
    forwardName: GRU_SEQUENCE,
    backwardName: GRU_SEQUENCE_GRAD,
    create: (ctx, prevRows, reserve, _attrs, forward) =>
      gruRecurrence({ ...ctx, x: forward?.x ?? null, bh: forward?.extras[0] ?? null, prevRows, reserve }),
    reserveSize: (B, T, u) => gruReserveSize(B, T, u),
  },
  {
    kind: 'lstm',
    gates: 4,
    states: 2,
    forwardName: LSTM_SEQUENCE,
    backwardName: LSTM_SEQUENCE_GRAD,
    create: (ctx, _prevRows, reserve, attrs, forward) =>
      lstmRecurrence({
        ...ctx,
        x: forward?.x ?? null,
        layerNorm: forward && attrs.layerNorm ? forward.extras : null,
        normalized: attrs.layerNorm as boolean,
        epsilon: attrs.epsilon as number,
        forgetBias: attrs.forgetBias as number,
        reserve,
      }),
    reserveSize: (B, T, u, attrs) => lstmReserveSize(B, T, u, attrs.layerNorm as boolean),
  },
];

/**
 * The shared structure of the whole-sequence kernels on host-memory backends. Forward, per step: p = h·U by the
 * backend's product, then the cell's gate arithmetic on host arrays; outputs the sequence's outputs and its final
 * state, and leaves a **reserve** — what the backward kernel needs (the states entering each step, the masks, the
 * cell's saved gates), as cuDNN's RNN does — in host arrays on the call's attributes (`saved`), which travel with
 * the tape node to the gradient: never copied into the backend's memory and back (for the GRU benchmark's layer,
 * 4 MB each way per step), freed with the tape node when no backward runs, pooled when one does. Backward, from the last step: the cell's step backward, then ∂h_{t−1} += ∂a·Uᵀ;
 * after the loop ∂U = Σ_t h_{t−1}ᵀ·∂a_t in one product over all steps. A step costs one product each way instead of
 * ~20 small kernels (each costing more in dispatch than its arithmetic on [batch, units]).
 *
 * Reserve layout (floats): states entering each step [T·B·u], then the masks as 0/1 [B·T], then the cell's part.
 */
function sequenceKernels(spec: KindSpec, backendName: string): tf.KernelConfig[] {
  const names = sequenceInputNames(spec.kind);
  const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const host = new HostTensors(backendName, backend as unknown as HostMemoryBackend);
    const get = (name: string) => (inputs as Record<string, TensorInfo>)[name] as TensorInfo;
    const x = get('x');
    const [B, T, w] = x.shape as [number, number, number];
    const u = w / spec.gates;
    const n = B * u;
    const rows = T * B;
    const maskFlags = host.flags((inputs as Record<string, TensorInfo>)['masks']);
    // pooled: every element is written below before it is read; given back when the backward pass has read it
    const reserve = scratchPool.take(rows * u + rows + spec.reserveSize(B, T, u, attrs ?? {}));
    const prevRows = reserve.subarray(0, rows * u);
    const validFlags = reserve.subarray(rows * u, rows * u + rows);
    for (let i = 0; i < rows; i++) validFlags[i] = maskFlags == null || maskFlags[i] !== 0 ? 1 : 0;
    const ctx: StepContext = { B, T, u, valid: (t, b) => validFlags[b * T + t] === 1 };
    const recurrence = spec.create(ctx, prevRows, reserve.subarray(rows * u + rows), attrs ?? {}, {
      x: host.read(x),
      extras: names.extras(attrs ?? {}).map((name) => host.read(get(name))),
    });
    const uAll = host.scratch(
      sideBySide(
        names.recurrent.map((name) => host.read(get(name))),
        u,
      ),
      [u, w],
    );
    const outs = new Float32Array(rows * u);
    let state = names.states.map((name) => Float32Array.from(host.read(get(name))));
    let next = state.map(() => new Float32Array(n)); // swapped with state each step
    for (let t = 0; t < T; t++) {
      const h = state[spec.states - 1] as Float32Array;
      const p = host.product(h, B, u, uAll);
      prevRows.set(h, t * n);
      recurrence.forwardStep(t, p, state, next, outs);
      [state, next] = [next, state];
    }
    host.release();
    (attrs as SavedAttrs).saved = reserve;
    return [host.output(outs, [B, T, u]), ...state.map((s) => host.output(s, [B, u]))];
  };

  const backward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const host = new HostTensors(backendName, backend as unknown as HostMemoryBackend);
    const get = (name: string) => (inputs as Record<string, TensorInfo>)[name] as TensorInfo;
    const dOutInfo = get('dOut');
    const [B, T, u] = dOutInfo.shape as [number, number, number];
    const w = spec.gates * u;
    const n = B * u;
    const rows = T * B;
    const reserve = (attrs as SavedAttrs).saved;
    if (!(reserve instanceof Float32Array)) {
      throw new Error(
        `${spec.backwardName}: the forward call's saved gates are gone (its backward pass already ran once; run the forward again)`,
      );
    }
    const prevRows = reserve.subarray(0, rows * u);
    const validFlags = reserve.subarray(rows * u, rows * u + rows);
    const ctx: StepContext = { B, T, u, valid: (t, b) => validFlags[b * T + t] === 1 };
    const recurrence = spec.create(ctx, prevRows, reserve.subarray(rows * u + rows), attrs ?? {}, null);
    const recurrent = names.recurrent.map((name) => host.read(get(name)));
    const uT = host.scratch(transposed(sideBySide(recurrent, u), u, w), [w, u]); // the same right factor every step
    const dOut = host.read(dOutInfo);
    let dState = names.states.map((_, k) => Float32Array.from(host.read(get(`dState${k}`))));
    let dPrev = dState.map(() => new Float32Array(n)); // swapped with dState each step
    const dX = new Float32Array(rows * w);
    const gates = scratchPool.take(rows * w); // every row is written before the products read it
    for (let t = T - 1; t >= 0; t--) {
      recurrence.backwardStep(t, dState, dOut, dPrev, gates, dX);
      const dh = dPrev[spec.states - 1] as Float32Array;
      addInto(dh, dh, host.product(gates.subarray(t * B * w, (t + 1) * B * w), B, w, uT), n);
      [dState, dPrev] = [dPrev, dState];
    }
    const dU = host.transposedProduct(prevRows, gates, rows, u, w);
    const extras = recurrence.extraGradients(gates);
    host.release();
    (attrs as SavedAttrs).saved = undefined;
    scratchPool.give(gates, reserve);
    return [
      host.output(dX, [B, T, w]),
      ...dState.map((d) => host.output(d, [B, u])),
      ...names.recurrent.map((_, g) => host.output(columnBlock(dU, u, spec.gates, g), [u, u])),
      ...extras.map((e) => host.output(e, [e.length])),
    ];
  };

  return [
    { kernelName: spec.forwardName, backendName, kernelFunc: forward },
    { kernelName: spec.backwardName, backendName, kernelFunc: backward },
  ];
}

/** Registers the GRU and LSTM whole-sequence kernels for a backend that keeps tensors in host memory. */
export function registerHostSequenceKernels(backendName: string): void {
  // the layer-normalized LSTM: the same kernels under its own names (attrs.layerNorm selects the arithmetic)
  const lstm = KINDS.find((k) => k.kind === 'lstm') as KindSpec;
  const lnLstm = { ...lstm, forwardName: LN_LSTM_SEQUENCE, backwardName: LN_LSTM_SEQUENCE_GRAD };
  for (const spec of [...KINDS, lnLstm]) {
    for (const config of sequenceKernels(spec, backendName)) {
      if (tf.getKernel(config.kernelName, backendName) == null) tf.registerKernel(config);
    }
  }
}

import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from '@gradkit/core';
import {
  addInto,
  hostProduct,
  isHostMemoryBackend,
  recurrentWeightGradient,
  sequencePool as pool,
  sigmoid,
  tanh,
} from './hostLoops';

/** Gain and shift of one layer normalization, as tensors of [units]. */
export interface LayerNormTensors {
  alpha: tf.Tensor;
  beta: tf.Tensor;
}

export interface LstmSequenceHostOptions {
  /**
   * Post 3's layer-normalized LSTM: each gate pre-activation normalized separately (gates i, j, f, o, in that
   * order) and h′ = tanh(LN_c(c′)) ⊙ σ(o); LN(v) = α ⊙ (v − mean v)/√(var v + ε) + β per example. Absent: the
   * plain LSTM.
   */
  layerNorm?: {
    gates: [LayerNormTensors, LayerNormTensors, LayerNormTensors, LayerNormTensors];
    cell: LayerNormTensors;
    epsilon?: number;
  };
  /**
   * Added to the forget gate's pre-activation inside the node (after normalization): the LN-LSTM's forget bias.
   * A plain LSTM adds its forget bias in the input projection instead. Default 0.
   */
  forgetBias?: number;
}

/**
 * The whole LSTM recurrence (TF's BasicLSTMCell, R2RT post 3) as one tape node with a hand-written backward pass,
 * for backends that keep tensors in host memory (cpu, wasm) — the LSTM counterpart of gruSequenceHost:
 *   a = x_t + h·[U_i U_j U_f U_o]   (x_t: the input projection with its bias, computed for all steps before)
 *   ã_g = a_g, or LN_g(a_g) with layerNorm
 *   c′ = c ⊙ σ(ã_f + forgetBias) + σ(ã_i) ⊙ tanh(ã_j)
 *   h′ = tanh(c′) ⊙ σ(ã_o), or tanh(LN_c(c′)) ⊙ σ(ã_o) with layerNorm
 * Batch-major: x [batch, T, 4u], masks [batch, T, 1] (nonzero = valid) or null; outputs [batch, T, u], zero past
 * each example's length, where the state also stops changing. The gate arithmetic runs as plain loops in float64
 * (stored as float32); the products go to the backend: h·U once per step forward, ∂a·Uᵀ once per step backward,
 * and one product over all steps for the recurrent-weight gradient.
 *
 * Why: a step of the tensor version runs about 30 kernels forward and 60 backward (twice that with layer
 * normalization), each costing more in dispatch than its arithmetic on [batch, units].
 */
export function lstmSequenceHost(
  x: tf.Tensor,
  c0: tf.Tensor2D,
  h0: tf.Tensor2D,
  recurrent: [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor],
  masks: tf.Tensor | null,
  options: LstmSequenceHostOptions = {},
): { outputs: tf.Tensor3D; final: [tf.Tensor2D, tf.Tensor2D] } {
  if (!isHostMemoryBackend()) {
    throw new Error(
      `lstmSequenceHost: backend "${tf.getBackend()}" keeps tensors on a device, expected cpu or wasm (run the cell's steps there)`,
    );
  }
  const { layerNorm, forgetBias = 0 } = options;
  const epsilon = layerNorm?.epsilon ?? 1e-5;
  const [B, T] = x.shape as [number, number, number];
  const u = h0.shape[1] as number;
  const expect = (name: string, t: tf.Tensor | null, shape: number[]) => {
    if (t != null && !tf.util.arraysEqual(t.shape, shape))
      throw new Error(`lstmSequenceHost: ${name} has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
  };
  expect('x', x, [B, T, 4 * u]);
  expect('c0', c0, [B, u]);
  expect('h0', h0, [B, u]);
  recurrent.forEach((r, g) => expect(`recurrent[${g}]`, r, [u, u]));
  expect('masks', masks, [B, T, 1]);
  const w = 4 * u;
  const n = B * u;
  const rows = T * B;
  const lnInputs = layerNorm
    ? [...layerNorm.gates.flatMap((g) => [g.alpha, g.beta]), layerNorm.cell.alpha, layerNorm.cell.beta]
    : [];
  const op = customGradient((...inputs: tf.Tensor[]) => {
    const [xs, cIn, hIn, ui, uj, uf, uo] = inputs as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const ln = layerNorm ? inputs.slice(7).map((t) => t.dataSync() as Float32Array) : null; // α_i β_i α_j β_j α_f β_f α_o β_o α_c β_c
    const uAll = tf.concat([ui, uj, uf, uo], 1) as tf.Tensor2D; // [u, 4u]
    const md = masks == null ? null : masks.dataSync();
    const valid = (b: number, t: number) => md == null || md[b * T + t] !== 0;
    const rowsOf = new LstmRows(B, T, u, xs.dataSync() as Float32Array, ln, epsilon, forgetBias);
    let released = false;
    const outs = new Float32Array(rows * u);
    let c = Float32Array.from(cIn.dataSync() as Float32Array);
    let h = Float32Array.from(hIn.dataSync() as Float32Array);
    let cNext = new Float32Array(n);
    let hNext = new Float32Array(n);
    for (let t = 0; t < T; t++) {
      const p = hostProduct(h, B, u, uAll);
      rowsOf.prevRows.set(h, t * n);
      rowsOf.cPrevs.set(c, t * n);
      for (let b = 0; b < B; b++) rowsOf.forwardRow(t, b, p, c, h, valid(b, t), outs, cNext, hNext);
      [c, cNext] = [cNext, c];
      [h, hNext] = [hNext, h];
    }
    return {
      value: [tf.tensor3d(outs, [B, T, u]), tf.tensor2d(c, [B, u]), tf.tensor2d(h, [B, u])],
      save: [uAll],
      gradient: ([dOut, dcFinal, dhFinal]: tf.Tensor[], [uKept]: tf.Tensor[]) => {
        if (released)
          throw new Error(
            'lstmSequenceHost: the backward pass of one forward call ran twice; its saved gates were already released (run the forward again)',
          );
        const uT = tf.transpose(uKept as tf.Tensor2D); // [4u, u]
        const dOutD = (dOut as tf.Tensor).dataSync() as Float32Array;
        let dc = Float32Array.from((dcFinal as tf.Tensor).dataSync() as Float32Array);
        const dh = Float32Array.from((dhFinal as tf.Tensor).dataSync() as Float32Array); // updated in place each step
        let dcNext = new Float32Array(n);
        const carryH = new Float32Array(n); // ∂h_{t−1} that bypasses the product: the whole ∂h of masked rows
        const dX = new Float32Array(rows * w);
        const gates = pool.take(rows * w); // ∂a per row s = t·B + b
        const dLn = ln ? ln.map((v) => new Float64Array(v.length)) : null;
        for (let t = T - 1; t >= 0; t--) {
          for (let b = 0; b < B; b++)
            rowsOf.backwardRow(t, b, valid(b, t), dh, dc, dOutD, dcNext, carryH, gates, dX, dLn);
          addInto(dh, carryH, hostProduct(gates.subarray(t * B * w, (t + 1) * B * w), B, w, uT), n);
          [dc, dcNext] = [dcNext, dc];
        }
        uT.dispose();
        const dU = recurrentWeightGradient(rowsOf.prevRows, gates, rows, u, w);
        const dUs = tf.split(dU, 4, 1);
        dU.dispose();
        released = true;
        rowsOf.release();
        pool.give(gates);
        const dLnTensors = dLn ? dLn.map((d) => tf.tensor1d(Float32Array.from(d))) : [];
        return [tf.tensor3d(dX, [B, T, w]), tf.tensor2d(dc, [B, u]), tf.tensor2d(dh, [B, u]), ...dUs, ...dLnTensors];
      },
    };
  });
  const [outputs, cFinal, hFinal] = op(x, c0, h0, ...recurrent, ...lnInputs) as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
  return { outputs, final: [cFinal, hFinal] };
}

/**
 * One call's saved rows and the per-row arithmetic, forward and backward. A class (rather than loops inside the
 * call's closures) so that V8 optimizes the row methods once for every call; the loops inside the large gradient
 * closure ran several times slower. Row s = t·B + b of the saved arrays; row b·T + t of x, the outputs and ∂x.
 */
class LstmRows {
  private readonly w: number;
  /** Gate activations [i, j, f, o] per row, 4u wide. */
  private readonly acts: Float32Array;
  /** tanh of the (normalized) new cell state. */
  private readonly tms: Float32Array;
  /** The cell state and hidden state entering each step (the hidden states are the weight gradient's left factor). */
  readonly cPrevs: Float32Array;
  readonly prevRows: Float32Array;
  /** With layer normalization: the normalized gates (4u wide) and new cell state, and σ = √(var + ε) of each (5 per row). */
  private readonly ns: Float32Array | null;
  private readonly ncs: Float32Array | null;
  private readonly sigmas: Float64Array | null;
  private readonly a: Float64Array;
  private readonly cRow: Float64Array;
  private readonly m: Float64Array;
  private readonly da: Float64Array;
  private readonly dm: Float64Array;

  constructor(
    private readonly B: number,
    private readonly T: number,
    private readonly u: number,
    private readonly x: Float32Array,
    private readonly ln: Float32Array[] | null,
    private readonly epsilon: number,
    private readonly forgetBias: number,
  ) {
    const rows = T * B;
    this.w = 4 * u;
    // Pooled: every element is written before it is read.
    this.acts = pool.take(rows * this.w);
    this.tms = pool.take(rows * u);
    this.cPrevs = pool.take(rows * u);
    this.prevRows = pool.take(rows * u);
    this.ns = ln ? pool.take(rows * this.w) : null;
    this.ncs = ln ? pool.take(rows * u) : null;
    this.sigmas = ln ? new Float64Array(rows * 5) : null;
    this.a = new Float64Array(this.w);
    this.cRow = new Float64Array(u);
    this.m = new Float64Array(u);
    this.da = new Float64Array(this.w);
    this.dm = new Float64Array(u);
  }

  /** Hands the saved arrays back to the pool (after the backward pass). */
  release(): void {
    pool.give(this.acts, this.tms, this.cPrevs, this.prevRows, ...(this.ns && this.ncs ? [this.ns, this.ncs] : []));
  }

  /** Step t of example b: gates from x and p = h·U, the new (c, h) into cNext/hNext and the output. */
  forwardRow(
    t: number,
    b: number,
    p: Float32Array,
    c: Float32Array,
    h: Float32Array,
    valid: boolean,
    outs: Float32Array,
    cNext: Float32Array,
    hNext: Float32Array,
  ): void {
    const { u, w, a, cRow, ln, ns, ncs, sigmas, acts, tms, x } = this;
    const r0 = b * this.T + t;
    const s = t * this.B + b;
    const xo = r0 * w;
    const po = b * w;
    for (let k = 0; k < w; k++) a[k] = (x[xo + k] as number) + (p[po + k] as number);
    if (ln && ns && sigmas) {
      for (let g = 0; g < 4; g++) {
        sigmas[s * 5 + g] = normalizeRow(a, g * u, u, this.epsilon);
        const alpha = ln[2 * g] as Float32Array;
        const beta = ln[2 * g + 1] as Float32Array;
        for (let j = 0; j < u; j++) {
          const k = g * u + j;
          ns[s * w + k] = a[k] as number;
          a[k] = (alpha[j] as number) * (a[k] as number) + (beta[j] as number);
        }
      }
    }
    const ao = s * w;
    const fb = this.forgetBias;
    for (let j = 0; j < u; j++) {
      const i = sigmoid(a[j] as number);
      const jj = tanh(a[u + j] as number);
      const f = sigmoid((a[2 * u + j] as number) + fb);
      acts[ao + j] = i;
      acts[ao + u + j] = jj;
      acts[ao + 2 * u + j] = f;
      acts[ao + 3 * u + j] = sigmoid(a[3 * u + j] as number);
      cRow[j] = (c[b * u + j] as number) * f + i * jj;
    }
    let m = cRow;
    if (ln && ncs && sigmas) {
      m = this.m;
      m.set(cRow);
      sigmas[s * 5 + 4] = normalizeRow(m, 0, u, this.epsilon);
      const alpha = ln[8] as Float32Array;
      const beta = ln[9] as Float32Array;
      for (let j = 0; j < u; j++) {
        ncs[s * u + j] = m[j] as number;
        m[j] = (alpha[j] as number) * (m[j] as number) + (beta[j] as number);
      }
    }
    for (let j = 0; j < u; j++) {
      const k = b * u + j;
      const tm = tanh(m[j] as number);
      tms[s * u + j] = tm;
      const hNew = tm * (acts[ao + 3 * u + j] as number);
      outs[r0 * u + j] = valid ? hNew : 0;
      hNext[k] = valid ? hNew : (h[k] as number);
      cNext[k] = valid ? (cRow[j] as number) : (c[k] as number);
    }
  }

  /**
   * Backward of step t of example b: from ∂h (dh, without the output's part), ∂c (dc) and ∂output, writes ∂a to
   * gates and dX, ∂c_{t−1} to dcNext, and the part of ∂h_{t−1} that bypasses the product to carryH; adds the layer
   * normalizations' ∂α, ∂β to dLn. Masked steps pass ∂h and ∂c through and get no gradient.
   */
  backwardRow(
    t: number,
    b: number,
    valid: boolean,
    dh: Float32Array,
    dc: Float32Array,
    dOut: Float32Array,
    dcNext: Float32Array,
    carryH: Float32Array,
    gates: Float32Array,
    dX: Float32Array,
    dLn: Float64Array[] | null,
  ): void {
    const { u, w, da, dm, ln, ns, ncs, sigmas, acts, tms, cPrevs } = this;
    const r0 = b * this.T + t;
    const s = t * this.B + b;
    const go = s * w;
    if (!valid) {
      gates.fill(0, go, go + w);
      for (let j = 0; j < u; j++) {
        carryH[b * u + j] = dh[b * u + j] as number;
        dcNext[b * u + j] = dc[b * u + j] as number;
      }
      return; // dX stays 0 (as allocated)
    }
    // h′ = tanh(m) ⊙ o, m = c′ or LN_c(c′)
    for (let j = 0; j < u; j++) {
      const g = (dh[b * u + j] as number) + (dOut[r0 * u + j] as number);
      const tm = tms[s * u + j] as number;
      const o = acts[go + 3 * u + j] as number;
      da[3 * u + j] = g * tm * o * (1 - o);
      dm[j] = g * o * (1 - tm * tm);
    }
    if (ln && dLn && ncs && sigmas) {
      const alpha = ln[8] as Float32Array;
      const dAlpha = dLn[8] as Float64Array;
      const dBeta = dLn[9] as Float64Array;
      for (let j = 0; j < u; j++) {
        dAlpha[j] = (dAlpha[j] as number) + (dm[j] as number) * (ncs[s * u + j] as number);
        dBeta[j] = (dBeta[j] as number) + (dm[j] as number);
        dm[j] = (dm[j] as number) * (alpha[j] as number);
      }
      normalizeRowBackward(dm, 0, ncs, s * u, u, sigmas[s * 5 + 4] as number);
    }
    for (let j = 0; j < u; j++) {
      const k = b * u + j;
      const dcNew = (dc[k] as number) + (dm[j] as number);
      const i = acts[go + j] as number;
      const jj = acts[go + u + j] as number;
      const f = acts[go + 2 * u + j] as number;
      da[j] = dcNew * jj * i * (1 - i);
      da[u + j] = dcNew * i * (1 - jj * jj);
      da[2 * u + j] = dcNew * (cPrevs[s * u + j] as number) * f * (1 - f);
      dcNext[k] = dcNew * f;
      carryH[k] = 0;
    }
    if (ln && dLn && ns && sigmas) {
      for (let g = 0; g < 4; g++) {
        const alpha = ln[2 * g] as Float32Array;
        const dAlpha = dLn[2 * g] as Float64Array;
        const dBeta = dLn[2 * g + 1] as Float64Array;
        for (let j = 0; j < u; j++) {
          const k = g * u + j;
          dAlpha[j] = (dAlpha[j] as number) + (da[k] as number) * (ns[go + k] as number);
          dBeta[j] = (dBeta[j] as number) + (da[k] as number);
          da[k] = (da[k] as number) * (alpha[j] as number);
        }
        normalizeRowBackward(da, g * u, ns, go + g * u, u, sigmas[s * 5 + g] as number);
      }
    }
    const xo = r0 * w;
    for (let k = 0; k < w; k++) {
      gates[go + k] = da[k] as number;
      dX[xo + k] = da[k] as number;
    }
  }
}

/**
 * Normalizes v[from .. from+count) in place to (v − mean)/σ and returns σ = √(var + ε) (biased variance), in
 * float64.
 */
function normalizeRow(v: Float64Array, from: number, count: number, epsilon: number): number {
  let mean = 0;
  for (let j = 0; j < count; j++) mean += v[from + j] as number;
  mean /= count;
  let variance = 0;
  for (let j = 0; j < count; j++) {
    const d = (v[from + j] as number) - mean;
    variance += d * d;
  }
  const sigma = Math.sqrt(variance / count + epsilon);
  for (let j = 0; j < count; j++) v[from + j] = ((v[from + j] as number) - mean) / sigma;
  return sigma;
}

/**
 * Backward of normalizeRow, in place: given ∂n in d[from ..), the normalized values n (at nFrom) and σ, writes
 * ∂v = (∂n − mean(∂n) − n·mean(∂n ⊙ n))/σ.
 */
function normalizeRowBackward(
  d: Float64Array,
  from: number,
  normed: Float32Array,
  nFrom: number,
  count: number,
  sigma: number,
): void {
  let meanD = 0;
  let meanDn = 0;
  for (let j = 0; j < count; j++) {
    const dj = d[from + j] as number;
    meanD += dj;
    meanDn += dj * (normed[nFrom + j] as number);
  }
  meanD /= count;
  meanDn /= count;
  for (let j = 0; j < count; j++)
    d[from + j] = ((d[from + j] as number) - meanD - (normed[nFrom + j] as number) * meanDn) / sigma;
}

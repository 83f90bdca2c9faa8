import { sigmoid, tanh } from './math';
import type { HostRecurrence, StepContext } from './recurrence';

/** What the LSTM's host recurrence reads. */
export interface LstmRecurrenceInput extends StepContext {
  /** The input projections x [B, T, 4u] (forward only). */
  x: Float32Array | null;
  /** With layer normalization (forward only): α_i, β_i, α_j, β_j, α_f, β_f, α_o, β_o, α_c, β_c, each [u]. */
  layerNorm: Float32Array[] | null;
  /** Whether the cell is layer-normalized (both passes). */
  normalized: boolean;
  epsilon: number;
  forgetBias: number;
  /** This recurrence's part of the reserve. */
  reserve: Float32Array;
}

/** Floats the LSTM saves per call (with layer normalization: also the normalized values, their σ and the gains). */
export function lstmReserveSize(B: number, T: number, u: number, normalized: boolean): number {
  const rows = T * B;
  const plain = rows * 4 * u + 2 * rows * u;
  return normalized ? plain + rows * 4 * u + rows * u + 10 * u + 2 * rows * 5 + 1 : plain;
}

/**
 * TF's BasicLSTMCell (R2RT post 3), optionally layer-normalized, one time step on host arrays — the formula of
 * lstm.ts's `lstmStep`, to float32 rounding (the gate arithmetic runs in float64, saved as float32; σ of each
 * normalization in float64):
 *   a = x_t + p (p = h·[U_i U_j U_f U_o]),  ã_g = a_g or LN_g(a_g),
 *   c′ = c ⊙ σ(ã_f + forgetBias) + σ(ã_i) ⊙ tanh(ã_j),  h′ = tanh(m) ⊙ σ(ã_o), m = c′ or LN_c(c′)
 * backward, g = ∂h′ + ∂output: ∂ã_o = g ⊙ tanh(m) ⊙ o(1 − o), ∂m = g ⊙ o ⊙ (1 − tanh²m) (through LN_c if any),
 * ∂c′ = ∂c + ∂m, ∂ã_i = ∂c′ ⊙ j̃ ⊙ i(1 − i), ∂ã_j = ∂c′ ⊙ i ⊙ (1 − j̃²), ∂ã_f = ∂c′ ⊙ c ⊙ f(1 − f), ∂c = ∂c′ ⊙ f;
 * ∂a = ∂ã, or through LN_g; h's gradient flows only through the product.
 */
export function lstmRecurrence(input: LstmRecurrenceInput): HostRecurrence {
  return new LstmRows(input);
}

/**
 * One call's saved rows and the per-row arithmetic, forward and backward. A class (rather than loops inside the
 * call's closures) so that V8 optimizes the row methods once for every call; the loops inside the large gradient
 * closure ran several times slower. Row s = t·B + b of the saved arrays; row b·T + t of x, the outputs and ∂x.
 */
class LstmRows implements HostRecurrence {
  readonly reserveSize: number;
  private readonly B: number;
  private readonly T: number;
  private readonly u: number;
  private readonly x: Float32Array | null;
  private readonly ln: Float32Array[] | null;
  private readonly epsilon: number;
  private readonly forgetBias: number;
  private readonly valid: (t: number, b: number) => boolean;
  private readonly dLn: Float64Array[] | null;
  private readonly w: number;
  /** Gate activations [i, j, f, o] per row, 4u wide. */
  private readonly acts: Float32Array;
  /** tanh of the (normalized) new cell state. */
  private readonly tms: Float32Array;
  /** The cell state entering each step. */
  private readonly cPrevs: Float32Array;
  /** With layer normalization: the normalized gates (4u wide) and new cell state, and σ = √(var + ε) of each (5 per row). */
  private readonly ns: Float32Array | null;
  private readonly ncs: Float32Array | null;
  private readonly sigmas: Float64Array | null;
  private readonly a: Float64Array;
  private readonly cRow: Float64Array;
  private readonly m: Float64Array;
  private readonly da: Float64Array;
  private readonly dm: Float64Array;

  constructor(input: LstmRecurrenceInput) {
    const { B, T, u, reserve, normalized } = input;
    this.B = B;
    this.T = T;
    this.u = u;
    this.x = input.x;
    this.epsilon = input.epsilon;
    this.forgetBias = input.forgetBias;
    this.valid = input.valid;
    this.reserveSize = lstmReserveSize(B, T, u, normalized);
    const rows = T * B;
    const w = (this.w = 4 * u);
    let at = 0;
    const part = (length: number) => reserve.subarray(at, (at += length));
    this.acts = part(rows * w);
    this.tms = part(rows * u);
    this.cPrevs = part(rows * u);
    if (normalized) {
      this.ns = part(rows * w);
      this.ncs = part(rows * u);
      const gains = part(10 * u);
      if (input.layerNorm) input.layerNorm.forEach((v, k) => gains.set(v, k * u));
      this.ln = Array.from({ length: 10 }, (_, k) => gains.subarray(k * u, (k + 1) * u));
      if ((reserve.byteOffset / 4 + at) % 2 === 1) at++; // σ as float64: 8-byte aligned
      this.sigmas = new Float64Array(reserve.buffer, reserve.byteOffset + 4 * at, rows * 5);
      this.dLn = this.ln.map(() => new Float64Array(u));
    } else {
      this.ns = this.ncs = this.sigmas = null;
      this.ln = this.dLn = null;
    }
    this.a = new Float64Array(w);
    this.cRow = new Float64Array(u);
    this.m = new Float64Array(u);
    this.da = new Float64Array(w);
    this.dm = new Float64Array(u);
  }

  forwardStep(
    t: number,
    p: Float32Array,
    [c, h]: Float32Array[],
    [cNext, hNext]: Float32Array[],
    outs: Float32Array,
  ): void {
    const n = this.B * this.u;
    this.cPrevs.set(c as Float32Array, t * n);
    for (let b = 0; b < this.B; b++)
      this.forwardRow(
        t,
        b,
        p,
        c as Float32Array,
        h as Float32Array,
        this.valid(t, b),
        outs,
        cNext as Float32Array,
        hNext as Float32Array,
      );
  }

  backwardStep(
    t: number,
    [dc, dh]: Float32Array[],
    dOut: Float32Array,
    [dcPrev, carryH]: Float32Array[],
    gates: Float32Array,
    dX: Float32Array,
  ): void {
    for (let b = 0; b < this.B; b++)
      this.backwardRow(
        t,
        b,
        this.valid(t, b),
        dh as Float32Array,
        dc as Float32Array,
        dOut,
        dcPrev as Float32Array,
        carryH as Float32Array,
        gates,
        dX,
        this.dLn,
      );
  }

  extraGradients(): Float32Array[] {
    return this.dLn ? this.dLn.map((d) => Float32Array.from(d)) : [];
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
    const { u, w, a, cRow, ln, ns, ncs, sigmas, acts, tms } = this;
    const x = this.x as Float32Array;
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

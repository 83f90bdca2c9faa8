import type { HostRecurrence, StepContext } from './recurrence';
import { addColumnSums, sigmoid, tanh } from './math';
import { gruKernels } from './simd/gruKernels';

/** What the GRU's host recurrence reads: this call's x [B, T, 3u] (forward), b′_h, and the saved rows. */
export interface GruRecurrenceInput extends StepContext {
  /** The input projections (forward only). */
  x: Float32Array | null;
  /** b′_h [u] (forward only). */
  bh: Float32Array | null;
  /** The states entering each step, rows s = t·B + b (the driver's part of the reserve). */
  prevRows: Float32Array;
  /** This recurrence's part of the reserve: z, r, c and h·U_h + b′_h per saved row. */
  reserve: Float32Array;
}

/** Floats the GRU saves per call: z, r, c, h·U_h + b′_h for every row. */
export const gruReserveSize = (B: number, T: number, u: number): number => 4 * T * B * u;

/**
 * The reset-after GRU's time step on host arrays (the formula of gru.ts's `gruStep`, to float32 rounding: the gate
 * arithmetic runs in float64, or in 4-lane float32 SIMD (simd/gruKernels.wat) where units are a multiple of 4):
 *   forward: z = σ(x_z + p_z), r = σ(x_r + p_r), hh = p_h + b′_h, c = tanh(x_h + r ⊙ hh), h′ = c + z ⊙ (h − c)
 *   backward, g = ∂h′ + ∂output: ∂z = g ⊙ (h − c), ∂a_c = g ⊙ (1 − z) ⊙ (1 − c²), ∂hh = ∂a_c ⊙ r,
 *   ∂a_z = ∂z ⊙ z(1 − z), ∂a_r = ∂a_c ⊙ hh ⊙ r(1 − r); gate row [∂a_z | ∂a_r | ∂hh], ∂x_t = [∂a_z | ∂a_r | ∂a_c],
 *   ∂h (bypassing the product) = g ⊙ z; after the loop ∂b′_h = Σ ∂hh.
 */
export function gruRecurrence(input: GruRecurrenceInput): HostRecurrence {
  const { B, T, u, x, bh, prevRows, reserve } = input;
  const w = 3 * u;
  const n = B * u;
  const rows = T * B;
  const [zs, rs, cs, hhs] = [0, 1, 2, 3].map((k) => reserve.subarray(k * rows * u, (k + 1) * rows * u)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const row = (t: number, b: number) => b * T + t;
  const simd = u % 4 === 0 ? gruKernels() : null;
  // Scratch layouts in the SIMD kernels' heap (floats). Forward: x, p [B, 3u]; b′_h [u]; h, z, r, c, hh, h′ [B, u].
  const fo = {
    x: 0,
    p: B * w,
    bh: 2 * B * w,
    h: 2 * B * w + u,
    z: 2 * B * w + u + n,
    r: 2 * B * w + u + 2 * n,
    c: 2 * B * w + u + 3 * n,
    hh: 2 * B * w + u + 4 * n,
    hn: 2 * B * w + u + 5 * n,
  };
  // Backward: dh, dout, z, r, c, hh, h [B, u]; gate [B, 3u]; dac, carry [B, u].
  const bo = {
    dh: 0,
    dout: n,
    z: 2 * n,
    r: 3 * n,
    c: 4 * n,
    hh: 5 * n,
    h: 6 * n,
    gate: 7 * n,
    dac: 7 * n + B * w,
    carry: 8 * n + B * w,
  };
  // the scratch heap is sized once per call (its view is remade on every reserve)
  let simdForwardReady = false;
  let simdBackwardReady = false;
  return {
    reserveSize: gruReserveSize(B, T, u),

    forwardStep(t, p, [state], [next], outs) {
      const xd = x as Float32Array;
      const bhd = bh as Float32Array;
      const h = state as Float32Array;
      const hn = next as Float32Array;
      if (simd) {
        if (!simdForwardReady) {
          simd.reserve(fo.hn + n);
          simd.heap().set(bhd, fo.bh);
          simdForwardReady = true;
        }
        const heap = simd.heap();
        for (let b = 0; b < B; b++) heap.set(xd.subarray(row(t, b) * w, row(t, b) * w + w), fo.x + b * w);
        heap.set(p, fo.p);
        heap.set(h, fo.h);
        simd.forward(B, u, 4 * fo.x, 4 * fo.p, 4 * fo.bh, 4 * fo.h, 4 * fo.z, 4 * fo.r, 4 * fo.c, 4 * fo.hh, 4 * fo.hn);
        zs.set(heap.subarray(fo.z, fo.z + n), t * n);
        rs.set(heap.subarray(fo.r, fo.r + n), t * n);
        cs.set(heap.subarray(fo.c, fo.c + n), t * n);
        hhs.set(heap.subarray(fo.hh, fo.hh + n), t * n);
        for (let b = 0; b < B; b++) {
          const r0 = row(t, b);
          if (input.valid(t, b)) {
            const hNew = heap.subarray(fo.hn + b * u, fo.hn + b * u + u);
            outs.set(hNew, r0 * u);
            hn.set(hNew, b * u);
          } else {
            hn.set(h.subarray(b * u, b * u + u), b * u); // past the length: output 0 (as allocated), state kept
          }
        }
        return;
      }
      for (let b = 0; b < B; b++) {
        const r0 = row(t, b);
        const xo = r0 * w;
        const po = b * w;
        const so = (t * B + b) * u;
        const valid = input.valid(t, b);
        for (let j = 0; j < u; j++) {
          const k = b * u + j;
          const hPrev = h[k] as number;
          const z = sigmoid((xd[xo + j] as number) + (p[po + j] as number));
          const r = sigmoid((xd[xo + u + j] as number) + (p[po + u + j] as number));
          const hh = (p[po + 2 * u + j] as number) + (bhd[j] as number);
          const c = tanh((xd[xo + 2 * u + j] as number) + r * hh);
          const hNew = c + z * (hPrev - c);
          zs[so + j] = z;
          rs[so + j] = r;
          cs[so + j] = c;
          hhs[so + j] = hh;
          outs[r0 * u + j] = valid ? hNew : 0;
          hn[k] = valid ? hNew : hPrev;
        }
      }
    },

    backwardStep(t, [dhIn], dOut, [carryOut], gates, dX) {
      const dh = dhIn as Float32Array;
      const carry = carryOut as Float32Array;
      if (simd) {
        if (!simdBackwardReady) {
          simd.reserve(bo.carry + n);
          simdBackwardReady = true;
        }
        const heap = simd.heap();
        heap.set(dh, bo.dh);
        for (let b = 0; b < B; b++) heap.set(dOut.subarray(row(t, b) * u, row(t, b) * u + u), bo.dout + b * u);
        heap.set(zs.subarray(t * n, (t + 1) * n), bo.z);
        heap.set(rs.subarray(t * n, (t + 1) * n), bo.r);
        heap.set(cs.subarray(t * n, (t + 1) * n), bo.c);
        heap.set(hhs.subarray(t * n, (t + 1) * n), bo.hh);
        heap.set(prevRows.subarray(t * n, (t + 1) * n), bo.h);
        simd.backward(
          B,
          u,
          4 * bo.dh,
          4 * bo.dout,
          4 * bo.z,
          4 * bo.r,
          4 * bo.c,
          4 * bo.hh,
          4 * bo.h,
          4 * bo.gate,
          4 * bo.dac,
          4 * bo.carry,
        );
        const gate = heap.subarray(bo.gate, bo.gate + B * w);
        const dac = heap.subarray(bo.dac, bo.dac + n);
        carry.set(heap.subarray(bo.carry, bo.carry + n));
        for (let b = 0; b < B; b++) {
          const xo = row(t, b) * w;
          if (!input.valid(t, b)) {
            // past the length: the state passes through untouched, the step gets no gradient (dX stays 0)
            gate.fill(0, b * w, b * w + w);
            carry.set(dh.subarray(b * u, b * u + u), b * u);
            continue;
          }
          dX.set(gate.subarray(b * w, b * w + 2 * u), xo);
          dX.set(dac.subarray(b * u, b * u + u), xo + 2 * u);
        }
        gates.set(gate, t * B * w);
        return;
      }
      for (let b = 0; b < B; b++) {
        const r0 = row(t, b);
        const go = (t * B + b) * w;
        const xo = r0 * w;
        const so = (t * B + b) * u;
        const valid = input.valid(t, b);
        for (let j = 0; j < u; j++) {
          const k = b * u + j;
          if (!valid) {
            // past the length: the state passes through untouched, the step gets no gradient
            carry[k] = dh[k] as number;
            gates[go + j] = gates[go + u + j] = gates[go + 2 * u + j] = 0;
            dX[xo + j] = dX[xo + u + j] = dX[xo + 2 * u + j] = 0;
            continue;
          }
          const g = (dh[k] as number) + (dOut[r0 * u + j] as number);
          const z = zs[so + j] as number;
          const r = rs[so + j] as number;
          const c = cs[so + j] as number;
          const dz = g * ((prevRows[so + j] as number) - c);
          const dac = g * (1 - z) * (1 - c * c);
          const dhh = dac * r;
          const dar = dac * (hhs[so + j] as number) * r * (1 - r);
          const daz = dz * z * (1 - z);
          gates[go + j] = daz;
          gates[go + u + j] = dar;
          gates[go + 2 * u + j] = dhh;
          dX[xo + j] = daz;
          dX[xo + u + j] = dar;
          dX[xo + 2 * u + j] = dac;
          carry[k] = g * z;
        }
      }
    },

    extraGradients(gates) {
      const dbh = new Float64Array(u);
      addColumnSums(dbh, gates, rows, w, 2 * u);
      return [Float32Array.from(dbh)];
    },
  };
}

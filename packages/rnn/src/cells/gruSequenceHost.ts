import * as tf from '@tensorflow/tfjs-core';
import { customGradient } from '@gradkit/core';
import { gruKernels } from './gruKernels';
import {
  addColumnSums,
  addInto,
  HOST_MEMORY_BACKENDS,
  hostProduct,
  isHostMemoryBackend,
  recurrentWeightGradient,
  sequencePool as pool,
  sigmoid,
  tanh,
} from './hostLoops';

export { isHostMemoryBackend } from './hostLoops';

/** How the time and batch axes of `x`, `masks` and the outputs are ordered. */
export type SequenceLayout = 'time-major' | 'batch-major';

export interface GruSequenceHostOptions {
  /** Default 'time-major'. */
  layout?: SequenceLayout;
  /**
   * Who runs the gate arithmetic: 'wasm-simd' (gruKernels.wat, 4 units at a time; needs units divisible by 4 and
   * WebAssembly SIMD), 'js' (plain loops, float64 intermediates), or 'auto' (default: wasm-simd where it can).
   */
  kernels?: 'auto' | 'wasm-simd' | 'js';
}

/**
 * The whole-sequence GRU of gruSequence.ts (reset after; the same formulas, forward and backward) for backends
 * that keep tensors in host memory (cpu, wasm): the gate arithmetic of every step runs as plain loops over
 * Float32Arrays and only the products go to the backend — one h·[U_z U_r U_h] per step forward, one
 * [∂a_z | ∂a_r | ∂h_h]·[U_z U_r U_h]ᵀ per step backward, one Σ_t h_{t−1}ᵀ·[…] for the weight gradient (the saved
 * states transposed by one kernel, then a plain product: wasm's transposed-operand products are slow).
 *
 * Why: on these backends a step of the tensor version runs about 20 small kernels forward and 22 backward, and
 * each costs far more in dispatch (JavaScript → kernel call, bookkeeping, an output allocation) than its
 * arithmetic on [batch, units]. Here a step is one kernel each way. The gates are computed in float64 and stored
 * as float32, so the numbers agree with the tensor version to float32 rounding. Because the loops index the
 * sequence directly, `layout: 'batch-major'` takes x [batch, T, 3u] and masks [batch, T, 1] and returns outputs
 * [batch, T, u] — rnn() then needs no time-major transposes, forward or backward.
 *
 * On backends whose tensors live on a device (webgpu, webgl) every step would be a device round trip: use
 * gruSequence there. `x` is [T, batch, 3u] (time-major, the default), `h0` [batch, u], `masks` [T, batch, 1]
 * (nonzero = valid) or null.
 */
export function gruSequenceHost(
  x: tf.Tensor,
  h0: tf.Tensor2D,
  recurrent: [tf.Tensor, tf.Tensor, tf.Tensor],
  recurrentBiasH: tf.Tensor,
  masks: tf.Tensor | null,
  options: GruSequenceHostOptions = {},
): { outputs: tf.Tensor3D; final: tf.Tensor2D } {
  const { layout = 'time-major', kernels = 'auto' } = options;
  if (!isHostMemoryBackend()) {
    throw new Error(
      `gruSequenceHost: backend "${tf.getBackend()}" keeps tensors on a device, expected one of ${[...HOST_MEMORY_BACKENDS].join(', ')} (use gruSequence there)`,
    );
  }
  const batchMajor = layout === 'batch-major';
  const [T, B] = (batchMajor ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]]) as [number, number];
  const u = h0.shape[1] as number;
  const w = 3 * u;
  const n = B * u;
  const rows = T * B;
  /** The row of (t, b) in x, masks and the outputs. */
  const row = batchMajor ? (t: number, b: number) => b * T + t : (t: number, b: number) => t * B + b;
  const shape3 = (k: number): [number, number, number] => (batchMajor ? [B, T, k] : [T, B, k]);
  const simd = kernels === 'js' || u % 4 !== 0 ? null : gruKernels();
  if (kernels === 'wasm-simd' && simd == null) {
    throw new Error(`gruSequenceHost: kernels 'wasm-simd' needs units divisible by 4 (got ${u}) and WebAssembly SIMD`);
  }
  const op = customGradient(
    (xs: tf.Tensor, h: tf.Tensor, uz: tf.Tensor, ur: tf.Tensor, uh: tf.Tensor, bh: tf.Tensor) => {
      const uAll = tf.concat([uz, ur, uh], 1) as tf.Tensor2D; // [u, 3u]
      const xd = xs.dataSync() as Float32Array;
      const bhd = bh.dataSync() as Float32Array;
      const md = masks == null ? null : masks.dataSync();
      // Saved for the backward pass, indexed (t·B + b)·u + j: z, r, c, h·U_h + b′_h and the state entering the step.
      // Pooled (every element is written below before it is read); given back when the backward pass has run.
      const [zs, rs, cs, hhs, prevRows] = [0, 0, 0, 0, 0].map(() => pool.take(rows * u)) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      let released = false;
      const outs = new Float32Array(rows * u);
      let state = Float32Array.from(h.dataSync() as Float32Array);
      let next = new Float32Array(n); // the two state buffers swap each step; the last one becomes the final state
      // Scratch layout in the kernels' heap (floats): x, p [B, 3u]; b′_h [u]; h, z, r, c, hh, h′ [B, u].
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
      if (simd) {
        simd.reserve(fo.hn + n);
        simd.heap().set(bhd, fo.bh);
      }
      for (let t = 0; t < T; t++) {
        const p = hostProduct(state, B, u, uAll);
        prevRows.set(state, t * n);
        if (simd) {
          const heap = simd.heap();
          if (batchMajor)
            for (let b = 0; b < B; b++) heap.set(xd.subarray(row(t, b) * w, row(t, b) * w + w), fo.x + b * w);
          else heap.set(xd.subarray(t * B * w, (t + 1) * B * w), fo.x);
          heap.set(p, fo.p);
          heap.set(state, fo.h);
          simd.forward(
            B,
            u,
            4 * fo.x,
            4 * fo.p,
            4 * fo.bh,
            4 * fo.h,
            4 * fo.z,
            4 * fo.r,
            4 * fo.c,
            4 * fo.hh,
            4 * fo.hn,
          );
          zs.set(heap.subarray(fo.z, fo.z + n), t * n);
          rs.set(heap.subarray(fo.r, fo.r + n), t * n);
          cs.set(heap.subarray(fo.c, fo.c + n), t * n);
          hhs.set(heap.subarray(fo.hh, fo.hh + n), t * n);
          for (let b = 0; b < B; b++) {
            const r0 = row(t, b);
            if (md == null || md[r0] !== 0) {
              const hNew = heap.subarray(fo.hn + b * u, fo.hn + b * u + u);
              outs.set(hNew, r0 * u);
              next.set(hNew, b * u);
            } else {
              next.set(state.subarray(b * u, b * u + u), b * u); // past the length: output 0 (as allocated), state kept
            }
          }
        } else {
          for (let b = 0; b < B; b++) {
            const r0 = row(t, b);
            const xo = r0 * w;
            const po = b * w;
            const so = (t * B + b) * u;
            const valid = md == null || md[r0] !== 0;
            for (let j = 0; j < u; j++) {
              const k = b * u + j;
              const hPrev = state[k] as number;
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
              next[k] = valid ? hNew : hPrev;
            }
          }
        }
        [state, next] = [next, state];
      }
      return {
        value: [tf.tensor3d(outs, shape3(u)), tf.tensor2d(state, [B, u])],
        save: [uAll],
        gradient: ([dOut, dFinal]: tf.Tensor[], [uKept]: tf.Tensor[]) => {
          if (released)
            throw new Error(
              'gruSequenceHost: the backward pass of one forward call ran twice; its saved gates were already released (run the forward again)',
            );
          const uT = tf.transpose(uKept as tf.Tensor2D); // [3u, u], the same right-hand matrix for every step
          const dOutD = (dOut as tf.Tensor).dataSync() as Float32Array;
          let dh = Float32Array.from((dFinal as tf.Tensor).dataSync() as Float32Array);
          let dhNext = new Float32Array(n); // swapped with dh each step, like the forward state buffers
          const dX = new Float32Array(rows * w);
          const gates = pool.take(rows * w); // rows t·B + b; every row is written before the products read it
          const dbh = new Float64Array(u);
          const carry = new Float32Array(n);
          // Scratch layout (floats): dh, dout, z, r, c, hh, h [B, u]; gate [B, 3u]; dac, carry [B, u].
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
          if (simd) simd.reserve(bo.carry + n);
          for (let t = T - 1; t >= 0; t--) {
            let carryOf: Float32Array = carry;
            if (simd) {
              const heap = simd.heap();
              heap.set(dh, bo.dh);
              if (batchMajor)
                for (let b = 0; b < B; b++) heap.set(dOutD.subarray(row(t, b) * u, row(t, b) * u + u), bo.dout + b * u);
              else heap.set(dOutD.subarray(t * n, (t + 1) * n), bo.dout);
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
              carryOf = heap.subarray(bo.carry, bo.carry + n);
              for (let b = 0; b < B; b++) {
                const xo = row(t, b) * w;
                if (md != null && md[row(t, b)] === 0) {
                  // past the length: the state passes through untouched, the step gets no gradient
                  gate.fill(0, b * w, b * w + w);
                  carryOf.set(dh.subarray(b * u, b * u + u), b * u);
                  continue; // dX stays 0 (as allocated)
                }
                dX.set(gate.subarray(b * w, b * w + 2 * u), xo);
                dX.set(dac.subarray(b * u, b * u + u), xo + 2 * u);
              }
              gates.set(gate, t * B * w);
            } else {
              for (let b = 0; b < B; b++) {
                const r0 = row(t, b);
                const valid = md == null || md[r0] !== 0;
                const go = (t * B + b) * w;
                const xo = r0 * w;
                const so = (t * B + b) * u;
                for (let j = 0; j < u; j++) {
                  const k = b * u + j;
                  if (!valid) {
                    // past the length: the state passes through untouched, the step gets no gradient
                    carry[k] = dh[k] as number;
                    gates[go + j] = gates[go + u + j] = gates[go + 2 * u + j] = 0;
                    dX[xo + j] = dX[xo + u + j] = dX[xo + 2 * u + j] = 0;
                    continue;
                  }
                  const g = (dh[k] as number) + (dOutD[r0 * u + j] as number);
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
            }
            addInto(dhNext, carryOf, hostProduct(gates.subarray(t * B * w, (t + 1) * B * w), B, w, uT), n);
            [dh, dhNext] = [dhNext, dh];
          }
          uT.dispose();
          addColumnSums(dbh, gates, rows, w, 2 * u);
          const dU = recurrentWeightGradient(prevRows, gates, rows, u, w);
          const [duz, dur, duh] = tf.split(dU, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
          dU.dispose();
          released = true;
          pool.give(zs, rs, cs, hhs, prevRows, gates);
          return [
            tf.tensor3d(dX, shape3(w)),
            tf.tensor2d(dh, [B, u]),
            duz,
            dur,
            duh,
            tf.tensor1d(Float32Array.from(dbh)),
          ];
        },
      };
    },
  );
  const [outputs, final] = op(x, h0, ...recurrent, recurrentBiasH) as [tf.Tensor3D, tf.Tensor2D];
  return { outputs, final };
}

import * as tf from '@tensorflow/tfjs-core';
import { customGradient, matMulTransposed } from '@gradkit/core';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Backends whose tensors live in host memory, where reading a tensor each step costs a copy, not a device sync. */
const HOST_MEMORY_BACKENDS = new Set(['cpu', 'wasm']);

/** Whether the active backend keeps tensors in host memory (cpu, wasm), where gruSequenceHost applies. */
export function isHostMemoryBackend(): boolean {
  return HOST_MEMORY_BACKENDS.has(tf.getBackend());
}

/**
 * The whole-sequence GRU of gruSequence.ts (reset after; the same formulas, forward and backward) for backends
 * that keep tensors in host memory (cpu, wasm): the gate arithmetic of every step runs as plain loops over
 * Float32Arrays and only the products go to the backend — one h·[U_z U_r U_h] per step forward, one
 * [∂a_z | ∂a_r | ∂h_h]·[U_z U_r U_h]ᵀ per step backward, one Σ_t h_{t−1}ᵀ·[…] for the weight gradient.
 *
 * Why: on these backends a step of the tensor version runs about 20 small kernels forward and 22 backward, and
 * each costs far more in dispatch (JavaScript → kernel call, bookkeeping, an output allocation) than its
 * arithmetic on [batch, units]. Here a step is one kernel each way. The gates are computed in float64 and stored
 * as float32, so the numbers agree with the tensor version to float32 rounding.
 *
 * On backends whose tensors live on a device (webgpu, webgl) every step would be a device round trip: use
 * gruSequence there. `x` is [T, batch, 3u], `h0` [batch, u], `masks` [T, batch, 1] (nonzero = valid) or null.
 */
export function gruSequenceHost(
  x: tf.Tensor,
  h0: tf.Tensor2D,
  recurrent: [tf.Tensor, tf.Tensor, tf.Tensor],
  recurrentBiasH: tf.Tensor,
  masks: tf.Tensor | null,
): { outputs: tf.Tensor3D; final: tf.Tensor2D } {
  if (!isHostMemoryBackend()) {
    throw new Error(`gruSequenceHost: backend "${tf.getBackend()}" keeps tensors on a device, expected one of ${[...HOST_MEMORY_BACKENDS].join(', ')} (use gruSequence there)`);
  }
  const [T, B] = x.shape as [number, number, number];
  const u = h0.shape[1] as number;
  const w = 3 * u;
  const n = B * u;
  const op = customGradient((xs: tf.Tensor, h: tf.Tensor, uz: tf.Tensor, ur: tf.Tensor, uh: tf.Tensor, bh: tf.Tensor) => {
    const uAll = tf.concat([uz, ur, uh], 1) as tf.Tensor2D; // [u, 3u]
    const xd = xs.dataSync() as Float32Array;
    const bhd = bh.dataSync() as Float32Array;
    const md = masks == null ? null : masks.dataSync();
    // Saved for the backward pass, [T, batch, u] each: the state entering step t, z, r, c and h·U_h + b′_h.
    const prev = new Float32Array(T * n);
    const zs = new Float32Array(T * n);
    const rs = new Float32Array(T * n);
    const cs = new Float32Array(T * n);
    const hhs = new Float32Array(T * n);
    const outs = new Float32Array(T * n);
    let state = Float32Array.from(h.dataSync() as Float32Array);
    for (let t = 0; t < T; t++) {
      prev.set(state, t * n);
      const hT = tf.tensor2d(state, [B, u]);
      const pT = tf.matMul(hT, uAll);
      const p = pT.dataSync() as Float32Array;
      tf.dispose([hT, pT]);
      const next = new Float32Array(n);
      for (let b = 0; b < B; b++) {
        const xo = (t * B + b) * w;
        const po = b * w;
        const valid = md == null || md[t * B + b] !== 0;
        for (let j = 0; j < u; j++) {
          const k = b * u + j;
          const o = t * n + k;
          const z = sigmoid((xd[xo + j] as number) + (p[po + j] as number));
          const r = sigmoid((xd[xo + u + j] as number) + (p[po + u + j] as number));
          const hh = (p[po + 2 * u + j] as number) + (bhd[j] as number);
          const c = Math.tanh((xd[xo + 2 * u + j] as number) + r * hh);
          const hNew = c + z * ((state[k] as number) - c);
          zs[o] = z;
          rs[o] = r;
          cs[o] = c;
          hhs[o] = hh;
          outs[o] = valid ? hNew : 0;
          next[k] = valid ? hNew : (state[k] as number);
        }
      }
      state = next;
    }
    return {
      value: [tf.tensor3d(outs, [T, B, u]), tf.tensor2d(state, [B, u])],
      save: [uAll],
      gradient: ([dOut, dFinal]: tf.Tensor[], [uKept]: tf.Tensor[]) => {
        const uT = tf.transpose(uKept as tf.Tensor2D); // [3u, u], the same right-hand matrix for every step
        const dOutD = (dOut as tf.Tensor).dataSync() as Float32Array;
        let dh = Float32Array.from((dFinal as tf.Tensor).dataSync() as Float32Array);
        const dX = new Float32Array(T * B * w);
        const gates = new Float32Array(T * B * w);
        const dbh = new Float64Array(u);
        const carry = new Float32Array(n);
        for (let t = T - 1; t >= 0; t--) {
          for (let b = 0; b < B; b++) {
            const valid = md == null || md[t * B + b] !== 0;
            const go = (t * B + b) * w;
            for (let j = 0; j < u; j++) {
              const k = b * u + j;
              const o = t * n + k;
              if (!valid) {
                // past the length: the state passes through untouched, the step gets no gradient
                carry[k] = dh[k] as number;
                gates[go + j] = gates[go + u + j] = gates[go + 2 * u + j] = 0;
                dX[go + j] = dX[go + u + j] = dX[go + 2 * u + j] = 0;
                continue;
              }
              const g = (dh[k] as number) + (dOutD[o] as number);
              const z = zs[o] as number;
              const r = rs[o] as number;
              const c = cs[o] as number;
              const dz = g * ((prev[o] as number) - c);
              const dac = g * (1 - z) * (1 - c * c);
              const dhh = dac * r;
              const dar = dac * (hhs[o] as number) * r * (1 - r);
              const daz = dz * z * (1 - z);
              gates[go + j] = daz;
              gates[go + u + j] = dar;
              gates[go + 2 * u + j] = dhh;
              dX[go + j] = daz;
              dX[go + u + j] = dar;
              dX[go + 2 * u + j] = dac;
              dbh[j] = (dbh[j] as number) + dhh;
              carry[k] = g * z;
            }
          }
          const gT = tf.tensor2d(gates.subarray(t * B * w, (t + 1) * B * w), [B, w]);
          const backT = tf.matMul(gT, uT);
          const back = backT.dataSync() as Float32Array;
          tf.dispose([gT, backT]);
          const next = new Float32Array(n);
          for (let k = 0; k < n; k++) next[k] = (carry[k] as number) + (back[k] as number);
          dh = next;
        }
        uT.dispose();
        const dU = tf.tidy(() => matMulTransposed(tf.tensor2d(prev, [T * B, u]), tf.tensor2d(gates, [T * B, w]), true, false));
        const [duz, dur, duh] = tf.split(dU, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
        dU.dispose();
        return [tf.tensor3d(dX, [T, B, w]), tf.tensor2d(dh, [B, u]), duz, dur, duh, tf.tensor1d(Float32Array.from(dbh))];
      },
    };
  });
  const [outputs, final] = op(x, h0, ...recurrent, recurrentBiasH) as [tf.Tensor3D, tf.Tensor2D];
  return { outputs, final };
}

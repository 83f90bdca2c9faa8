import * as tf from '@tensorflow/tfjs-core';
import { customGradient, matMulTransposed } from '@gradkit/core';

/** The steps of a time-major tensor as separate tensors (gathers: see timeSteps.ts for why not slices). */
function steps(x: tf.Tensor): tf.Tensor2D[] {
  return Array.from({ length: x.shape[0] as number }, (_, t) => tf.gather(x, tf.scalar(t, 'int32')) as tf.Tensor2D);
}

/**
 * A whole GRU sequence (reset after, Keras/cuDNN form) as one tape node with a hand-written backpropagation
 * through time — the same numbers as differentiating the step-by-step cell, in far fewer kernels:
 *
 * forward, per step (x_t = [x_z | x_r | x_h], the input transforms with their biases):
 *   [h_z | h_r | h_h] = h·[U_z U_r U_h] + [0 | 0 | b′_h],  z = σ(x_z + h_z),  r = σ(x_r + h_r),
 *   c = tanh(x_h + r ⊙ h_h),  h′ = c + z ⊙ (h − c);  masked rows keep h and output 0.
 * backward, per step from the last (g = ∂L/∂h′ from the output and the next step):
 *   ∂z = g ⊙ (h − c),  ∂c = g ⊙ (1 − z),  ∂a_c = ∂c ⊙ (1 − c²),  ∂h_h = ∂a_c ⊙ r,  ∂r = ∂a_c ⊙ h_h,
 *   ∂a_z = ∂z ⊙ z(1 − z),  ∂a_r = ∂r ⊙ r(1 − r),  ∂x_t = [∂a_z | ∂a_r | ∂a_c],
 *   ∂h = g ⊙ z + [∂a_z | ∂a_r | ∂h_h]·[U_z U_r U_h]ᵀ
 * and once after the loop: ∂[U_z U_r U_h] = Σ_t h_{t−1}ᵀ·[∂a_z | ∂a_r | ∂h_h] (one product over all steps),
 * ∂b′_h = Σ ∂h_h. The recurrent products multiply by a matrix that stays the same for the whole sequence, so the
 * wasm backend packs it once.
 *
 * `x` is [T, batch, 3u], `h0` [batch, u], `masks` [T, batch, 1] (1 = valid) or null. Returns the outputs
 * [T, batch, u] and the final state.
 */
export function gruSequence(
  x: tf.Tensor,
  h0: tf.Tensor2D,
  recurrent: [tf.Tensor, tf.Tensor, tf.Tensor],
  recurrentBiasH: tf.Tensor,
  masks: tf.Tensor | null,
): { outputs: tf.Tensor3D; final: tf.Tensor2D } {
  const units = h0.shape[1] as number;
  const op = customGradient(
    (xs: tf.Tensor, h: tf.Tensor, uz: tf.Tensor, ur: tf.Tensor, uh: tf.Tensor, bh: tf.Tensor) => {
      const u = tf.concat([uz, ur, uh], 1);
      const bias = tf.concat([tf.zeros([2 * units]), bh]);
      const mSteps = masks == null ? null : steps(tf.cast(masks, 'float32'));
      const saved: tf.Tensor[] = [];
      const outs: tf.Tensor[] = [];
      let state = h as tf.Tensor2D;
      steps(xs).forEach((xt, t) => {
        const [xz, xr, xh] = tf.split(xt, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
        const [hz, hr, hh] = tf.split(tf.add(tf.matMul(state, u as tf.Tensor2D), bias), 3, 1) as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        const z = tf.sigmoid(tf.add(xz, hz));
        const r = tf.sigmoid(tf.add(xr, hr));
        const c = tf.tanh(tf.add(xh, tf.mul(r, hh)));
        const diff = tf.sub(state, c);
        let next = tf.add(c, tf.mul(z, diff)) as tf.Tensor2D;
        saved.push(state, z, r, c, hh, diff);
        if (mSteps != null) {
          const m = mSteps[t] as tf.Tensor;
          outs.push(tf.mul(next, m));
          next = tf.add(tf.mul(next, m), tf.mul(state, tf.sub(1, m))) as tf.Tensor2D;
        } else {
          outs.push(next);
        }
        state = next;
      });
      return {
        value: [tf.stack(outs, 0), state],
        save: [u, ...(mSteps ?? []), ...saved],
        gradient: ([dOut, dFinal]: tf.Tensor[], kept: tf.Tensor[]) => {
          const T = xs.shape[0] as number;
          const uAll = kept[0] as tf.Tensor2D;
          const mk = masks == null ? null : kept.slice(1, 1 + T);
          const rest = kept.slice(1 + (mk ? T : 0));
          const uT = tf.transpose(uAll); // [3u, u], the same right-hand matrix for every step
          const dOuts = steps(dOut as tf.Tensor);
          const dXs: tf.Tensor[] = new Array(T);
          const gates: tf.Tensor[] = new Array(T);
          const prevs: tf.Tensor[] = new Array(T);
          let dh = dFinal as tf.Tensor;
          for (let t = T - 1; t >= 0; t--) {
            const [hPrev, z, r, c, hh, diff] = rest.slice(6 * t, 6 * t + 6) as [
              tf.Tensor,
              tf.Tensor,
              tf.Tensor,
              tf.Tensor,
              tf.Tensor,
              tf.Tensor,
            ];
            let g: tf.Tensor;
            let skip: tf.Tensor | null = null;
            if (mk) {
              const m = mk[t] as tf.Tensor;
              g = tf.mul(tf.add(dh, dOuts[t] as tf.Tensor), m);
              skip = tf.mul(dh, tf.sub(1, m));
            } else {
              g = tf.add(dh, dOuts[t] as tf.Tensor);
            }
            const dz = tf.mul(g, diff);
            const dac = tf.mul(tf.mul(g, tf.sub(1, z)), tf.sub(1, tf.square(c)));
            const dhh = tf.mul(dac, r);
            const dr = tf.mul(dac, hh);
            const daz = tf.mul(dz, tf.mul(z, tf.sub(1, z)));
            const dar = tf.mul(dr, tf.mul(r, tf.sub(1, r)));
            const gate = tf.concat([daz, dar, dhh], 1);
            dXs[t] = tf.concat([daz, dar, dac], 1);
            gates[t] = gate;
            prevs[t] = hPrev;
            dh = tf.add(tf.mul(g, z), tf.matMul(gate as tf.Tensor2D, uT as tf.Tensor2D));
            if (skip) dh = tf.add(dh, skip);
          }
          const allGates = tf.concat(gates, 0);
          const dU = matMulTransposed(tf.concat(prevs, 0), allGates, true, false);
          const [duz, dur, duh] = tf.split(dU, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
          const dbh = tf.sum(tf.slice(allGates, [0, 2 * units], [-1, units]), 0);
          return [tf.stack(dXs, 0), dh, duz, dur, duh, dbh];
        },
      };
    },
  );
  const [outputs, final] = op(x, h0, ...recurrent, recurrentBiasH) as [tf.Tensor3D, tf.Tensor2D];
  return { outputs, final };
}

import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, describeBackends, expect, expectNoLeaks, randomInput, test } from '@gradkit/test-harness';
import { gruSequence } from './gruSequence';
import { gruSequenceHost, isHostMemoryBackend, type SequenceLayout } from './gruSequenceHost';

const [T, B, U] = [4, 3, 4];
// example 0 runs all 4 steps, example 1 stops after 2, example 2 has no valid step
const LENGTHS = [4, 2, 0];
const MASK = Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < (LENGTHS[i % B] as number) ? 1 : 0));

/**
 * The reset-after GRU recurrence in float64: x [T, B, 3U] (the input transforms), h0 [B, U], U_z, U_r, U_h [U, U],
 * b′_h [U]; returns the outputs [T, B, U] followed by the final state [B, U], with masked steps as in rnn().
 */
function reference(masked: boolean) {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  return (x: number[], h0: number[], uz: number[], ur: number[], uh: number[], bh: number[]): number[] => {
    let h = h0.slice();
    const out: number[] = [];
    for (let t = 0; t < T; t++) {
      const next = h.slice();
      for (let b = 0; b < B; b++) {
        const valid = !masked || MASK[t * B + b] === 1;
        for (let j = 0; j < U; j++) {
          let pz = 0;
          let pr = 0;
          let ph = bh[j] as number;
          for (let i = 0; i < U; i++) {
            const hi = h[b * U + i] as number;
            pz += hi * (uz[i * U + j] as number);
            pr += hi * (ur[i * U + j] as number);
            ph += hi * (uh[i * U + j] as number);
          }
          const xo = (t * B + b) * 3 * U;
          const z = sig((x[xo + j] as number) + pz);
          const r = sig((x[xo + U + j] as number) + pr);
          const c = Math.tanh((x[xo + 2 * U + j] as number) + r * ph);
          const hNew = z * (h[b * U + j] as number) + (1 - z) * c;
          out.push(valid ? hNew : 0);
          if (valid) next[b * U + j] = hNew;
        }
      }
      h = next;
    }
    return [...out, ...h];
  };
}

describeBackends('gruSequence / gruSequenceHost', () => {
  type Kernels = 'js' | 'wasm-simd';
  const cases: Array<['gruSequence' | 'gruSequenceHost', boolean, SequenceLayout, Kernels | '-']> = [
    ['gruSequence', false, 'time-major', '-'],
    ['gruSequence', true, 'time-major', '-'],
  ];
  for (const kernels of ['js', 'wasm-simd'] as const) {
    for (const layout of ['time-major', 'batch-major'] as const)
      for (const masked of [false, true]) cases.push(['gruSequenceHost', masked, layout, kernels]);
  }
  test.each(cases)(
    '%s (masked: %s, %s, kernels %s): outputs and final state match a float64 loop; all six gradients match finite differences',
    async (name, masked, layout, kernels) => {
      if (name === 'gruSequenceHost' && !isHostMemoryBackend()) return; // device backends: see the next test
      // batch-major: the same time-major data handed over transposed, and the outputs transposed back
      const swap = (t: tf.Tensor) => (layout === 'batch-major' ? tf.transpose(t, [1, 0, 2]) : t);
      await checkGradients({
        f: (x, h0, uz, ur, uh, bh) => {
          const masks = masked ? swap(tf.tensor3d(MASK, [T, B, 1], 'bool')) : null;
          const recurrent = [uz, ur, uh] as [tf.Tensor, tf.Tensor, tf.Tensor];
          const { outputs, final } =
            name === 'gruSequence'
              ? gruSequence(x, h0 as tf.Tensor2D, recurrent, bh as tf.Tensor, masks)
              : gruSequenceHost(swap(x), h0 as tf.Tensor2D, recurrent, bh as tf.Tensor, masks, {
                  layout,
                  kernels: kernels as Kernels,
                });
          return tf.concat([tf.reshape(swap(outputs), [-1]), tf.reshape(final, [-1])]);
        },
        reference: reference(masked),
        inputs: [
          randomInput([T, B, 3 * U], 1, -1, 1),
          randomInput([B, U], 2, -1, 1),
          randomInput([U, U], 3, -1, 1),
          randomInput([U, U], 4, -1, 1),
          randomInput([U, U], 5, -1, 1),
          randomInput([U], 6, -0.5, 0.5),
        ],
        forwardTolerance: { rtol: 1e-5, atol: 1e-6 },
      });
    },
  );

  test('gruSequenceHost runs on host-memory backends only, and says so on the others', () => {
    const x = tf.zeros([T, B, 3 * U]);
    const h0 = tf.zeros([B, U]) as tf.Tensor2D;
    const w = tf.zeros([U, U]);
    const bh = tf.zeros([U]);
    if (isHostMemoryBackend()) {
      expect(['cpu', 'wasm']).toContain(tf.getBackend());
      const { outputs, final } = gruSequenceHost(x, h0, [w, w, w], bh, null);
      expect(outputs.shape).toEqual([T, B, U]);
      tf.dispose([outputs, final]);
    } else {
      expect(() => gruSequenceHost(x, h0, [w, w, w], bh, null)).toThrow(
        `gruSequenceHost: backend "${tf.getBackend()}" keeps tensors on a device, expected one of cpu, wasm (use gruSequence there)`,
      );
    }
    tf.dispose([x, h0, w, bh]);
  });

  test('gruSequenceHost leaks nothing: forward and backward leave the tensor count as they found it', async () => {
    if (!isHostMemoryBackend()) return;
    const x = tf.randomUniform([T, B, 3 * U], -1, 1, 'float32', 7);
    const h0 = tf.zeros([B, U]) as tf.Tensor2D;
    const w = [1, 2, 3].map((s) => tf.randomUniform([U, U], -1, 1, 'float32', s));
    const bh = tf.zeros([U]);
    const masks = tf.tensor3d(MASK, [T, B, 1], 'bool');
    await expectNoLeaks(() => {
      const grads = tf.grads((...args: tf.Tensor[]) => {
        const { outputs, final } = gruSequenceHost(
          args[0] as tf.Tensor,
          args[1] as tf.Tensor2D,
          [args[2], args[3], args[4]] as [tf.Tensor, tf.Tensor, tf.Tensor],
          args[5] as tf.Tensor,
          masks,
        );
        return tf.add(tf.sum(outputs), tf.sum(final));
      })([x, h0, ...w, bh]);
      expect(grads).toHaveLength(6);
      tf.dispose(grads);
    });
    tf.dispose([x, h0, ...w, bh, masks]);
  });
});

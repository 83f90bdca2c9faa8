import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  describeBackends,
  expect,
  expectNoLeaks,
  expectTensorClose,
  randomInput,
  test,
} from '@gradkit/test-harness';
import type { FusedGru } from '../cell';
import { gruStep } from '../cells/gru';
import {
  fusedSequence,
  GRU_RB_SEQUENCE,
  GRU_RB_SEQUENCE_GRAD,
  GRU_SEQUENCE,
  GRU_SEQUENCE_GRAD,
} from '../fusedSequence';
import { unrollBatchMajor } from '../unroll';
import { fourMoreSteps, sequencePrograms, type CountedSequence } from './programCounts.test-util';

const [T, B] = [4, 3];
// example 0 runs all 4 steps, example 1 stops after 2, example 2 has no valid step
const LENGTHS = [4, 2, 0];
// MASK[t·B + b] (the float64 loop's order); the tensors are batch-major [B, T, 1]
const MASK = Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < (LENGTHS[i % B] as number) ? 1 : 0));
const maskTensor = () =>
  tf.tensor3d(
    Array.from({ length: B * T }, (_, i) => MASK[(i % T) * B + Math.floor(i / T)] as number),
    [B, T, 1],
    'bool',
  );

type Form = 'reset-after' | 'reset-before';

/**
 * The GRU recurrence in float64, written from the formula (not from any of the code under test): x [B, T, 3U] (the
 * input transforms), h0 [B, U], U_z, U_r, U_h [U, U], and for reset-after b′_h [U]; c = tanh(x_h + r ⊙ (h·U_h + b′_h))
 * (reset-after) or tanh(x_h + (r ⊙ h)·U_h) (reset-before). Returns the outputs [B, T, U] followed by the final state
 * [B, U], with masked steps as in rnn().
 */
function reference(masked: boolean, U: number, form: Form = 'reset-after') {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  return (x: number[], h0: number[], uz: number[], ur: number[], uh: number[], bhIn?: number[]): number[] => {
    const bh = bhIn ?? new Array<number>(U).fill(0);
    let h = h0.slice();
    const out = new Array<number>(B * T * U).fill(0);
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
          const xo = (b * T + t) * 3 * U;
          const z = sig((x[xo + j] as number) + pz);
          const r = sig((x[xo + U + j] as number) + pr);
          let recurrentH = r * ph;
          if (form === 'reset-before') {
            // (r ⊙ h)·U_h: every unit's reset gate, then the product
            recurrentH = 0;
            for (let i = 0; i < U; i++) {
              let pri = 0;
              for (let k = 0; k < U; k++) pri += (h[b * U + k] as number) * (ur[k * U + i] as number);
              const ri = sig((x[xo + U + i] as number) + pri);
              recurrentH += ri * (h[b * U + i] as number) * (uh[i * U + j] as number);
            }
          }
          const c = Math.tanh((x[xo + 2 * U + j] as number) + recurrentH);
          const hNew = z * (h[b * U + j] as number) + (1 - z) * c;
          out[(b * T + t) * U + j] = valid ? hNew : 0;
          if (valid) next[b * U + j] = hNew;
        }
      }
      h = next;
    }
    return [...out, ...h];
  };
}

describeBackends('GradkitGruSequence (the whole-sequence GRU kernel) and its reference', (backend) => {
  // units 4: the kernels' 4-lane SIMD gate arithmetic; units 3: the plain-JavaScript loops
  const cases: Array<['kernel' | 'reference', Form, boolean, number]> = [];
  for (const path of ['kernel', 'reference'] as const)
    for (const form of ['reset-after', 'reset-before'] as const)
      for (const units of [4, 3]) for (const masked of [false, true]) cases.push([path, form, masked, units]);
  test.each(cases)(
    '%s, %s (masked %s, %i units): outputs and final state match a float64 loop; every gradient matches finite differences',
    async (path, form, masked, U) => {
      const after = form === 'reset-after';
      await checkGradients({
        f: (x, h0, uz, ur, uh, bh) => {
          const masks = masked ? maskTensor() : null;
          const fused: FusedGru = {
            kind: 'gru',
            recurrent: [uz, ur, uh] as FusedGru['recurrent'],
            recurrentBiasH: after ? (bh as tf.Tensor) : null,
          };
          const { outputs, final } =
            path === 'kernel'
              ? fusedSequence(fused, x as tf.Tensor3D, [h0 as tf.Tensor2D], masks)
              : unrollBatchMajor(
                  (p, [h]) => gruStep(p, h as tf.Tensor2D, fused),
                  x as tf.Tensor3D,
                  [U, U, U],
                  [h0 as tf.Tensor2D],
                  masks,
                );
          return tf.concat([tf.reshape(outputs, [-1]), ...final.map((s) => tf.reshape(s, [-1]))]);
        },
        reference: reference(masked, U, form),
        inputs: [
          randomInput([B, T, 3 * U], 1, -1, 1),
          randomInput([B, U], 2, -1, 1),
          randomInput([U, U], 3, -1, 1),
          randomInput([U, U], 4, -1, 1),
          randomInput([U, U], 5, -1, 1),
          ...(after ? [randomInput([U], 6, -0.5, 0.5)] : []),
        ],
        forwardTolerance: { rtol: 1e-5, atol: 1e-6 },
      });
    },
  );

  test('the kernel and its backward are registered for cpu, wasm (host memory), webgpu (WGSL) and webgl (GLSL); the reset-before kernels for webgpu only', () => {
    for (const name of [GRU_SEQUENCE, GRU_SEQUENCE_GRAD]) {
      expect(tf.getKernel(name, 'cpu')).toBeDefined();
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
      expect(tf.getKernel(name, 'webgpu')).toBeDefined();
      expect(tf.getKernel(name, 'webgl')).toBeDefined();
    }
    for (const name of [GRU_RB_SEQUENCE, GRU_RB_SEQUENCE_GRAD]) {
      expect(tf.getKernel(name, 'webgpu')).toBeDefined();
      for (const other of ['cpu', 'wasm', 'webgl']) expect(tf.getKernel(name, other)).toBeUndefined();
    }
  });

  test.each(['reset-after', 'reset-before'] as const)(
    'leaks nothing (%s): forward and backward, with masks, leave the tensor count as they found it',
    async (form) => {
      const U = 4;
      const x = tf.randomUniform([B, T, 3 * U], -1, 1, 'float32', 7) as tf.Tensor3D;
      const h0 = tf.zeros([B, U]) as tf.Tensor2D;
      const w = [1, 2, 3].map((s) => tf.randomUniform([U, U], -1, 1, 'float32', s));
      const bh = tf.zeros([U]);
      const masks = maskTensor();
      await expectNoLeaks(() => {
        const grads = tf.grads((...args: tf.Tensor[]) => {
          const fused: FusedGru = {
            kind: 'gru',
            recurrent: [args[2], args[3], args[4]] as FusedGru['recurrent'],
            recurrentBiasH: form === 'reset-after' ? (args[5] as tf.Tensor) : null,
          };
          const { outputs, final } = fusedSequence(fused, args[0] as tf.Tensor3D, [args[1] as tf.Tensor2D], masks);
          return tf.add(tf.sum(outputs), tf.sum(final[0] as tf.Tensor));
        })([x, h0, ...w, ...(form === 'reset-after' ? [bh] : [])]);
        expect(grads).toHaveLength(form === 'reset-after' ? 6 : 5);
        tf.dispose(grads);
        // forward only (no tape): the kernel's reserve is released at once
        const { outputs, final } = fusedSequence(
          {
            kind: 'gru',
            recurrent: [w[0], w[1], w[2]] as FusedGru['recurrent'],
            recurrentBiasH: form === 'reset-after' ? bh : null,
          },
          x,
          [h0],
          masks,
        );
        tf.dispose([outputs, ...final]);
      });
      tf.dispose([x, h0, ...w, bh, masks]);
    },
  );

  test.each(['reset-after', 'reset-before'] as const)(
    '%s, 130 units (more than one workgroup of threads: each thread takes units j and j + 128): the kernel equals the reference, forward and all gradients',
    async (form) => {
      const U = 130;
      const x = tf.randomUniform([2, 3, 3 * U], -1, 1, 'float32', 11) as tf.Tensor3D;
      const h0 = tf.randomUniform([2, U], -1, 1, 'float32', 12) as tf.Tensor2D;
      const w = [13, 14, 15].map((s) => tf.randomUniform([U, U], -0.1, 0.1, 'float32', s));
      const bh = tf.randomUniform([U], -0.5, 0.5, 'float32', 16);
      const masks = tf.tensor3d([1, 1, 1, 1, 0, 0], [2, 3, 1], 'bool');
      const run = (path: 'kernel' | 'reference') =>
        tf.grads((...a: tf.Tensor[]) => {
          const fused: FusedGru = {
            kind: 'gru',
            recurrent: [a[2], a[3], a[4]] as FusedGru['recurrent'],
            recurrentBiasH: form === 'reset-after' ? (a[5] as tf.Tensor) : null,
          };
          const { outputs, final } =
            path === 'kernel'
              ? fusedSequence(fused, a[0] as tf.Tensor3D, [a[1] as tf.Tensor2D], masks)
              : unrollBatchMajor(
                  (p, [h]) => gruStep(p, h as tf.Tensor2D, fused),
                  a[0] as tf.Tensor3D,
                  [U, U, U],
                  [a[1] as tf.Tensor2D],
                  masks,
                );
          // a loss that weighs every output and the final state differently
          return tf.add(
            tf.sum(tf.mul(outputs, tf.reshape(tf.linspace(-1, 1, 2 * 3 * U), [2, 3, U]))),
            tf.sum(tf.square(final[0] as tf.Tensor)),
          );
        })([x, h0, ...w, ...(form === 'reset-after' ? [bh] : [])]);
      const mine = run('kernel');
      const theirs = run('reference');
      expect(mine).toHaveLength(form === 'reset-after' ? 6 : 5);
      for (let i = 0; i < mine.length; i++)
        await expectTensorClose(mine[i] as tf.Tensor, theirs[i] as tf.Tensor, {
          rtol: 1e-4,
          atol: 1e-5,
          what: `gradient ${i}`,
        });
      tf.dispose([x, h0, ...w, bh, masks, ...mine, ...theirs]);
    },
  );

  /** The GRU kernel's op at `steps` steps (8 units, batch 2). */
  const gruAt = (steps: number, form: Form = 'reset-after'): CountedSequence => {
    const U = 8;
    const x = tf.randomUniform([2, steps, 3 * U], -1, 1, 'float32', 1) as tf.Tensor3D;
    const h0 = tf.zeros([2, U]) as tf.Tensor2D;
    const w = [1, 2, 3].map((s) => tf.randomUniform([U, U], -1, 1, 'float32', s));
    const bh = tf.zeros([U]);
    const fused: FusedGru = {
      kind: 'gru',
      recurrent: [w[0], w[1], w[2]] as FusedGru['recurrent'],
      recurrentBiasH: form === 'reset-after' ? bh : null,
    };
    return {
      forward: () => {
        const { outputs, final } = fusedSequence(fused, x, [h0], null);
        return [outputs, ...final];
      },
      inputs: [x, h0, ...w, bh],
    };
  };

  if (backend.name === 'webgl')
    test('on webgl the time loop costs 2 draws per step forward and 7 forward and backward, a third of stepping or less', async () => {
      const kernel = fourMoreSteps(await sequencePrograms(gruAt));
      const stepped = fourMoreSteps(await sequencePrograms(gruAt, false));
      expect(kernel).toEqual([8, 28]);
      expect(3 * (kernel[0] as number)).toBeLessThanOrEqual(stepped[0] as number);
      expect(3 * (kernel[1] as number)).toBeLessThanOrEqual(stepped[1] as number);
    });

  if (backend.name === 'webgpu')
    test.each(['reset-after', 'reset-before'] as const)(
      'on webgpu the %s kernel is what runs: two programs forward (weights packed, then the whole sequence), four forward and backward, whatever the number of steps',
      async (form) => {
        const counts = await sequencePrograms((steps) => gruAt(steps, form));
        expect(counts.map(([forward]) => forward)).toEqual([2, 2]);
        expect(fourMoreSteps(counts)).toEqual([0, 0]);
      },
    );
});

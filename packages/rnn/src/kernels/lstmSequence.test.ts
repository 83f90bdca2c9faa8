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
import type { FusedLstm, LayerNormTensors } from '../cell';
import { layerNormLstmCell } from '../cells/layerNormCells';
import { lstmCell, lstmStep } from '../cells/lstm';
import {
  fusedSequence,
  LN_LSTM_SEQUENCE,
  LN_LSTM_SEQUENCE_GRAD,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
} from '../fusedSequence';
import { rnn } from '../rnn';
import { unrollBatchMajor } from '../unroll';
import { fourMoreSteps, sequencePrograms, type CountedSequence } from './programCounts.test-util';

const [B, T, U] = [3, 4, 4];
/** Draws of four more steps on webgl with the kernel: [forward, forward + backward] (counted in Chromium). */
const MEASURED_WEBGL_LSTM = [16, 37];
const EPS = 1e-5;
const FORGET_BIAS = 1;
// example 0 runs all 4 steps, example 1 stops after 2, example 2 has no valid step
const LENGTHS = [4, 2, 0];
const MASK = Array.from({ length: B * T }, (_, i) => (i % T < (LENGTHS[Math.floor(i / T)] as number) ? 1 : 0)); // [B, T]

/** LN(v) = α ⊙ (v − mean)/√(var + ε) + β over one row, in float64. */
function layerNorm(v: number[], alpha: number[], beta: number[]): number[] {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  return v.map((x, j) => (alpha[j] as number) * ((x - mean) / Math.sqrt(variance + EPS)) + (beta[j] as number));
}

/**
 * The LSTM recurrence in float64, batch-major: x [B, T, 4U] (the input projections), c0, h0 [B, U], U_i, U_j, U_f,
 * U_o [U, U], and with layer normalization α, β for i, j, f, o and c. Returns outputs [B, T, U], final c, final h.
 */
function reference(masked: boolean, normalized: boolean) {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  return (x: number[], c0: number[], h0: number[], ...rest: number[][]): number[] => {
    const us = rest.slice(0, 4);
    const ln = rest.slice(4);
    let c = c0.slice();
    let h = h0.slice();
    const out = new Array<number>(B * T * U).fill(0);
    for (let t = 0; t < T; t++) {
      const cNext = c.slice();
      const hNext = h.slice();
      for (let b = 0; b < B; b++) {
        if (masked && MASK[b * T + t] === 0) continue;
        const gate = (g: number) => {
          const a = Array.from({ length: U }, (_, j) => {
            let s = x[(b * T + t) * 4 * U + g * U + j] as number;
            for (let i = 0; i < U; i++) s += (h[b * U + i] as number) * ((us[g] as number[])[i * U + j] as number);
            return s;
          });
          return normalized ? layerNorm(a, ln[2 * g] as number[], ln[2 * g + 1] as number[]) : a;
        };
        const [ai, aj, af, ao] = [0, 1, 2, 3].map(gate) as [number[], number[], number[], number[]];
        const cRow = ai.map(
          (_, j) =>
            (c[b * U + j] as number) * sig((af[j] as number) + (normalized ? FORGET_BIAS : 0)) +
            sig(ai[j] as number) * Math.tanh(aj[j] as number),
        );
        const m = normalized ? layerNorm(cRow, ln[8] as number[], ln[9] as number[]) : cRow;
        for (let j = 0; j < U; j++) {
          const hNew = Math.tanh(m[j] as number) * sig(ao[j] as number);
          out[(b * T + t) * U + j] = hNew;
          hNext[b * U + j] = hNew;
          cNext[b * U + j] = cRow[j] as number;
        }
      }
      c = cNext;
      h = hNext;
    }
    return [...out, ...c, ...h];
  };
}

/** The fused form of an LSTM over the given tensors (with layer normalization when `ln` has ten). */
function fusedLstm(recurrent: tf.Tensor[], ln: tf.Tensor[]): FusedLstm {
  const pair = (k: number): LayerNormTensors => ({ alpha: ln[2 * k] as tf.Tensor, beta: ln[2 * k + 1] as tf.Tensor });
  return {
    kind: 'lstm',
    recurrent: recurrent as unknown as FusedLstm['recurrent'],
    forgetBias: ln.length > 0 ? FORGET_BIAS : 0,
    ...(ln.length > 0
      ? { layerNorm: { gates: [pair(0), pair(1), pair(2), pair(3)], cell: pair(4), epsilon: EPS } }
      : {}),
  };
}

describeBackends('GradkitLstmSequence (the whole-sequence LSTM kernel) and its reference', (backend) => {
  const cases: Array<['kernel' | 'reference', boolean, boolean]> = [];
  for (const path of ['kernel', 'reference'] as const)
    for (const normalized of [false, true]) for (const masked of [false, true]) cases.push([path, masked, normalized]);
  test.each(cases)(
    '%s (masked %s, layer-normalized %s): outputs and final (c, h) match a float64 loop; every gradient matches finite differences',
    async (path, masked, normalized) => {
      const lnInputs = normalized
        ? [0, 1, 2, 3, 4].flatMap((g) => [
            randomInput([U], 20 + 2 * g, 0.5, 1.5),
            randomInput([U], 21 + 2 * g, -0.5, 0.5),
          ])
        : [];
      await checkGradients({
        f: (x, c0, h0, ui, uj, uf, uo, ...ln) => {
          const masks = masked ? tf.tensor3d(MASK, [B, T, 1], 'bool') : null;
          const fused = fusedLstm([ui, uj, uf, uo] as tf.Tensor[], ln);
          const state0 = [c0 as tf.Tensor2D, h0 as tf.Tensor2D];
          const { outputs, final } =
            path === 'kernel'
              ? fusedSequence(fused, x as tf.Tensor3D, state0, masks)
              : unrollBatchMajor(
                  (p, [c, h]) => lstmStep(p, c as tf.Tensor2D, h as tf.Tensor2D, fused),
                  x as tf.Tensor3D,
                  [U, U, U, U],
                  state0,
                  masks,
                );
          return tf.concat([tf.reshape(outputs, [-1]), ...final.map((s) => tf.reshape(s, [-1]))]);
        },
        reference: reference(masked, normalized),
        inputs: [
          randomInput([B, T, 4 * U], 1, -1, 1),
          randomInput([B, U], 2, -1, 1),
          randomInput([B, U], 3, -1, 1),
          ...[4, 5, 6, 7].map((s) => randomInput([U, U], s, -1, 1)),
          ...lnInputs,
        ],
        forwardTolerance: { rtol: 1e-5, atol: 1e-6 },
      });
    },
  );

  test('registered: the LSTM on cpu, wasm (host memory), webgpu (WGSL) and webgl (GLSL); the layer-normalized LSTM on cpu and wasm only', () => {
    for (const name of [LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD, LN_LSTM_SEQUENCE, LN_LSTM_SEQUENCE_GRAD]) {
      expect(tf.getKernel(name, 'cpu')).toBeDefined();
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
    }
    for (const name of [LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD]) {
      expect(tf.getKernel(name, 'webgpu')).toBeDefined();
      expect(tf.getKernel(name, 'webgl')).toBeDefined();
    }
    for (const name of [LN_LSTM_SEQUENCE, LN_LSTM_SEQUENCE_GRAD]) {
      expect(tf.getKernel(name, 'webgpu')).toBeUndefined();
      expect(tf.getKernel(name, 'webgl')).toBeUndefined();
    }
  });

  test('130 units (each thread of a 128-thread workgroup takes units j and j + 128), forget bias 1.5, lengths: the kernel equals the reference, forward and all gradients', async () => {
    const V = 130;
    const x = tf.randomUniform([2, 3, 4 * V], -1, 1, 'float32', 11) as tf.Tensor3D;
    const c0 = tf.randomUniform([2, V], -1, 1, 'float32', 12) as tf.Tensor2D;
    const h0 = tf.randomUniform([2, V], -1, 1, 'float32', 13) as tf.Tensor2D;
    const w = [14, 15, 16, 17].map((seed) => tf.randomUniform([V, V], -0.1, 0.1, 'float32', seed));
    const masks = tf.tensor3d([1, 1, 1, 1, 0, 0], [2, 3, 1], 'bool');
    const weights = tf.tidy(() => tf.reshape(tf.linspace(-1, 1, 2 * 3 * V), [2, 3, V]));
    const run = (path: 'kernel' | 'reference') =>
      tf.grads((...a: tf.Tensor[]) => {
        const fused: FusedLstm = {
          kind: 'lstm',
          recurrent: a.slice(3) as unknown as FusedLstm['recurrent'],
          forgetBias: 1.5,
        };
        const state0 = [a[1] as tf.Tensor2D, a[2] as tf.Tensor2D];
        const { outputs, final } =
          path === 'kernel'
            ? fusedSequence(fused, a[0] as tf.Tensor3D, state0, masks)
            : unrollBatchMajor(
                (p, [c, h]) => lstmStep(p, c as tf.Tensor2D, h as tf.Tensor2D, fused),
                a[0] as tf.Tensor3D,
                [V, V, V, V],
                state0,
                masks,
              );
        // every output and both final states weigh differently
        return tf.addN([
          tf.sum(tf.mul(outputs, weights)),
          tf.sum(tf.square(final[0] as tf.Tensor)),
          tf.sum(tf.mul(final[1] as tf.Tensor, 0.5)),
        ]);
      })([x, c0, h0, ...w]);
    const mine = run('kernel');
    const theirs = run('reference');
    for (let i = 0; i < 7; i++)
      await expectTensorClose(mine[i] as tf.Tensor, theirs[i] as tf.Tensor, {
        rtol: 1e-4,
        atol: 1e-5,
        what: `gradient ${i}`,
      });
    tf.dispose([x, c0, h0, ...w, masks, weights, ...mine, ...theirs]);
  });

  /** The plain LSTM kernel's op at `steps` steps (batch 2). */
  const lstmAt = (steps: number): CountedSequence => {
    const x = tf.randomUniform([2, steps, 4 * U], -1, 1, 'float32', 1) as tf.Tensor3D;
    const s0 = tf.zeros([2, U]) as tf.Tensor2D;
    const w = [1, 2, 3, 4].map((seed) => tf.randomUniform([U, U], -1, 1, 'float32', seed));
    return {
      forward: () => {
        const { outputs, final } = fusedSequence(fusedLstm(w, []), x, [s0, s0], null);
        return [outputs, ...final];
      },
      inputs: [x, s0, ...w],
    };
  };

  if (backend.name === 'webgl')
    test('on webgl the time loop costs a third of stepping the cell or less, forward and backward', async () => {
      const kernel = fourMoreSteps(await sequencePrograms(lstmAt));
      const stepped = fourMoreSteps(await sequencePrograms(lstmAt, false));
      expect(kernel).toEqual(MEASURED_WEBGL_LSTM);
      expect(3 * (kernel[0] as number)).toBeLessThanOrEqual(stepped[0] as number);
      expect(3 * (kernel[1] as number)).toBeLessThanOrEqual(stepped[1] as number);
    });

  if (backend.name === 'webgpu')
    test('on webgpu the kernel is what runs: two programs forward (weights packed, then every step), whatever the number of steps', async () => {
      const counts = await sequencePrograms(lstmAt);
      expect(counts.map(([forward]) => forward)).toEqual([2, 2]);
    });

  test('leaks nothing: forward and backward leave the tensor count as they found it', async () => {
    const x = tf.randomUniform([B, T, 4 * U], -1, 1, 'float32', 7) as tf.Tensor3D;
    const s = tf.zeros([B, U]) as tf.Tensor2D;
    const w = [1, 2, 3, 4].map((seed) => tf.randomUniform([U, U], -1, 1, 'float32', seed));
    const ln = [0, 1, 2, 3, 4].map((): LayerNormTensors => ({ alpha: tf.ones([U]), beta: tf.zeros([U]) }));
    const masks = tf.tensor3d(MASK, [B, T, 1], 'bool');
    await expectNoLeaks(() => {
      const grads = tf.grads((...args: tf.Tensor[]) => {
        const fused = fusedLstm(
          args.slice(1),
          ln.flatMap((p) => [p.alpha, p.beta]),
        );
        const { outputs, final } = fusedSequence(fused, args[0] as tf.Tensor3D, [s, s], masks);
        return tf.add(tf.sum(outputs), tf.sum(final[1] as tf.Tensor));
      })([x, ...w]);
      expect(grads).toHaveLength(5);
      tf.dispose(grads);
    });
    tf.dispose([x, s, ...w, ...ln.flatMap((p) => [p.alpha, p.beta]), masks]);
  });

  const makers: Array<[string, typeof lstmCell]> = [
    ['lstmCell', lstmCell],
    ['layerNormLstmCell', layerNormLstmCell],
  ];
  test.each(makers)(
    "%s in rnn() with sequence lengths: the fused sequence gives the step path's outputs, final state and variable gradients",
    async (name, make) => {
      const cell = make({ inputSize: 3, units: U, seed: 5, name: `agree_${name}` });
      const stepOnly = { ...cell, fused: undefined }; // the same variables, unrolled step by step
      const x = tf.randomUniform([B, T, 3], -1, 1, 'float32', 9);
      const initialState = [
        tf.randomUniform([B, U], -1, 1, 'float32', 10),
        tf.randomUniform([B, U], -1, 1, 'float32', 11),
      ] as tf.Tensor2D[];
      const run = (c: typeof cell) => {
        const { value, grads } = tf.variableGrads(() => {
          const { outputs, finalState } = rnn(c, x, { initialState, sequenceLengths: LENGTHS });
          // weights make every output and state entry count differently
          const wOut = tf.reshape(tf.linspace(-1, 1, B * T * U), [B, T, U]);
          return tf.add(
            tf.sum(tf.mul(outputs, wOut)),
            tf.add(tf.sum(tf.square(finalState[0] as tf.Tensor)), tf.sum(tf.mul(finalState[1] as tf.Tensor, 0.5))),
          ) as tf.Scalar;
        }, cell.variables);
        return { value, grads: cell.variables.map((v) => grads[v.name] as tf.Tensor) };
      };
      const fast = run(cell);
      const slow = run(stepOnly);
      expect((await fast.value.data())[0]).toBeCloseTo((await slow.value.data())[0] as number, 4);
      for (const [k, g] of fast.grads.entries()) {
        const a = await g.data();
        const b = await (slow.grads[k] as tf.Tensor).data();
        const scale = Math.max(1, ...Array.from(b, Math.abs));
        a.forEach((v, i) => expect(Math.abs(v - (b[i] as number))).toBeLessThan(2e-4 * scale));
      }
      tf.dispose([x, ...initialState, fast.value, slow.value, ...fast.grads, ...slow.grads]);
      cell.dispose();
    },
  );
});

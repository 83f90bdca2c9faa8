import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, describeBackends, expect, randomInput, test, valuesOf } from '@gradkit/test-harness';
import {
  basicRnnCell,
  gruCell,
  layerNormGruCell,
  layerNormLstmCell,
  lstmCell,
  mixtureGruCell,
  type Cell,
} from './index';
import { add, cols, layerNormRef, matmul, mul, sig } from './reference.test-util';

const [N, I, U] = [3, 4, 5];

/** One step of the cell from raw inputs: project x, then step — the function under test. */
function stepOf(cell: Cell, states: number) {
  return (x: tf.Tensor, ...state: tf.Tensor[]) => {
    const { output, state: next } = cell.step(cell.project(x as tf.Tensor2D), state.slice(0, states) as tf.Tensor2D[]);
    return tf.concat([output, ...next], 1);
  };
}

async function weightsOf(cell: Cell): Promise<number[][]> {
  return Promise.all(cell.variables.map((v) => valuesOf(v)));
}

/** Checks a cell step (forward, and gradients for x and the state) against its float64 formula. */
async function checkCell(
  cell: Cell,
  reference: (w: number[][], x: number[], s: number[][]) => { output: number[]; state: number[][] },
) {
  const w = await weightsOf(cell);
  const states = cell.stateSizes.length;
  await checkGradients({
    f: stepOf(cell, states),
    reference: (x, ...s) => {
      const r = reference(w, x, s);
      const rows: number[] = [];
      for (let b = 0; b < N; b++) {
        rows.push(...r.output.slice(b * U, (b + 1) * U));
        for (const st of r.state) rows.push(...st.slice(b * U, (b + 1) * U));
      }
      return rows;
    },
    inputs: [
      randomInput([N, I], 1, -1.5, 1.5),
      ...cell.stateSizes.map((size, i) => randomInput([N, size], 2 + i, -1, 1)),
    ],
    forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
  });
  cell.dispose();
}

describeBackends('cells: one step against the float64 formula, gradients by finite differences', () => {
  test('basic RNN: s′ = tanh(x·W + s·U + b)', async () => {
    await checkCell(basicRnnCell({ inputSize: I, units: U, seed: 3 }), ([W, Us, b], x, [s]) => {
      const next = add(
        add(matmul(x, W as number[], N, I, U), matmul(s as number[], Us as number[], N, U, U)),
        b as number[],
        U,
      ).map(Math.tanh);
      return { output: next, state: [next] };
    });
  });

  test.each([true, false])('GRU (resetAfter %s), z·h + (1 − z)·c', async (resetAfter) => {
    await checkCell(gruCell({ inputSize: I, units: U, seed: 4, resetAfter, gateBias: 0.5 }), (w, x, [h]) => {
      const [K, Uz, Ur, Uh, b, bzr, bh] = w as number[][];
      const xp = add(matmul(x, K as number[], N, I, 3 * U), b as number[], 3 * U);
      const hs = h as number[];
      const pre = (g: number) => cols(xp, N, 3 * U, g * U, U);
      const rzBias = (g: number) =>
        resetAfter ? (bzr as number[]).slice(g * U, (g + 1) * U) : new Array<number>(U).fill(0);
      const z = add(add(pre(0), matmul(hs, Uz as number[], N, U, U)), rzBias(0), U).map(sig);
      const r = add(add(pre(1), matmul(hs, Ur as number[], N, U, U)), rzBias(1), U).map(sig);
      const c = resetAfter
        ? add(pre(2), mul(r, add(matmul(hs, Uh as number[], N, U, U), bh as number[], U))).map(Math.tanh)
        : add(pre(2), matmul(mul(r, hs), Uh as number[], N, U, U)).map(Math.tanh);
      const next = z.map((zv, i) => zv * (hs[i] as number) + (1 - zv) * (c[i] as number));
      return { output: next, state: [next] };
    });
  });

  test('LSTM: c′ = c·σ(f + 1) + σ(i)·tanh(j), h′ = tanh(c′)·σ(o)', async () => {
    await checkCell(lstmCell({ inputSize: I, units: U, seed: 5 }), (w, x, [c, h]) => {
      const [K, Ui, Uj, Uf, Uo, b] = w as number[][];
      const xp = add(matmul(x, K as number[], N, I, 4 * U), b as number[], 4 * U);
      const gate = (g: number, Ug: number[]) => add(cols(xp, N, 4 * U, g * U, U), matmul(h as number[], Ug, N, U, U));
      const [i, j, f, o] = [
        gate(0, Ui as number[]),
        gate(1, Uj as number[]),
        gate(2, Uf as number[]),
        gate(3, Uo as number[]),
      ];
      const cNext = (c as number[]).map(
        (cv, k) => cv * sig((f[k] as number) + 1) + sig(i[k] as number) * Math.tanh(j[k] as number),
      );
      const hNext = cNext.map((cv, k) => Math.tanh(cv) * sig(o[k] as number));
      return { output: hNext, state: [cNext, hNext] };
    });
  });

  test('layer-normalized LSTM (post 3): each gate normalized, no bias, c stored unnormalized', async () => {
    await checkCell(layerNormLstmCell({ inputSize: I, units: U, seed: 6 }), (w, x, [c, h]) => {
      const [K, Ui, Uj, Uf, Uo, ...ln] = w as number[][];
      const xp = matmul(x, K as number[], N, I, 4 * U);
      const norm = (v: number[], k: number) => layerNormRef(v, U, ln[2 * k] as number[], ln[2 * k + 1] as number[]);
      const gate = (g: number, Ug: number[]) =>
        norm(add(cols(xp, N, 4 * U, g * U, U), matmul(h as number[], Ug, N, U, U)), g);
      const [i, j, f, o] = [
        gate(0, Ui as number[]),
        gate(1, Uj as number[]),
        gate(2, Uf as number[]),
        gate(3, Uo as number[]),
      ];
      const cNext = (c as number[]).map(
        (cv, k) => cv * sig((f[k] as number) + 1) + sig(i[k] as number) * Math.tanh(j[k] as number),
      );
      const hNext = norm(cNext, 4).map((v, k) => Math.tanh(v) * sig(o[k] as number));
      return { output: hNext, state: [cNext, hNext] };
    });
  });

  test('layer-normalized GRU', async () => {
    await checkCell(layerNormGruCell({ inputSize: I, units: U, seed: 7 }), (w, x, [h]) => {
      const [K, Uz, Ur, Uh, ...ln] = w as number[][];
      const xp = matmul(x, K as number[], N, I, 3 * U);
      const hs = h as number[];
      const norm = (v: number[], k: number) => layerNormRef(v, U, ln[2 * k] as number[], ln[2 * k + 1] as number[]);
      const z = norm(add(cols(xp, N, 3 * U, 0, U), matmul(hs, Uz as number[], N, U, U)), 0).map(sig);
      const r = norm(add(cols(xp, N, 3 * U, U, U), matmul(hs, Ur as number[], N, U, U)), 1).map(sig);
      const c = add(norm(cols(xp, N, 3 * U, 2 * U, U), 2), mul(r, norm(matmul(hs, Uh as number[], N, U, U), 3))).map(
        Math.tanh,
      );
      const next = z.map((zv, i) => zv * (hs[i] as number) + (1 - zv) * (c[i] as number));
      return { output: next, state: [next] };
    });
  });

  test('mixture-of-transforms GRU (post 3): c = tanh(Σ λᵢ·x·Wᵢ + (r ⊙ h)·U + b)', async () => {
    const n = 3;
    await checkCell(mixtureGruCell({ inputSize: I, units: U, seed: 8, transforms: n }), (w, x, [h]) => {
      const [K, b, Uu, Ur, Uavg, Uc, bc] = w as number[][];
      const width = 2 * U + n * U + n;
      const xp = add(matmul(x, K as number[], N, I, width), b as number[], width);
      const hs = h as number[];
      const u = add(cols(xp, N, width, 0, U), matmul(hs, Uu as number[], N, U, U)).map(sig);
      const r = add(cols(xp, N, width, U, U), matmul(hs, Ur as number[], N, U, U)).map(sig);
      const logits = add(cols(xp, N, width, 2 * U + n * U, n), matmul(hs, Uavg as number[], N, U, n));
      const mixed: number[] = [];
      for (let row = 0; row < N; row++) {
        const l = logits.slice(row * n, (row + 1) * n);
        const e = l.map((v) => Math.exp(v - Math.max(...l)));
        const lambda = e.map((v) => v / e.reduce((a, c) => a + c, 0));
        for (let j = 0; j < U; j++)
          mixed.push(lambda.reduce((s, lv, i) => s + lv * (xp[row * width + 2 * U + i * U + j] as number), 0));
      }
      const c = add(add(mixed, matmul(mul(r, hs), Uc as number[], N, U, U)), bc as number[], U).map(Math.tanh);
      const next = u.map((uv, i) => uv * (hs[i] as number) + (1 - uv) * (c[i] as number));
      return { output: next, state: [next] };
    });
  });
});

describeBackends('cells: projectJoined is project without the split', () => {
  test.each([
    ['GRU (resetAfter true)', () => gruCell({ inputSize: I, units: U, seed: 4, gateBias: 0.5 })],
    ['GRU (resetAfter false)', () => gruCell({ inputSize: I, units: U, seed: 4, resetAfter: false, gateBias: 1 })],
    ['LSTM', () => lstmCell({ inputSize: I, units: U, seed: 4 })],
    ['layer-normalized LSTM', () => layerNormLstmCell({ inputSize: I, units: U, seed: 4 })],
  ])("%s: projectJoined(x) = concat(project(x), 1) and partWidths = the parts' widths", async (_, make) => {
    const cell = make();
    // give the biases nonzero values so that a bias left out of either form shows
    tf.tidy(() =>
      cell.variables.forEach((v, i) => v.rank === 1 && v.assign(tf.randomUniform(v.shape, -1, 1, 'float32', 20 + i))),
    );
    const x = tf.randomUniform([N, I], -1, 1, 'float32', 9) as tf.Tensor2D;
    const parts = cell.project(x);
    const split = tf.concat(parts, 1);
    const joined = (cell.projectJoined as (x: tf.Tensor2D) => tf.Tensor2D)(x);
    expect(cell.partWidths).toEqual(parts.map((p) => p.shape[1]));
    expect(joined.shape).toEqual(split.shape);
    expect(await valuesOf(joined)).toEqual(await valuesOf(split));
    tf.dispose([x, ...parts, split, joined]);
    cell.dispose();
  });
});

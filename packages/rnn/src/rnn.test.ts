import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  describeBackends,
  expect,
  expectNoLeaks,
  expectValuesClose,
  randomInput,
  takeValues,
  test,
  uniformValues,
  valuesOf,
} from '@gradkit/test-harness';
import { gruCell, lstmCell, rnn, stackedRnn, type Cell } from './index';
import { add, matmul } from './reference.test-util';

const [B, T, F, U] = [3, 5, 2, 4];

describeBackends('rnn', () => {
  test('unrolled basic-RNN outputs and gradients match a float64 loop (finite differences)', async () => {
    const cell = gruCell({ inputSize: F, units: U, seed: 2 });
    const w = await Promise.all(cell.variables.map((v) => valuesOf(v)));
    // reference: the same GRU recurrence in plain numbers (reset after)
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    await checkGradients({
      f: (x) => rnn(cell, x).outputs,
      reference: (x) => {
        const [K, Uz, Ur, Uh, b, bzr, bh] = w as number[][];
        let h = new Array<number>(B * U).fill(0);
        const out = new Array<number>(B * T * U);
        for (let t = 0; t < T; t++) {
          const xt: number[] = [];
          for (let bi = 0; bi < B; bi++) xt.push(...x.slice((bi * T + t) * F, (bi * T + t + 1) * F));
          const xp = add(matmul(xt, K as number[], B, F, 3 * U), b as number[], 3 * U);
          const next: number[] = [];
          const hz = matmul(h, Uz as number[], B, U, U),
            hr = matmul(h, Ur as number[], B, U, U),
            hh = matmul(h, Uh as number[], B, U, U);
          for (let bi = 0; bi < B; bi++)
            for (let j = 0; j < U; j++) {
              const k = bi * U + j,
                p = bi * 3 * U;
              const z = sig((xp[p + j] as number) + (hz[k] as number) + ((bzr as number[])[j] as number));
              const r = sig((xp[p + U + j] as number) + (hr[k] as number) + ((bzr as number[])[U + j] as number));
              const c = Math.tanh(
                (xp[p + 2 * U + j] as number) + r * ((hh[k] as number) + ((bh as number[])[j] as number)),
              );
              next.push(z * (h[k] as number) + (1 - z) * c);
            }
          h = next;
          for (let bi = 0; bi < B; bi++)
            for (let j = 0; j < U; j++) out[(bi * T + t) * U + j] = h[bi * U + j] as number;
        }
        return out;
      },
      inputs: [randomInput([B, T, F], 1, -1, 1)],
      forwardTolerance: { rtol: 1e-4, atol: 1e-5 },
    });
    cell.dispose();
  });

  test.each(['lstm', 'gru'])(
    'sequenceLengths (%s): final state = each example run alone to its length; outputs past it are exactly 0, with zero gradient',
    async (kind) => {
      const cell =
        kind === 'lstm' ? lstmCell({ inputSize: F, units: U, seed: 3 }) : gruCell({ inputSize: F, units: U, seed: 3 });
      const lengths = [5, 2, 0];
      const xv = uniformValues(B * T * F, 4, -1, 1);
      const x = tf.tensor3d(xv, [B, T, F]);
      const { outputs, finalState } = rnn(cell, x, { sequenceLengths: lengths });
      const out = await valuesOf(outputs);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const row = out.slice((b * T + t) * U, (b * T + t + 1) * U);
          if (t >= (lengths[b] as number)) expect(row.every((v) => v === 0)).toBe(true);
        }
        const len = lengths[b] as number;
        const xb = len === 0 ? null : tf.slice(x, [b, 0, 0], [1, len, F]);
        const alone = xb == null ? null : rnn(cell, xb);
        for (let s = 0; s < cell.stateSizes.length; s++) {
          const got = (await valuesOf(finalState[s] as tf.Tensor)).slice(b * U, (b + 1) * U);
          const want = alone ? await valuesOf(alone.finalState[s] as tf.Tensor) : new Array<number>(U).fill(0);
          expectValuesClose(got, want, { rtol: 1e-5, atol: 1e-6, what: `example ${b}, state ${s}` });
        }
        if (alone) tf.dispose([xb as tf.Tensor, alone.outputs, ...alone.finalState]);
      }
      // inputs past an example's length get no gradient
      const g = tf.grad((v: tf.Tensor) =>
        tf.tidy(() => {
          const r = rnn(cell, v, { sequenceLengths: lengths });
          return tf.add(tf.sum(r.outputs), tf.sum(r.finalState.at(-1) as tf.Tensor));
        }),
      )(x);
      const gv = await valuesOf(g);
      for (let b = 0; b < B; b++)
        for (let t = lengths[b] as number; t < T; t++)
          expect(gv.slice((b * T + t) * F, (b * T + t + 1) * F)).toEqual([0, 0]);
      tf.dispose([x, outputs, ...finalState, g]);
      cell.dispose();
    },
  );

  test('a stack of two GRUs: dropout only in training; keep 1 is the plain stack', async () => {
    const cells: Cell[] = [gruCell({ inputSize: F, units: U, seed: 5 }), gruCell({ inputSize: U, units: U, seed: 6 })];
    const x = tf.tensor3d(uniformValues(B * T * F, 7, -1, 1), [B, T, F]);
    const run = (dropout?: { keep: number; training: boolean; seed: number; variational?: boolean }) =>
      tf.tidy(() => stackedRnn(cells, x, dropout ? { dropout } : {}).outputs);
    const plain = await takeValues(run());
    expect(await takeValues(run({ keep: 1, training: true, seed: 1 }))).toEqual(plain);
    expect(await takeValues(run({ keep: 0.5, training: false, seed: 1 }))).toEqual(plain);
    expect(await takeValues(run({ keep: 0.5, training: true, seed: 1, variational: true }))).not.toEqual(plain);
    tf.dispose(x);
    cells.forEach((c) => c.dispose());
  });

  test('200 training steps with carried (detached) state leak nothing (a leak of one tensor per step shows as 200)', async () => {
    const cell = gruCell({ inputSize: F, units: U, seed: 8 });
    const head = tf.tidy(() => tf.variable(tf.randomNormal([U, 1], 0, 0.5, 'float32', 9)));
    const adam = tf.train.adam(0.01);
    const x = tf.tensor3d(uniformValues(B * T * F, 10, -1, 1), [B, T, F]);
    let state: tf.Tensor2D[] = [tf.zeros([B, U])];
    // one warm-up step creates the optimizer's slots
    const stepOnce = () => {
      let next: tf.Tensor2D[] = [];
      const loss = adam.minimize(
        () => {
          const r = rnn(cell, x, { initialState: state });
          next = r.finalState.map((s) => tf.keep(s));
          return tf.mean(tf.square(tf.matMul(tf.reshape(r.outputs, [B * T, U]), head as tf.Tensor2D))) as tf.Scalar;
        },
        true,
        [...cell.variables, head],
      );
      tf.dispose([loss as tf.Scalar, ...state]);
      state = next;
    };
    stepOnce();
    await expectNoLeaks(() => {
      for (let i = 0; i < 200; i++) stepOnce();
    }, '200 steps');
    tf.dispose([x, head, ...state]);
    adam.dispose();
    cell.dispose();
  });

  test('bad input is a one-line error', () => {
    const cell = gruCell({ inputSize: F, units: U });
    const x = tf.zeros([B, T, F]);
    expect(() => rnn(cell, x, { sequenceLengths: [1, 9, 2] })).toThrow(
      'rnn: sequenceLengths[1] = 9 is outside 0..5 (the time dimension)',
    );
    const bad = tf.zeros([B, T, 7]);
    expect(() => rnn(cell, bad)).toThrow('rnn: inputs have 7 features, cell "gru" expects 2');
    expect(() => rnn(cell, x, { initialState: [undefined as never] })).toThrow(
      'rnn: initialState is an array holding undefined, expected a tensor or an array of [batch, size] tensors, one per state component',
    );
    tf.dispose([x, bad]);
    cell.dispose();
  });
});

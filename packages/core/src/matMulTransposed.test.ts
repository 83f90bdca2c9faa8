import * as tf from '@tensorflow/tfjs-core';
import {
  afterEach,
  checkGradients,
  describeBackends,
  expect,
  expectValuesClose,
  randomInput,
  test,
  takeValues,
} from '@gradkit/test-harness';
import { dense, matMulTransposed, setTransposeStrategy, transposeStrategy } from './index';

/** Plain-number product of row-major matrices with optional transposes (the oracle). */
function matMulRef(
  a: number[],
  [ar, ac]: number[],
  b: number[],
  [br, bc]: number[],
  ta: boolean,
  tb: boolean,
): number[] {
  const at = (i: number, k: number) =>
    ta ? (a[k * (ac as number) + i] as number) : (a[i * (ac as number) + k] as number);
  const bt = (k: number, j: number) =>
    tb ? (b[j * (bc as number) + k] as number) : (b[k * (bc as number) + j] as number);
  const [n, kk] = ta ? [ac as number, ar as number] : [ar as number, ac as number];
  const m = tb ? (br as number) : (bc as number);
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < kk; k++) s += at(i, k) * bt(k, j);
      out.push(s);
    }
  return out;
}

async function takeValuesAll(ts: tf.Tensor[]): Promise<number[][]> {
  return Promise.all(ts.map((t) => takeValues(t)));
}

const FLAGS: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describeBackends('matMulTransposed and the BatchMatMul gradient', (backend) => {
  afterEach(() => {
    setTransposeStrategy(backend.name, backend.name === 'wasm' || backend.name === 'cpu' ? 'explicit' : 'flags');
  });

  test.each(['flags', 'explicit'] as const)(
    '%s: forward and gradients of every transpose combination match finite differences',
    async (strategy) => {
      setTransposeStrategy(backend.name, strategy);
      expect(transposeStrategy()).toBe(strategy);
      for (const [ta, tb] of FLAGS) {
        const aShape = ta ? [4, 3] : [3, 4];
        const bShape = tb ? [5, 4] : [4, 5];
        await checkGradients({
          f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb),
          reference: (a, b) => matMulRef(a, aShape, b, bShape, ta, tb),
          inputs: [randomInput(aShape, 1), randomInput(bShape, 2)],
        });
        const [a, b] = [
          tf.tensor(randomInput(aShape, 3).values, aShape),
          tf.tensor(randomInput(bShape, 4).values, bShape),
        ];
        const want = matMulRef(Array.from(await a.data()), aShape, Array.from(await b.data()), bShape, ta, tb);
        expectValuesClose(await takeValues(tf.tidy(() => matMulTransposed(a, b, ta, tb))), want, {
          what: `matMulTransposed(${ta}, ${tb})`,
        });
        tf.dispose([a, b]);
      }
    },
  );

  test('batched (rank 3) products differentiate with the explicit strategy', async () => {
    setTransposeStrategy(backend.name, 'explicit');
    await checkGradients({
      f: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true),
      reference: (a, b) =>
        [0, 1].flatMap((n) =>
          matMulRef(a.slice(n * 6, n * 6 + 6), [2, 3], b.slice(n * 12, n * 12 + 12), [4, 3], false, true),
        ),
      inputs: [randomInput([2, 2, 3], 5), randomInput([2, 4, 3], 6)],
    });
  });

  test('the explicit strategy and dense() give the stock tfjs gradients (matMul with transpose flags, add, activation)', async () => {
    const x = tf.tensor2d(randomInput([6, 5], 11).values, [6, 5]);
    const w = tf.tensor2d(randomInput([5, 3], 12).values, [5, 3]);
    const b = tf.tensor1d(randomInput([3], 13).values);
    const dy = tf.tensor2d(randomInput([6, 3], 14).values, [6, 3]);
    const gradsOf = (f: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
      takeValuesAll(tf.tidy(() => tf.grads(f)([x, w, b], dy)));
    // stock: tfjs's own BatchMatMul gradient (matMul with transpose flags), the path the 'flags' strategy keeps
    setTransposeStrategy(backend.name, 'flags');
    const stock = await gradsOf((xx, ww, bb) =>
      tf.sigmoid(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)),
    );
    setTransposeStrategy(backend.name, 'explicit');
    const explicit = await gradsOf((xx, ww, bb) =>
      tf.sigmoid(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)),
    );
    const fused = await gradsOf((xx, ww, bb) => dense(xx, ww, bb, 'sigmoid'));
    stock.forEach((g, i) => {
      expectValuesClose(explicit[i] as number[], g, { what: `explicit strategy, gradient ${i}` });
      expectValuesClose(fused[i] as number[], g, { what: `dense, gradient ${i}` });
    });
    tf.dispose([x, w, b, dy]);
  });

  test.each(['linear', 'relu', 'sigmoid'] as const)(
    'dense(x, w, b, %s): one fused kernel forward, gradients match finite differences',
    async (activation) => {
      const act = {
        linear: (v: number) => v,
        relu: (v: number) => Math.max(0, v),
        sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
      }[activation];
      await checkGradients({
        f: (x, w, b) => dense(x, w, b, activation),
        reference: (x, w, b) =>
          matMulRef(x, [3, 4], w, [4, 2], false, false).map((v, i) => act(v + (b[i % 2] as number))),
        inputs: [randomInput([3, 4], 7), randomInput([4, 2], 8), randomInput([2], 9, 0.1, 0.5)],
      });
      const x = tf.ones([2, 3]);
      const w = tf.ones([4, 2]);
      expect(() => dense(x, w)).toThrow('dense: x has shape [2,3] and w [4,2]; expected [batch, in] and [in, out]');
      expect(await takeValues(tf.tidy(() => dense(tf.ones([2, 4]), w)))).toEqual([4, 4, 4, 4]);
      tf.dispose([x, w]);
    },
  );
  test('setTransposeStrategy returns the previous strategy and refuses unknown ones', () => {
    const name = tf.getBackend();
    setTransposeStrategy(name, 'flags');
    expect(setTransposeStrategy(name, 'flags')).toBe('flags');
    expect(transposeStrategy(name)).toBe('flags');
    expect(setTransposeStrategy(name, 'explicit')).toBe('flags');
    expect(transposeStrategy(name)).toBe('explicit');
    expect(setTransposeStrategy(name, 'explicit')).toBe('explicit');
    expect(transposeStrategy(name)).toBe('explicit');
    expect(setTransposeStrategy(name, 'flags')).toBe('explicit');
    expect(transposeStrategy(name)).toBe('flags');
    expect(() => setTransposeStrategy(name, 'fast' as never)).toThrow(
      "setTransposeStrategy: strategy is string \"fast\", expected 'flags' or 'explicit'",
    );
    expect(transposeStrategy(name)).toBe('flags');
  });

  test('the explicit strategy runs its kernel for transposed float32 products only', async () => {
    setTransposeStrategy(tf.getBackend(), 'explicit');
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const b = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2]);
    const kernelsOf = async (f: () => tf.Tensor) => {
      const info = await tf.profile(f);
      tf.dispose(info.result as tf.Tensor);
      return info.kernelNames;
    };
    expect(await kernelsOf(() => matMulTransposed(a, b, true, false))).toEqual(['GradkitMatMulTransposed']);
    expect(await kernelsOf(() => matMulTransposed(a, b, false, true))).toEqual(['GradkitMatMulTransposed']);
    expect(await kernelsOf(() => tf.tidy(() => matMulTransposed(a, tf.transpose(b))))).not.toContain(
      'GradkitMatMulTransposed',
    );
    // int32 operands (e.g. one-hot rows): tfjs's matMul, which casts them; aᵀ·onehot picks and sums a's rows
    const onehot = tf.tensor2d([1, 0, 0, 1, 1, 0], [3, 2], 'int32');
    expect(await kernelsOf(() => matMulTransposed(a, onehot, true, false))).not.toContain('GradkitMatMulTransposed');
    expect(await kernelsOf(() => matMulTransposed(onehot, a, true, false))).not.toContain('GradkitMatMulTransposed');
    const picked = matMulTransposed(a, onehot, true, false);
    // aᵀ = [[1,3,5],[2,4,6]]; columns of onehot select rows {0, 2} and {1}
    expect(await takeValues(picked)).toEqual([1 + 5, 3, 2 + 6, 4]);
    tf.dispose([a, b, onehot, picked]);
  });
});

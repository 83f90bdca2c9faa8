import * as tf from '@tensorflow/tfjs-core';
import {
  checkGradients,
  describeBackends,
  disposeFailedGradientTape,
  expect,
  expectNoLeaks,
  expectTensorClose,
  randomInput,
  test,
  variableOf,
} from '@gradkit/test-harness';
import { customGradient } from './index';

// y = x·w and z = x + w, elementwise, in one node with the product rule written by hand.
const productAndSum = customGradient((x: tf.Tensor, w: tf.Tensor) => ({
  value: [tf.mul(x, w), tf.add(x, w)],
  save: [x, w],
  gradient: ([dy, dz]: tf.Tensor[], [xs, ws]: tf.Tensor[]) => [
    tf.add(tf.mul(dy as tf.Tensor, ws as tf.Tensor), dz as tf.Tensor),
    tf.add(tf.mul(dy as tf.Tensor, xs as tf.Tensor), dz as tf.Tensor),
  ],
}));

// Forward x², backward returns null for the second input (a constant offset).
const squarePlusConstant = customGradient((x: tf.Tensor, c: tf.Tensor) => ({
  value: tf.add(tf.square(x), c),
  save: [x],
  gradient: (dy: tf.Tensor, [xs]: tf.Tensor[]) => [tf.mul(dy, tf.mul(xs as tf.Tensor, 2)), null],
}));

describeBackends('customGradient', () => {
  test('two outputs: values and gradients match finite differences of the float64 reference', async () => {
    await checkGradients({
      f: (x, w) => {
        const [y, z] = productAndSum(x, w);
        return tf.concat([tf.reshape(y as tf.Tensor, [-1]), tf.reshape(z as tf.Tensor, [-1])]);
      },
      reference: (x, w) => [...x.map((v, i) => v * (w[i] as number)), ...x.map((v, i) => v + (w[i] as number))],
      inputs: [randomInput([2, 3], 1), randomInput([2, 3], 2)],
    });
  });

  test('an output that does not reach the loss gets a zero upstream gradient', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const w = tf.tensor1d([4, 5, 6]);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum((productAndSum(a, b) as tf.Tensor[])[0] as tf.Tensor),
    )([x, w]);
    // only y = x·w reaches the loss: ∂/∂x = w, ∂/∂w = x
    await expectTensorClose(gx as tf.Tensor, [4, 5, 6]);
    await expectTensorClose(gw as tf.Tensor, [1, 2, 3]);
    tf.dispose([x, w, gx as tf.Tensor, gw as tf.Tensor]);
  });

  test('null gradient is treated as zero', async () => {
    const x = tf.tensor1d([1, -2, 3]);
    const c = tf.tensor1d([10, 10, 10]);
    const [gx, gc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(squarePlusConstant(a, b)))([x, c]);
    await expectTensorClose(gx as tf.Tensor, [2, -4, 6]);
    await expectTensorClose(gc as tf.Tensor, [0, 0, 0], { rtol: 0, atol: 0 });
    tf.dispose([x, c, gx as tf.Tensor, gc as tf.Tensor]);
  });

  test("a null gradient for a broadcast input (a bias [C] under an [N, C] output) has the input's shape", async () => {
    const x = tf.tensor2d([1, -2, 3, 0.5, 4, -1], [2, 3]);
    const bias = tf.tensor1d([10, 20, 30]);
    const [gx, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(squarePlusConstant(a, b)))([x, bias]);
    expect((gb as tf.Tensor).shape).toEqual([3]);
    await expectTensorClose(gb as tf.Tensor, [0, 0, 0], { rtol: 0, atol: 0 });
    await expectTensorClose(gx as tf.Tensor, [2, -4, 6, 1, 8, -2]);
    tf.dispose([x, bias, gx as tf.Tensor, gb as tf.Tensor]);
  });

  test('inside an optimizer step: variables passed as inputs are trained', async () => {
    const w = variableOf([0.5, -1, 2]);
    const x = tf.tensor1d([1, 2, 3]);
    const sgd = tf.train.sgd(0.1);
    await expectNoLeaks(() => {
      sgd.minimize(() => tf.sum((productAndSum(x, w) as tf.Tensor[])[0] as tf.Tensor));
    }, 'minimize');
    // ∂/∂w Σ x·w = x: w ← w − 0.1·x
    await expectTensorClose(w, [0.4, -1.2, 1.7]);
    sgd.dispose();
    tf.dispose([w, x]);
  });

  test('saved tensors are freed whether or not a gradient is recorded', async () => {
    const x = tf.tensor1d([1, 2]);
    const w = tf.tensor1d([3, 4]);
    await expectNoLeaks(() => tf.dispose(productAndSum(x, w)), 'forward only');
    await expectNoLeaks(
      () => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(squarePlusConstant(a, b)))([x, w])),
      'forward and backward',
    );
    tf.dispose([x, w]);
  });

  test('returning an input as the value is allowed (it is copied)', async () => {
    const identity = customGradient((x: tf.Tensor) => ({ value: x, gradient: (dy: tf.Tensor) => tf.mul(dy, 3) }));
    const x = tf.tensor1d([1, 2]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(identity(a)))(x);
    await expectTensorClose(g, [3, 3]);
    tf.dispose([x, g]);
  });

  test('a wrong number of gradients is a one-line error', () => {
    const bad = customGradient((x: tf.Tensor, y: tf.Tensor) => ({
      value: tf.add(x, y),
      gradient: (dy: tf.Tensor) => [dy],
    }));
    const x = tf.scalar(1);
    expect(() => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => bad(a, b))([x, x]))).toThrow(
      'customGradient: gradient returned 1 gradient(s) for 2 input(s)',
    );
    disposeFailedGradientTape();
    x.dispose();
  });

  test('a gradient of the wrong shape is a one-line error', () => {
    const bad = customGradient((x: tf.Tensor) => ({ value: tf.mul(x, 2), gradient: () => tf.zeros([5]) }));
    const x = tf.tensor1d([1, 2]);
    expect(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(bad(a)))(x))).toThrow(
      'customGradient: gradient 0 has shape [5], expected [2] (the shape of input 0)',
    );
    disposeFailedGradientTape();
    x.dispose();
  });

  test('non-tensor inputs and bad results are rejected', () => {
    const f = customGradient((x: tf.Tensor) => ({ value: x, gradient: (dy: tf.Tensor) => dy }));
    expect(() => f([1, 2] as unknown as tf.Tensor)).toThrow(
      'customGradient: input 0 is array of length 2, expected a tf.Tensor',
    );
    const noGradient = customGradient((x: tf.Tensor) => ({ value: x }) as never);
    const x = tf.scalar(1);
    expect(() => noGradient(x)).toThrow('customGradient: f returned gradient = undefined, expected a function');
    x.dispose();
  });
  test('a value listed as a one-tensor list gets its upstream gradient as a one-tensor list', async () => {
    const listed = customGradient((x: tf.Tensor) => ({
      value: [tf.mul(x, 3)],
      gradient: (dys: tf.Tensor[]) => {
        expect(Array.isArray(dys)).toBe(true);
        return tf.mul(dys[0] as tf.Tensor, 3);
      },
    }));
    const x = tf.tensor1d([1, -2]);
    const g = tf.grad((a: tf.Tensor) => tf.sum((listed(a) as tf.Tensor[])[0] as tf.Tensor))(x);
    await expectTensorClose(g, [3, 3]);
    tf.dispose([x, g]);
  });

  test('one tensor returned as two outputs: each output is its own tensor and gets its own gradient', async () => {
    // y₁ = y₂ = 2x; L = Σ y₁ + 3·Σ y₂: ∂L/∂x = 2·1 + 2·3 = 8
    const twice = customGradient((x: tf.Tensor) => {
      const y = tf.mul(x, 2);
      return {
        value: [y, y],
        gradient: ([d1, d2]: tf.Tensor[]) => tf.mul(tf.add(d1 as tf.Tensor, d2 as tf.Tensor), 2),
      };
    });
    const x = tf.tensor1d([1, 5]);
    const [y1, y2] = twice(x) as tf.Tensor[];
    expect(y1).not.toBe(y2);
    const g = tf.grad((a: tf.Tensor) => {
      const [o1, o2] = twice(a) as tf.Tensor[];
      return tf.add(tf.sum(o1 as tf.Tensor), tf.mul(tf.sum(o2 as tf.Tensor), 3));
    })(x);
    await expectTensorClose(g, [8, 8]);
    tf.dispose([x, y1 as tf.Tensor, y2 as tf.Tensor, g]);
  });

  test('a function entry is called only for an input on the gradient path', async () => {
    let calls = 0;
    const scaled = customGradient((x: tf.Tensor, c: tf.Tensor) => ({
      value: tf.mul(x, c),
      save: [x, c],
      gradient: (dy: tf.Tensor, [xs, cs]: tf.Tensor[]) => [
        () => tf.mul(dy, cs as tf.Tensor),
        () => {
          calls++;
          return tf.mul(dy, xs as tf.Tensor);
        },
      ],
    }));
    const x = tf.tensor1d([1, 2]);
    const c = tf.tensor1d([4, -1]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(scaled(a, c)))(x);
    await expectTensorClose(g, [4, -1]);
    expect(calls).toBe(0);
    tf.dispose([x, c, g]);
  });

  test('an int32 gradient is cast to float32', async () => {
    const f = customGradient((x: tf.Tensor) => ({
      value: tf.mul(x, 2),
      gradient: () => tf.tensor1d([2, 2], 'int32'),
    }));
    const x = tf.tensor1d([0.5, 1.5]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(f(a)))(x);
    expect(g.dtype).toBe('float32');
    await expectTensorClose(g, [2, 2], { rtol: 0, atol: 0 });
    tf.dispose([x, g]);
  });

  test('a gradient that is the upstream tensor itself stays valid when the caller disposes the upstream', async () => {
    const identity = customGradient((x: tf.Tensor) => ({ value: tf.clone(x), gradient: (dy: tf.Tensor) => dy }));
    const x = tf.tensor1d([1, 2]);
    const dy = tf.tensor1d([0.5, -3]);
    const g = tf.grad((a: tf.Tensor) => identity(a))(x, dy);
    dy.dispose();
    await expectTensorClose(g, [0.5, -3], { rtol: 0, atol: 0 });
    tf.dispose([x, g]);
  });

  test('with several outputs, a gradient that is one of the upstream tensors is copied as well', async () => {
    // two inputs passed through as two outputs: the backward hands each upstream gradient to its input
    const pair = customGradient((a: tf.Tensor, b: tf.Tensor) => ({
      value: [tf.clone(a), tf.clone(b)],
      gradient: ([da, db]: tf.Tensor[]) => [da as tf.Tensor, db as tf.Tensor],
    }));
    const x = tf.tensor1d([1, 2]);
    const c = tf.tensor1d([3, 4]);
    const dy = tf.tensor1d([-1, 0.5]);
    const [gx, gc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => (pair(a, b) as tf.Tensor[])[0] as tf.Tensor)([x, c], dy);
    dy.dispose();
    await expectTensorClose(gx as tf.Tensor, [-1, 0.5], { rtol: 0, atol: 0 });
    await expectTensorClose(gc as tf.Tensor, [0, 0], { rtol: 0, atol: 0 });
    tf.dispose([x, c, gx as tf.Tensor, gc as tf.Tensor]);
  });

  test('a gradient that is a saved tensor itself survives the release of the saved tensors', async () => {
    // ½x² with the backward x·dy written as the saved x (L = Σ ½x², so dy = 1)
    const halfSquare = customGradient((x: tf.Tensor) => ({
      value: tf.mul(tf.square(x), 0.5),
      save: [x],
      gradient: (_dy: tf.Tensor, [xs]: tf.Tensor[]) => xs as tf.Tensor,
    }));
    const x = tf.tensor1d([3, -0.5]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(halfSquare(a)))(x);
    await expectTensorClose(g, [3, -0.5], { rtol: 0, atol: 0 });
    tf.dispose([x, g]);
  });

  test('one tensor returned as the gradient of two inputs is owned once per input', async () => {
    // s = a + b with the backward [dy, dy], after a·3 and b·5 on the tape: ∂L/∂a = 3 + 2, ∂L/∂b = 5 + 2
    const add = customGradient((a: tf.Tensor, b: tf.Tensor) => {
      const dyOf = (dy: tf.Tensor) => [dy, dy];
      return { value: tf.add(a, b), gradient: (dy: tf.Tensor) => dyOf(tf.mul(dy, 1)) };
    });
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([3, 4]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.add(tf.add(tf.sum(tf.mul(x, 3)), tf.sum(tf.mul(y, 5))), tf.mul(tf.sum(add(x, y)), 2)),
    )([a, b]);
    await expectTensorClose(ga as tf.Tensor, [5, 5]);
    await expectTensorClose(gb as tf.Tensor, [7, 7]);
    tf.dispose([a, b, ga as tf.Tensor, gb as tf.Tensor]);
  });

  test('bad functions and results are one-line errors naming the value', () => {
    expect(() => customGradient(3 as never)).toThrow('customGradient: f is number 3, expected a function');
    const x = tf.tensor1d([1, 2]);
    const returning = (r: unknown) => customGradient((..._xs: tf.Tensor[]) => r as never);
    expect(() => returning(null)(x)).toThrow('customGradient: f returned null, expected { value, gradient, save? }');
    expect(() => returning(5)(x)).toThrow('customGradient: f returned number 5, expected { value, gradient, save? }');
    const gradient = (dy: tf.Tensor) => dy;
    expect(() => returning({ value: [], gradient })(x)).toThrow(
      'customGradient: f returned value = [], expected at least one tensor',
    );
    expect(() => returning({ value: 1, gradient })(x)).toThrow(
      'customGradient: value is number 1, expected a tf.Tensor',
    );
    expect(() => tf.tidy(() => returning({ value: [tf.clone(x), 'y'], gradient })(x))).toThrow(
      'customGradient: value[1] is string "y", expected a tf.Tensor',
    );
    expect(() => tf.tidy(() => returning({ value: tf.clone(x), save: x, gradient })(x))).toThrow(
      'customGradient: save is Tensor float32 [2], expected an array of tensors',
    );
    expect(() => tf.tidy(() => returning({ value: tf.clone(x), save: [x, 7], gradient })(x))).toThrow(
      'customGradient: save[1] is number 7, expected a tf.Tensor',
    );
    expect(() =>
      tf.tidy(() => customGradient((a: tf.Tensor, _b: tf.Tensor) => ({ value: tf.clone(a), gradient }))(x, 2 as never)),
    ).toThrow('customGradient: input 1 is number 2, expected a tf.Tensor');
    x.dispose();
  });

  test('a backward returning a non-tensor is a one-line error', () => {
    const bad = customGradient((x: tf.Tensor) => ({ value: tf.mul(x, 2), gradient: () => [1 as never] }));
    const x = tf.tensor1d([1, 2]);
    expect(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(bad(a)))(x))).toThrow(
      'customGradient: gradient 0 is number 1, expected a tf.Tensor',
    );
    disposeFailedGradientTape();
    x.dispose();
  });
});

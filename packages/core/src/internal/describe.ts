import { Tensor } from '@tensorflow/tfjs-core';

/** A short description of any value for error messages: `Tensor float32 [2,3]`, `number 3`, `undefined`. */
export function describeValue(value: unknown): string {
  if (value instanceof Tensor) return `Tensor ${value.dtype} [${value.shape.join(',')}]`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return `${typeof value} ${JSON.stringify(value)}`;
  return typeof value;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Throws a one-line error unless `value` is a tensor. */
export function assertTensor(value: unknown, what: string, fn: string): asserts value is Tensor {
  if (!(value instanceof Tensor))
    throw new TypeError(`${fn}: ${what} is ${describeValue(value)}, expected a tf.Tensor`);
  if (value.isDisposed) throw new Error(`${fn}: ${what} (${describeValue(value)}) is disposed`);
}

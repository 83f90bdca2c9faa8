import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../src/idx';

/**
 * Writes a tiny, easy MNIST-format dataset: class k lights up the k-th band of rows of a `side`×`side` image (28 by
 * default; plus noise from `seed`), so a small MLP separates the classes in a few dozen steps.
 */
export function writeTinyDataset(
  dir: string,
  { train = 1200, test = 200, gzip = false, side = 28, seed: start = 12345 } = {},
): string {
  mkdirSync(dir, { recursive: true });
  let seed = start;
  const pixels = side * side;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const make = (count: number) => {
    const images = new Uint8Array(count * pixels);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const label = i % 10;
      labels[i] = label;
      for (let p = 0; p < pixels; p++) {
        const row = Math.floor(p / side);
        const lit = row >= label * 2 + 4 && row < label * 2 + 6;
        images[i * pixels + p] = lit ? 200 + Math.floor(rand() * 55) : Math.floor(rand() * 40);
      }
    }
    return { images, labels };
  };
  const write = (name: string, bytes: Uint8Array) =>
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  for (const [prefix, count] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    const { images, labels } = make(count);
    write(`${prefix}-images-idx3-ubyte`, encodeIdx('ubyte', [count, side, side], images));
    write(`${prefix}-labels-idx1-ubyte`, encodeIdx('ubyte', [count], labels));
  }
  return dir;
}

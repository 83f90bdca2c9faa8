// An MNIST-format dataset from its four parsed IDX files, without Node: shared by the bench (mnist.ts reads the files
// from disk) and by the browser (apps/playground fetches them from its own origin).
import { IdxFormatError, type IdxArray } from './idxFormat';

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

/** The four files of an MNIST-format dataset (each may also be gzipped: the name plus `.gz`). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** A split whose images are scaled to [0, 1], with its image size. */
export type ParsedSplit = Split & { features: number; imageShape: [number, number] };

/**
 * One split from its parsed images ([count, rows, cols] ubyte) and labels ([count] ubyte, each < `classes`); the
 * file names are for the error messages ({@link IdxFormatError}, naming the file and what was expected).
 */
export function splitFromIdx(
  images: IdxArray,
  labels: IdxArray,
  imagesFile: string,
  labelsFile: string,
  classes: number,
): ParsedSplit {
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
 * The dataset from its full training split and its test split: the first 5,000 training examples (1/12 of fewer
 * than 10,000) are the validation set, the rest the training set. `source` names where the files came from.
 */
export function datasetFromSplits(source: string, trainFull: ParsedSplit, test: ParsedSplit, classes: number): Dataset {
  if (test.imageShape[0] !== trainFull.imageShape[0] || test.imageShape[1] !== trainFull.imageShape[1]) {
    throw new IdxFormatError(
      `${source}: test images are ${test.imageShape.join('×')}, training images ${trainFull.imageShape.join('×')}; expected the same image size`,
    );
  }
  const features = trainFull.features;
  const validationCount = trainFull.count >= 10_000 ? 5_000 : Math.floor(trainFull.count / 12);
  return {
    source,
    imageShape: trainFull.imageShape,
    features,
    classes,
    train: slice(trainFull, features, validationCount, trainFull.count),
    validation: slice(trainFull, features, 0, validationCount),
    trainFull,
    test,
  };
}

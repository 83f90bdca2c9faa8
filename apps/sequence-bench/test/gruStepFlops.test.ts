import { expect, test } from '@gradkit/test-harness';
import { gruStepFlops } from '../src/experiments/gruSpeed';

test('gruStepFlops: the products of a 2-layer GRU training step, enumerated one by one', () => {
  for (const [batch, steps, units] of [
    [32, 50, 128],
    [3, 7, 5],
  ] as const) {
    // [rows, inner, cols] of every product, as 2·rows·inner·cols FLOPs
    const products: Array<[number, number, number]> = [];
    const rows = batch * steps;
    for (let layer = 0; layer < 2; layer++) {
      for (const product of ['input projection', 'recurrent'] as const) {
        products.push([rows, units, 3 * units]); // forward: x·W (or h·U)
        products.push([units, rows, 3 * units]); // weight gradient: xᵀ·dz
        // input gradient dz·Wᵀ, except for the data under the bottom layer
        if (!(layer === 0 && product === 'input projection')) products.push([rows, 3 * units, units]);
      }
    }
    const want = products.reduce((sum, [m, k, n]) => sum + 2 * m * k * n, 0);
    expect(gruStepFlops(batch, steps, units)).toBe(want);
  }
});

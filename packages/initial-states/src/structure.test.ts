import { describe, expect, test } from '@gradkit/test-harness';
import { flattenSpec, unflatten } from './index';
import { flattenLike } from './structure';

describe('state structures', () => {
  test('flattenSpec lists the component sizes depth-first; 1 is the smallest size', () => {
    expect(flattenSpec(1)).toEqual([1]);
    expect(flattenSpec([[2, 3], 4, [[5]]])).toEqual([2, 3, 4, 5]);
  });

  test('flattenSpec names the first bad entry by its path and says what was expected', () => {
    expect(() => flattenSpec(0)).toThrow(new RangeError('spec = 0, expected a positive integer size'));
    expect(() => flattenSpec(-3)).toThrow('spec = -3, expected a positive integer size');
    expect(() => flattenSpec(1.5)).toThrow('spec = 1.5, expected a positive integer size');
    expect(() => flattenSpec([4, [2, 0]])).toThrow('spec[1][1] = 0, expected a positive integer size');
    expect(() => flattenSpec([4, []])).toThrow(
      new TypeError('spec[1] is [], expected a size or a non-empty array of specs'),
    );
    expect(() => flattenSpec([])).toThrow('spec is [], expected a size or a non-empty array of specs');
    expect(() => flattenSpec('8' as never)).toThrow('spec is "8", expected a size or a non-empty array of specs');
    expect(() => flattenSpec([2, null as never], 'cell')).toThrow(
      'cell[1] is null, expected a size or a non-empty array of specs',
    );
  });

  test('unflatten rebuilds the nested structure from depth-first components', () => {
    expect(unflatten(7, ['a'])).toBe('a');
    expect(unflatten([[2, 3], 4, [[5]]], ['a', 'b', 'c', 'd'])).toEqual([['a', 'b'], 'c', [['d']]]);
  });

  test('flattenLike flattens a value shaped like the spec and names where it differs', () => {
    expect(flattenLike([[2, 3], 4], [[true, false], true], 'learn')).toEqual([true, false, true]);
    expect(flattenLike(4, false, 'learn')).toEqual([false]);
    expect(() => flattenLike(4, [true], 'learn')).toThrow(
      new TypeError('learn is an array where the state has one component'),
    );
    expect(() => flattenLike([[2, 3], 4], [[true, [true]], true], 'learn')).toThrow(
      'learn[0][1] is an array where the state has one component',
    );
    expect(() => flattenLike([2, 3], [true], 'learn')).toThrow(
      new TypeError('learn has 1 entries where the state has 2'),
    );
    expect(() => flattenLike([2, 3], true, 'learn')).toThrow('learn has no entries where the state has 2');
    expect(() => flattenLike([2, [3, 4]], [true, [true]], 'mask')).toThrow(
      'mask[1] has 1 entries where the state has 2',
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { radixSortByKey } from '../../../src/core/query/radixSort';
import { mulberry32 } from '../../support/prng';

test('radix sort by key: the same order as a stable comparator sort, for small, large and equal keys', () => {
  const rnd = mulberry32(5);
  for (const max of [1, 300, 70_000, 2 ** 32 - 1]) {
    const keys = Array.from({ length: 5000 }, () => Math.floor(rnd() * max));
    const ids = Int32Array.from(keys.keys()).reverse();
    const want = Array.from(ids).sort((x, y) => keys[x] - keys[y]);
    assert.deepEqual(Array.from(radixSortByKey(ids, (i) => keys[i])), want, `keys below ${max}`);
  }
  assert.deepEqual(Array.from(radixSortByKey(new Int32Array(0), () => 0)), []);
});

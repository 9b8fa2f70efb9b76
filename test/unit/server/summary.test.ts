import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../../src/core/domain/types';
import { byClassOf, spuriousCount } from '../../../src/server/summary';

test('spurious faults come from the exact per-class counts, not the capped findings list: inherent races only (S5 is by design, S7/S8 expected, H1 a host action)', () => {
  // A big trace: 70 000 lost races counted, 5000 listed.
  assert.equal(spuriousCount({ S1: 70_000, S5: 12, S7: 40, S8: 3, X1: 2, H1: 9, P1: 1 }), 70_002);
  const listed = [{ cls: 'S1' }, { cls: 'S1' }, { cls: 'S7' }, { cls: 'C3' }] as Finding[];
  assert.deepEqual(byClassOf(listed), { S1: 2, S7: 1, C3: 1 });
  assert.equal(spuriousCount(byClassOf(listed)), 2);
});

// The one helper every text output says its counts through (issue #22: "1 splits").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plural } from '../../../src/core/util/plural';
import { describeStats } from '../../../webview/statsText';

test('plural says one in the singular and any other count in the plural', () => {
  assert.equal(plural(1, 'split'), '1 split');
  assert.equal(plural(0, 'split'), '0 splits');
  assert.equal(plural(2, 'vCPU thread'), '2 vCPU threads');
  assert.equal(plural(1, 'entry', 'entries'), '1 entry');
  assert.equal(plural(3, 'entry', 'entries'), '3 entries');
});

test('a selection of one mark with one fault reads in the singular', () => {
  const [marks, faults] = describeStats({ total: 1, faults: { total: 1, spurious: 0, byClass: {} }, cmoBytes: 0, tlbi: 1, invalidWindows: { count: 1, totalNs: 1000 }, avoided: 0, perLane: {} } as unknown as Parameters<typeof describeStats>[0]);
  assert.equal(marks, '1 mark');
  assert.match(faults, /^1 fault, 0 spurious/);
});

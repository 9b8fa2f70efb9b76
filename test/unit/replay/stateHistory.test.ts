// The hover history: the model's state for an IPA as of a line, from compact per-region records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REC_MAP, REC_PERMS_CLEAR_W, REC_PERMS_SET, REC_SPLIT, REC_UNMAP, StateHistory } from '../../../src/core/replay/arm64/stateHistory';

const M2 = 0x200000;
const size = (l: number): number => (l === 3 ? 4096 : l === 2 ? M2 : 2 ** 30);
const label = (a: number): string => `actor${a}`;

test('map, write-protect, relax, split, unmap and a window, as of each line', () => {
  const h = new StateHistory(M2);
  h.add(REC_MAP, 0x40000000, M2, 10, 2, 6, 1);
  h.add(REC_PERMS_CLEAR_W, 0x40000000, 0x400000, 20, 0, 0, 0);
  h.addWindow({ ipa: 0x40000000, size: M2, startLine: 30, endLine: 31 });
  h.add(REC_SPLIT, 0x40000000, M2, 31, 3, 0, 0);
  h.add(REC_PERMS_SET, 0x40005000, 4096, 40, 3, 6, 2);
  h.addCmo(0x40000000, 12);
  h.add(REC_UNMAP, 0x40000000, M2, 50, 2, 0, 0);
  assert.equal(h.stateAt(5, 0x40005000, label, size), undefined);
  assert.deepEqual(h.stateAt(15, 0x40005000, label, size), { ipa: 0x40000000, level: 2, leaf: 'block', size: M2, perms: 'rw-', mappedAtLine: 10, mappedBy: 'actor1', invalidWindowOpen: false, lastCmoLine: 12, observed: true });
  assert.equal(h.stateAt(25, 0x40005000, label, size)?.perms, 'r--');
  assert.equal(h.stateAt(30, 0x40005000, label, size)?.invalidWindowOpen, true);
  assert.equal(h.stateAt(35, 0x40005000, label, size)?.leaf, 'page');
  assert.equal(h.stateAt(45, 0x40005000, label, size)?.perms, 'rw-');
  assert.equal(h.stateAt(45, 0x40006000, label, size)?.perms, 'r--');
  assert.equal(h.stateAt(60, 0x40005000, label, size)?.leaf, 'invalid');
});

test('records beyond the cap are dropped, not grown without bound', () => {
  const h = new StateHistory(M2, { maxRecords: 10 });
  for (let i = 0; i < 20; i++) h.add(REC_MAP, i * 4096, 4096, i + 1, 3, 6, 0);
  assert.equal(h.size, 10);
  assert.equal(h.truncated, true);
});

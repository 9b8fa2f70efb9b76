import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mark } from '../../../src/core/domain/types';
import { MARK_CLASSES, MARK_KINDS, MarkStore } from '../../../src/core/marks/markStore';
import { mulberry32 } from '../../support/prng';

function randomMark(rnd: () => number, i: number): Mark {
  const m: Mark = { ts: 1e9 + i * 1000 + Math.floor(rnd() * 500), lane: `vCPU ${Math.floor(rnd() * 3)}`, kind: MARK_KINDS[Math.floor(rnd() * MARK_KINDS.length)], line: i + 1 };
  if (rnd() < 0.5) m.cls = MARK_CLASSES[Math.floor(rnd() * MARK_CLASSES.length)];
  if (rnd() < 0.3) m.endTs = m.ts + 77;
  if (rnd() < 0.7) m.ipa = 0x40000000 + Math.floor(rnd() * 1e6) * 4096;
  if (rnd() < 0.7) m.size = [4096, 0x200000, 0x40000000, 3 * 4096][Math.floor(rnd() * 4)];
  if (rnd() < 0.6) m.label = ['D-cache clean', 'translation/L3', `pass ${i % 7}`][Math.floor(rnd() * 3)];
  return m;
}

test('marks round-trip through the columns across chunk boundaries, optional fields stay absent', () => {
  const rnd = mulberry32(7);
  // Past the first chunk's doublings (1024 .. 65536) and into a third chunk.
  const marks = Array.from({ length: 140_000 }, (_, i) => randomMark(rnd, i));
  const store = MarkStore.from(marks);
  assert.equal(store.length, marks.length);
  assert.equal(store.dropped, 0);
  for (const i of [0, 1023, 1024, 65535, 65536, 131071, 131072, 139_999]) assert.deepEqual(store.get(i), marks[i], `mark ${i}`);
  assert.deepEqual(store.toArray(), marks);
  assert.equal(store.laneCount, 3);
  assert.equal(store.memoryBytes(), 3 * 65536 * 44);
});

test('a full store drops and counts the rest; unknown kinds and classes are refused, not stored as something else', () => {
  const store = new MarkStore(2);
  assert.equal(store.push({ ts: 1, lane: 'a', kind: 'fault', line: 1 }), true);
  assert.equal(store.push({ ts: 2, lane: 'a', kind: 'nonsense', line: 2 } as unknown as Mark), false);
  assert.equal(store.push({ ts: 2, lane: 'a', kind: 'fault', cls: 'Z9', line: 2 } as unknown as Mark), false);
  assert.equal(store.push({ ts: 3, lane: 'a', kind: 'cmo', line: 3 }), true);
  assert.equal(store.wouldDrop('cmo', undefined), true);
  assert.equal(store.push({ ts: 4, lane: 'a', kind: 'cmo', line: 4 }), false);
  assert.equal(store.push({ ts: 5, lane: 'a', kind: 'cmo', line: 5 }), false);
  assert.deepEqual([store.length, store.dropped], [2, 2]);
  assert.deepEqual(store.toArray().map((m) => m.line), [1, 3]);
});

test('renaming lanes relabels every mark at once; an empty store reads as empty', () => {
  const store = MarkStore.from([
    { ts: 1, lane: 'pid:306', kind: 'fault', line: 1 },
    { ts: 2, lane: 'host', kind: 'host', line: 2 },
    { ts: 3, lane: 'pid:306', kind: 'cmo', line: 3 },
  ]);
  store.renameLanes((l) => (l === 'pid:306' ? 'vCPU 0 (kvmtest-306)' : l));
  store.setClsAt(0, 'S4');
  store.setClsAt(1, 'Z9' as never); // unknown: left as it was
  assert.deepEqual([store.get(0).cls, store.get(1).cls], ['S4', undefined]);
  assert.deepEqual(store.toArray().map((m) => m.lane), ['vCPU 0 (kvmtest-306)', 'host', 'vCPU 0 (kvmtest-306)']);
  const empty = new MarkStore();
  assert.deepEqual([empty.length, empty.toArray().length, empty.memoryBytes()], [0, 0, 0]);
});

test('past the capacity, findings, windows and markers still go in (up to an eighth more); ordinary marks are dropped and the note says from when', () => {
  const store = new MarkStore(24);
  for (let i = 0; i < 24; i++) store.push({ ts: i, lane: 'v0', kind: 'fault', line: i + 1 });
  assert.equal(store.push({ ts: 24e9, lane: 'v0', kind: 'fault', line: 17 }), false, 'an ordinary fault is dropped');
  assert.equal(store.push({ ts: 17, lane: 'v0', kind: 'cmo', line: 18 }), false, 'an ordinary CMO is dropped');
  assert.equal(store.push({ ts: 18, lane: 'v0', kind: 'fault', cls: 'S1', line: 19 }), true, 'a spurious fault is kept');
  assert.equal(store.push({ ts: 19, lane: 'v0', kind: 'window', line: 20 }), true, 'an invalid window is kept');
  assert.equal(store.push({ ts: 20, lane: 'host', kind: 'marker', line: 21, label: 'pass 2' }), true, 'a trace marker is kept');
  assert.equal(store.push({ ts: 21, lane: 'v0', kind: 'cmo', cls: 'C3', line: 22 }), false, 'the reserve (24 / 8 = 3 more) is used up');
  assert.deepEqual([store.length, store.dropped], [27, 3]);
  assert.deepEqual(store.toArray().slice(24).map((m) => m.line), [19, 20, 21]);
  assert.match(store.droppedNote() ?? '', /^timeline: 3 marks not kept past 24 .* from 24\.000000 s on: ordinary faults/);
  assert.equal(new MarkStore().droppedNote(), undefined);
});

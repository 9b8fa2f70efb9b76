// The outline: pass markers spanning to the next marker, vCPU lanes with their line spans, and
// dirty-logging phases with runs of the same action grouped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis } from '../../../src/core/api';
import type { Mark } from '../../../src/core/domain/types';
import { buildSymbols } from '../../../src/server/symbols';
import { MarkStore } from '../../../src/core/marks/markStore';

const marks: Mark[] = [
  { ts: 1, lane: 'host', kind: 'marker', line: 10, label: 'pass 0 begin' },
  { ts: 2, lane: 'vCPU 0', kind: 'fault', line: 12 },
  { ts: 3, lane: 'host', kind: 'marker', line: 20, label: 'kvmtest: set memslot 1 flags=KVM_MEM_LOG_DIRTY_PAGES' },
  { ts: 4, lane: 'host', kind: 'host', line: 21, label: 'write-protect 256K at 0x40000000' },
  { ts: 5, lane: 'host', kind: 'host', line: 22, label: 'write-protect 256K at 0x40040000' },
  { ts: 6, lane: 'host', kind: 'split', line: 23, label: 'eager split of 1 block(s)' },
  { ts: 7, lane: 'vCPU 1', kind: 'fault', line: 30 },
  { ts: 8, lane: 'host', kind: 'marker', line: 40, label: 'pass 0 end' },
  { ts: 9, lane: 'vCPU 0', kind: 'fault', line: 45 },
];

const analysis = { marks: MarkStore.from(marks), lanes: [{ id: 'vCPU 0', label: 'vCPU 0 (t-1)' }, { id: 'vCPU 1', label: 'vCPU 1 (t-2)' }, { id: 'vCPU 2', label: 'vCPU 2 (t-3)' }, { id: 'host', label: 'host' }], stats: { lines: { total: 50 } } } as unknown as Analysis;

test('passes, vCPUs and dirty-logging phases from the marks', () => {
  const s = buildSymbols(analysis);
  const flat = s.map((x) => [x.name, x.detail, (x.children ?? []).map((c) => [c.name, c.range.start.line + 1, c.range.end.line + 1])]);
  assert.deepEqual(flat, [
    ['Passes', '2 markers', [['pass 0 begin', 10, 39], ['pass 0 end', 40, 50]]],
    ['vCPUs', '3 lanes', [['vCPU 0 (t-1)', 12, 45], ['vCPU 1 (t-2)', 30, 30], ['host', 10, 40]]],
    ['Dirty logging', '3 phases', [['kvmtest: set memslot 1 flags=KVM_MEM_LOG_DIRTY_PAGES', 20, 20], ['write-protect ×2', 21, 22], ['eager split', 23, 23]]],
  ]);
});

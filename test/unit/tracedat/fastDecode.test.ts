// The reader's shortcuts (record-bytes memo, function (ip, parent) memo, kprobe fetchargs taken
// from field values, unknown events skipped) must give exactly what the text decoders give for the
// rendered line: on the real race4 recording every event's decoded equals decodePayload(name, payload).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { decodePayload } from '../../../src/core/parse/decode';
import type { TraceEvent } from '../../../src/core/parse/types';
import { readTraceDat } from '../../../src/core/tracedat/index';
import { sharedOrSkip } from '../../support/shared';

test('race4_4k_tc-vhe.dat: every decoded event equals the text decode of its own payload', async (t) => {
  const dat = sharedOrSkip(t, 'traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
  if (!dat) return;
  const events: TraceEvent[] = [];
  let rejected = 0;
  const summary = await readTraceDat(
    createReadStream(dat),
    { event: (e) => events.push(e), rejected: () => rejected++ },
    { openRange: (s, e) => createReadStream(dat, { start: s, end: e === undefined ? undefined : e - 1 }) },
  );
  assert.deepEqual(summary.errors, []);
  assert.equal(rejected, 0);
  assert.equal(events.length, 33393);
  const kinds: Record<string, number> = {};
  for (const ev of events) {
    const k = ev.decoded?.kind ?? 'none';
    kinds[k] = (kinds[k] ?? 0) + 1;
    const expected = decodePayload(ev.name, ev.payload);
    // isDeepStrictEqual first: assert's diff machinery is slow for 33k passing events
    if (!isDeepStrictEqual(ev.decoded, expected)) assert.deepStrictEqual(ev.decoded, expected, `line ${ev.line}: ${ev.name}: ${ev.payload}`);
  }
  assert.deepEqual(kinds, {
    function: 13161,
    none: 6812,
    kprobe: 3568,
    kretprobe: 3053,
    'kvm.vcpu_index': 1859,
    'arm64.kvm_entry': 1651,
    'arm64.kvm_exit': 1651,
    'arm64.kvm_guest_fault': 1605,
    'kvm.kvm_unmap_hva_range': 13,
    'kvm.kvm_mmio': 8,
    'kvm.kvm_userspace_exit': 8,
    marker: 4,
  });
});

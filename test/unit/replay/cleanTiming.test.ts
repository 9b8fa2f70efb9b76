// FWB from the durations of clean_dcache_guest_page (kprobe to kretprobe on the same thread): a
// no-op takes the same time for a 2 MiB block as for a 4 KiB page, a clean to PoC scales with size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, TraceBuilder } from './traceBuilder';
import { CleanTiming } from '../../../src/core/replay/arm64/cleanTiming';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer } from '../../../src/core/index';
import { repoRoot } from '../../support/shared';

function trace(pageUs: number, blockUs: number, calls = 3): string {
  const b = new TraceBuilder();
  for (let i = 0; i < calls; i++) {
    for (const [size, us] of [[0x1000, pageUs], [0x200000, blockUs]] as const) {
      const ipa = 0x40000000 + i * 0x400000 + (size === 0x1000 ? 0x200000 : 0);
      b.episode(401, ipa, 0x93c08007, (x) => {
        x.kprobe(401, 's2_map', 'kvm_pgtable_stage2_map', `addr=0x${ipa.toString(16)} size=0x${size.toString(16)} phys=0x42400000 prot=0x3`);
        x.kprobe(401, 'dcache_clean', 'clean_dcache_guest_page', `va=0xfff0000002400000 size=0x${size.toString(16)}`);
        x.kretprobe(401, 'dcache_clean_ret', 'clean_dcache_guest_page', '', us);
        x.kretprobe(401, 's2_map_ret', 'kvm_pgtable_stage2_map', 'ret=0');
      });
    }
  }
  return b.text();
}

test('durations that do not scale with size: FWB on, cited, and the cleans are no-op calls (C1), not cleaned bytes', async () => {
  const [a] = await analyzeText(trace(3, 4));
  const d = a.detected.find((x) => x.startsWith('fwb: '))!;
  assert.match(d, /^fwb: on \(line \d+: clean_dcache_guest_page timed from entry to return: 4 KiB cleans median 3\.0 us \(3\), 2 MiB cleans median 4\.0 us \(3\): a 2 MiB call takes 1\.3x a 4 KiB one, so it cleans nothing\)$/);
  assert.equal(a.config.fwb, true);
  assert.equal(a.counters.cmo.dcacheCleanBytes, 0);
  assert.equal(a.counters.cmo.callsByClass?.C1, 6);
});

test('durations that scale with size: FWB off; too few calls or a middling ratio: unknown, with what was measured', async () => {
  const [off] = await analyzeText(trace(3, 400));
  assert.match(off.detected.find((x) => x.startsWith('fwb: '))!, /^fwb: off \(line \d+: .*a 2 MiB call takes 133x a 4 KiB one, so it cleans to the point of coherency\)$/);
  const [few] = await analyzeText(trace(3, 4, 2));
  assert.match(few.detected.find((x) => x.startsWith('fwb: '))!, /^fwb: unknown \(clean_dcache_guest_page timed .*both sizes, 3 calls each, are needed .*\); the model assumes off/);
  const t = new CleanTiming();
  for (let i = 0; i < 3; i++) {
    t.entered(1, 0, 4096);
    t.returned(1, 1000, 10);
    t.entered(1, 0, 2 << 20);
    t.returned(1, 10_000, 11);
  }
  assert.equal(t.verdict().fwb, undefined);
  assert.match(t.verdict().measured!, /a ratio of 10\.0 decides neither way/);
  // A return without its entry (the kprobe was lost) is not timed.
  const lone = new CleanTiming();
  lone.returned(2, 5, 1);
  assert.equal(lone.verdict().measured, undefined);
});

test('real recordings: FWB on for -cpu max, off for cortex-a72, from the clean durations alone', async () => {
  for (const [name, fwb] of [['dirty_noeager-max', true], ['dirty_noeager-a72', false]] as const) {
    const a = await createAnalyzer().analyze(createReadStream(join(repoRoot(), 'test', 'fixtures', 'recorded', 'fwb-timing', `${name}.trace.gz`)));
    assert.equal(a.config.fwb, fwb, name);
    assert.match(a.detected.find((d) => d.startsWith('fwb: '))!, new RegExp(`^fwb: ${fwb ? 'on' : 'off'} \\(line \\d+: clean_dcache_guest_page timed`), name);
  }
});

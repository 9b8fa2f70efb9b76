// The x86 replay on small hand-written traces (test/fixtures/x86, format-exact lines from
// generateFixtures.py, modelled on the real x86-nested traces): exactly the expected findings,
// outcomes and what-if results, through the real parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';
import { replayFile, x86Config, type X86Run } from './x86Harness';

const fixture = (name: string): string => join(repoRoot(), 'test', 'fixtures', 'x86', name);

function codes(run: X86Run): Record<string, number> {
  const c: Record<string, number> = {};
  for (const f of run.out.findings) c[f.code] = (c[f.code] ?? 0) + 1;
  return c;
}

function segment(run: X86Run, prefix: string) {
  const s = run.out.x86.segments.find((x) => x.label.startsWith(prefix));
  assert.ok(s, `segment ${prefix}`);
  return s;
}

test('write-protect race: one fast fix, one lost race (the kernel says spurious 1)', async () => {
  const run = await replayFile(fixture('wpRace.trace'));
  assert.equal(run.rejected.length, 0);
  assert.equal(run.out.x86.flavour.flavour, 'tdp-mmu');
  assert.deepEqual(segment(run, 'pass 1 begin').outcomes, { slow_map: 1 });
  assert.deepEqual(segment(run, 'pass 2 begin').outcomes, { fast_fixed: 1, fast_spurious: 1 });
  assert.deepEqual(codes(run), { 'S1-lost-race': 1 });
  const f = run.out.findings[0];
  assert.equal(f.vcpu, 'vCPU 1 (kvmtest-613)');
  assert.equal(f.observed, true);
  assert.equal(f.line, 27);
  assert.deepEqual(f.related.map((r) => r.line), [28], 'vCPU 0 fixed it at the fast_page_fault line');
  assert.deepEqual(run.out.lanes.map((l) => l.id), ['vCPU 0 (kvmtest-612)', 'vCPU 1 (kvmtest-613)', 'host']);
  assert.equal(run.out.counters.faults.total, 3);
  assert.equal(run.out.counters.faults.byClass.S1, 1);
});

test('write-protect race replayed as if fast_page_fault were absent: the model infers the same lost race', async () => {
  const run = await replayFile(fixture('wpRace.trace'), x86Config({ ignoreEvents: ['fast_page_fault'] }));
  assert.deepEqual(segment(run, 'pass 2 begin').outcomes, { fast_fixed: 1, fast_spurious: 1 });
  assert.deepEqual(codes(run), { 'S1-lost-race': 1 });
  assert.equal(run.out.findings[0].observed, false);
  assert.equal(run.out.x86.inferredFastFaults, 2);
  assert.equal(run.out.coverage?.find((c) => c.analysis === 'lost-races')?.support, 'inferred');
});

test('first touch by three vCPUs: a map, a Dirty-bit rewrite (X1) and a lost-race retry (S1)', async () => {
  const run = await replayFile(fixture('firstTouch.trace'));
  assert.equal(run.rejected.length, 0);
  const s = segment(run, 'pass 1 begin');
  assert.deepEqual(s.outcomes, { slow_map: 1, 'slow_modify(clear_D)': 1, none: 1 });
  assert.equal(s.duplicates, 2);
  assert.deepEqual(s.duplicateOutcomes, { 'slow_modify(clear_D)': 1, none: 1 });
  assert.deepEqual(codes(run), { 'S1-lost-race': 1, 'X1-spte-rewrite': 1 });
  const x1 = run.out.findings.find((f) => f.cls === 'X1')!;
  assert.equal(x1.vcpu, 'vCPU 3 (kvmtest-279)');
  assert.match(x1.message, /vCPU 0 \(kvmtest-276\) had installed/);
  assert.match(x1.message, /clear_D/);
  const retry = run.out.findings.find((f) => f.cls === 'S1')!;
  assert.equal(retry.vcpu, 'vCPU 1 (kvmtest-277)');
  assert.match(retry.message, /retry/);
});

test('fault-path split race: the loser gets errno -16 (X2), both fast paths fail (X3), the winner splits (S5)', async () => {
  const run = await replayFile(fixture('splitRace.trace'));
  assert.equal(run.rejected.length, 0);
  assert.deepEqual(codes(run), { 'X3-fast-path-failure': 2, 'S5-split-cascade': 1, 'X2-split-race': 1, 'S1-lost-race': 1 });
  assert.deepEqual(segment(run, 'pass 2 begin').outcomes, { 'fast_fail+slow_unwp+split': 1, 'fast_fail+none+split': 1, fast_fixed: 1, fast_spurious: 1 });
  const x2 = run.out.findings.find((f) => f.cls === 'X2')!;
  assert.equal(x2.vcpu, 'vCPU 2 (kvmtest-614)');
  assert.deepEqual(x2.related.map((r) => r.line), [26, 28], 'the winner\'s split (its huge -> table SPTE change), then the -16');
  const s5 = run.out.findings.find((f) => f.cls === 'S5')!;
  assert.equal(s5.vcpu, 'vCPU 3 (kvmtest-615)');
  assert.equal(s5.related.length, 2, 'the split line and vCPU 2\'s fault in flight');
  assert.deepEqual(run.out.x86.fastPathFailures, { 'huge-page-under-dirty-logging': 2 });
  assert.deepEqual(run.out.counters.splits, { fault: 1, eager: 0 });
  assert.equal(run.out.x86.eagerSplit.trace, 'N');
  assert.equal(run.out.marks.toArray().filter((m) => m.kind === 'split').length, 1);
});

test('fault-path split race as if eager_page_split=Y: the split moves to the ioctl, no X2/X3/S5 remain', async () => {
  const run = await replayFile(fixture('splitRace.trace'), x86Config({ eagerSplitChunk: 2 * 1024 * 1024 }));
  assert.deepEqual(run.out.counters.splits, { fault: 0, eager: 1 });
  assert.deepEqual(segment(run, 'pass 2 begin').whatIfOutcomes, { fast_fixed: 2, fast_spurious: 2 });
  assert.deepEqual(codes(run), { 'S1-lost-race': 2 });
});

test('manual protect: KVM_CLEAR_DIRTY_LOG clears MMU-writable, the split child inherits it, the fast path fails on it', async () => {
  const run = await replayFile(fixture('manualClear.trace'));
  assert.equal(run.rejected.length, 0);
  assert.deepEqual(codes(run), { 'X3-fast-path-failure': 2, 'S5-split-cascade': 1 });
  assert.deepEqual(run.out.x86.fastPathFailures, { 'huge-page-under-dirty-logging': 1, 'not-mmu-writable-inherited-from-split': 1 });
  const child = run.out.findings.filter((f) => f.cls === 'X3')[1];
  assert.match(child.message, /lacks MMU-writable/);
  assert.match(child.message, /KVM_CLEAR_DIRTY_LOG/);
  assert.ok(child.related.some((r) => r.line === 14), 'points at the CLEAR that write-protected the huge SPTE');
  const eager = await replayFile(fixture('manualClear.trace'), x86Config({ eagerSplitChunk: 2 * 1024 * 1024 }));
  assert.deepEqual(segment(eager, 'pass 3 begin').whatIfOutcomes, { fast_fixed: 2 });
  assert.deepEqual(codes(eager), {});
});

test('MMU flavour: legacy MMU on NPT and shadow paging are told apart, with what each supports', async () => {
  const legacy = await replayFile(fixture('legacyMmu.trace'));
  assert.equal(legacy.rejected.length, 0);
  assert.equal(legacy.out.x86.flavour.flavour, 'legacy-tdp');
  assert.equal(legacy.out.x86.flavour.paging, 'npt');
  assert.deepEqual(legacy.out.x86.segments[0].outcomes, { slow_set_first: 1, none: 1 });
  assert.equal(legacy.out.coverage?.find((c) => c.analysis === 'splitting')?.support, 'inferred');
  const shadow = await replayFile(fixture('shadowPaging.trace'));
  assert.equal(shadow.rejected.length, 0);
  assert.equal(shadow.out.x86.flavour.flavour, 'shadow');
  assert.deepEqual(shadow.out.x86.segments[0].outcomes, { slow_set_first: 1 });
  assert.equal(shadow.out.findings[0], undefined);
  // Real npt=0 traces (test/fixtures/x86/real) show huge SPTEs dropped under dirty logging: inferred, as for the legacy MMU.
  assert.equal(shadow.out.coverage?.find((c) => c.analysis === 'splitting')?.support, 'inferred');
  assert.match(shadow.out.detected[0], /shadow paging/);
});

test('legacy MMU without fast_page_fault: a dropped huge page (S5, inferred) and a write race after an untraced re-protect', async () => {
  const run = await replayFile(fixture('legacyWpRace.trace'));
  assert.equal(run.rejected.length, 0);
  assert.equal(run.out.x86.flavour.flavour, 'legacy-tdp');
  assert.deepEqual(segment(run, 'set memslot 1').outcomes, { slow_set_first: 1 });
  assert.deepEqual(segment(run, 'pass 2 begin').outcomes, { fast_fixed: 1, fast_spurious: 1 });
  assert.deepEqual(codes(run), { 'S5-split-cascade': 1, 'S1-lost-race': 1 });
  assert.ok(run.out.findings.every((f) => !f.observed));
  assert.equal(run.out.findings[0].cls, 'S5');
  assert.equal(run.out.findings[1].vcpu, 'vCPU 1 (kvmtest-701)');
  assert.deepEqual(run.out.counters.splits, { fault: 1, eager: 0 });
  assert.ok(run.out.detected.some((d) => /write-protection the trace does not show/.test(d)));
});

test('Intel EPT: EPT_VIOLATION exits select the EPT bit layout (Dirty is bit 9, MMU-writable bit 58)', async () => {
  const run = await replayFile(fixture('eptRewrite.trace'));
  assert.equal(run.rejected.length, 0);
  assert.equal(run.out.x86.flavour.paging, 'ept');
  assert.equal(run.out.x86.flavour.format, 'ept');
  assert.deepEqual(run.out.x86.segments[0].outcomes, { slow_map: 1, 'slow_modify(clear_D)': 1 });
  assert.deepEqual(segment(run, 'set memslot 1').transitions, { 'L1:wrprot': 1 });
  assert.deepEqual(codes(run), { 'X1-spte-rewrite': 1 });
  assert.match(run.out.detected.join('\n'), /EPT \(A bit 8, D bit 9/);
  assert.equal(run.out.stateAt(28, 0x40000000)?.perms, 'r-x');
});

test('hover state: the SPTE as of a line', async () => {
  const run = await replayFile(fixture('wpRace.trace'));
  const mapped = run.out.stateAt(18, 0x40000800);
  assert.equal(mapped?.leaf, 'page');
  assert.equal(mapped?.perms, 'rwx');
  assert.equal(run.out.stateAt(23, 0x40000800)?.perms, 'r-x', 'after the dirty-log write-protect');
  assert.equal(run.out.stateAt(10, 0x40000800), undefined);
});

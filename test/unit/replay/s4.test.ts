// S4 (perms-only translation fault) on small hand-written traces in test/fixtures/replay/ with
// exactly the expected findings: two vCPUs take a translation fault on the same page, the loser's
// map differs from the winner's entry only in permissions, returns -EAGAIN, and the loser faults
// again for permission. Covers the return probe (observed), the map probe alone (inferred), the
// execute flavour (S4 next to the S7 pair; DIC turns it into a plain S1), and tracepoints alone, where
// the lost race is S1 until the loser's retried write takes a permission fault (then revised to S4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';
import { analyzeText, classes, ESR, TraceBuilder } from './traceBuilder';

const fixture = (name: string): string => readFileSync(join(repoRoot(), 'test', 'fixtures', 'replay', name), 'utf8');
const PAGE = { start: 0x40003000, size: 0x1000 };

test('S4 observed: the write fault\'s map over a read-only entry returns -EAGAIN, then a permission fault relaxes it', async () => {
  const [a, old] = await analyzeText(fixture('s4_perms_only.trace'), [{}, { kernel: '5.13' }]);
  assert.deepEqual(classes(a), { S4: 1 }); // the second (permission) fault is the necessary one: no finding
  const f = a.findings[0];
  assert.equal(f.code, 'S4-perms-only-translation');
  assert.equal(f.line, 10); // kvmtest-307's translation fault
  assert.equal(f.vcpu, 'kvmtest-307');
  assert.deepEqual(f.ipa, PAGE);
  assert.equal(f.observed, true);
  assert.equal(f.severity, 'information');
  assert.deepEqual(f.related.map((r) => r.line), [13]); // kvmtest-306's read-only map (its s2_map_ret ret=0)
  assert.equal(f.costNs, 80_000); // exit at 100.000050 to the same vCPU's entry at 100.000130
  assert.equal(a.counters.faults.total, 3);
  assert.deepEqual(a.counters.faults.byKindLevel, { 'translation/L3': 2, 'permission/L3': 1 });
  assert.deepEqual(a.counters.faults.perVcpu, { 'kvmtest-306': 1, 'kvmtest-307': 2 });
  assert.equal(a.counters.tlbi.ipaNsh, 1); // the relax's local TLBI; the -EAGAIN map invalidated nothing
  assert.equal(a.stateAt(12, PAGE.start), undefined); // not mapped until the winner's map returned
  assert.equal(a.stateAt(16, PAGE.start)?.perms, 'r--');
  assert.equal(a.stateAt(22, PAGE.start)?.perms, 'rw-');
  // Up to 5.13 the abort path cleaned the D-cache before mapping: the -EAGAIN fault's clean is C3.
  assert.deepEqual(classes(old), { S4: 1, C3: 1 });
  const c3 = old.findings.find((x) => x.cls === 'C3')!;
  assert.equal(c3.line, 15);
  assert.equal(c3.vcpu, 'kvmtest-307');
  assert.equal(c3.observed, false);
});

test('S4 inferred: with the map probe but no return probe, the model sees the entry lacks only W', async () => {
  const [a] = await analyzeText(fixture('s4_no_ret_probe.trace'));
  assert.deepEqual(classes(a), { S4: 1 });
  const f = a.findings[0];
  assert.equal(f.line, 10);
  assert.equal(f.vcpu, 'kvmtest-307');
  assert.deepEqual(f.ipa, PAGE);
  assert.equal(f.observed, false);
  // Without s2_map_ret the winner's map counts as done when it re-enters the guest (its kvm_entry).
  assert.deepEqual(f.related.map((r) => r.line), [14]);
  assert.equal(a.counters.faults.total, 3);
});

test('S4 on execute: an instruction fetch loses to a data map without X; DIC makes it a plain lost race', async () => {
  const [a, dic] = await analyzeText(fixture('s4_exec_after_data.trace'), [{}, { dic: true }]);
  // The exec permission fault is both S4's second fault and S7's lazy X (one S7; the data fault is its related line).
  assert.deepEqual(classes(a), { S4: 1, S7: 1 });
  const s4 = a.findings.find((x) => x.cls === 'S4')!;
  assert.equal(s4.line, 10);
  assert.equal(s4.vcpu, 'kvmtest-307');
  assert.equal(s4.observed, true);
  assert.deepEqual(s4.related.map((r) => r.line), [13]);
  assert.deepEqual(a.findings.filter((x) => x.cls === 'S7').map((x) => x.line), [19]);
  // With DIC every map is executable: the fetch's map equals the entry (S1), the exec permission
  // fault is avoided, and the winner's I-cache invalidation is an ISB (C2).
  assert.deepEqual(classes(dic), { S1: 1, C2: 1 });
  assert.equal(dic.findings.find((x) => x.cls === 'S1')!.line, 10);
  assert.deepEqual(dic.avoidedFaults?.map((x) => x.line), [19]);
});

test('S4 from tracepoints only: the loser\'s retried write takes a permission fault, so the first map was read-only (S1 revised)', async () => {
  // Without probes a read fault is modelled as mapping RW, so kvmtest-307's translation fault is first
  // taken as S1; its retried write (same PC, same page) then takes a permission fault, which shows the
  // entry lacked W: the finding, every count and the fault's mark become S4, inferred.
  const [a, bbm] = await analyzeText(fixture('s4_perms_only.trace'), [{ tracepointsOnly: true }, { tracepointsOnly: true, bbmLevel: 2 }]);
  assert.deepEqual(classes(a), { S4: 1 });
  const f = a.findings[0];
  assert.equal(f.code, 'S4-perms-only-translation');
  assert.equal(f.line, 10);
  assert.equal(f.vcpu, 'kvmtest-307');
  assert.deepEqual(f.ipa, PAGE);
  assert.equal(f.observed, false);
  assert.equal(f.severity, 'information');
  // The winner's map counts as done at its kvm_entry; the permission fault is the evidence.
  assert.deepEqual(f.related.map((r) => r.line), [16, 19]);
  assert.match(f.message, /kvmtest-306's map of it lacked write permission .* at line 19/);
  assert.equal(f.costNs, 80_000);
  assert.deepEqual(a.counters.faults.byClass, { S4: 1 });
  assert.deepEqual(a.counters.costNsByClass, { S4: 80_000 });
  assert.deepEqual(a.counters.perRegion, { '0x40000000': { faults: 3, byClass: { S4: 1 } } });
  assert.deepEqual(a.phases?.map((p) => p.byClass), [{ S4: 1 }]);
  assert.deepEqual(a.marks.toArray().filter((m) => m.kind === 'fault').map((m) => [m.line, m.cls]), [[8, undefined], [10, 'S4'], [19, undefined]]);
  assert.equal(a.counters.faults.total, 3);
  assert.deepEqual(a.counters.faults.byKindLevel, { 'translation/L3': 2, 'permission/L3': 1 });
  // The model now holds the entry read-only from the winner's map to the relax, as with probes.
  assert.equal(a.stateAt(17, PAGE.start)?.perms, 'r--');
  assert.equal(a.stateAt(22, PAGE.start)?.perms, 'rw-');
  assert.equal(a.counters.tlbi.ipaNsh, 1);
  // The what-if keeps the real permission fault (the entry really lacked W) rather than "avoiding" it.
  assert.deepEqual(classes(bbm), { S4: 1 });
  assert.deepEqual(bbm.avoidedFaults, []);
  assert.equal(bbm.counters.faults.total, 3);
});

test('S4 from tracepoints only, two losers: the second retry comes after the first one\'s relax and is still S4', async () => {
  const [a] = await analyzeText(fixture('s4_two_losers_tracepoints.trace'));
  assert.deepEqual(classes(a), { S4: 2 });
  assert.deepEqual(a.findings.map((f) => [f.line, f.vcpu, f.observed]), [[11, 'kvmtest-307', false], [13, 'kvmtest-308', false]]);
  assert.deepEqual(a.findings.map((f) => f.related.map((r) => r.line)), [[14, 18], [14, 21]]);
  assert.deepEqual(a.counters.faults.byClass, { S4: 2 });
  assert.deepEqual(a.counters.costNsByClass, { S4: 90_000 }); // 60 to 110 us, 80 to 120 us
  assert.deepEqual(a.marks.toArray().filter((m) => m.cls).map((m) => [m.line, m.cls]), [[11, 'S4'], [13, 'S4']]);
  assert.equal(a.stateAt(16, PAGE.start)?.perms, 'r--');
  assert.equal(a.stateAt(19, PAGE.start)?.perms, 'rw-');
});

test('S1 from tracepoints only stays S1 when another vCPU relaxes the entry before the loser retries', async () => {
  // kvmtest-308's write permission fault shows the entry lacked W too, but kvmtest-307's retry then
  // succeeded (its next fault is on the next page): one fault for its access, a plain lost race.
  const [a] = await analyzeText(fixture('s1_other_vcpu_relaxes.trace'));
  assert.deepEqual(classes(a), { S1: 1 });
  assert.equal(a.findings[0].line, 11);
  assert.deepEqual(a.counters.faults.byClass, { S1: 1 });
  assert.equal(a.counters.faults.total, 4);
});

/** Lost races from tracepoints alone on distinct pages; `revised` ones are retried with a permission fault. */
function lostRaces(b: TraceBuilder, first: number, count: number, revised: boolean): void {
  for (let i = first; i < first + count; i++) {
    const ipa = PAGE.start + i * 0x1000;
    b.exit(6).fault(6, ipa, revised ? ESR.transL3r : ESR.transL3w).exit(7).fault(7, ipa, ESR.transL3w).entry(6).entry(7);
    if (revised) b.exit(7).fault(7, ipa, ESR.permL3w).entry(7);
  }
}

test('S1 -> S4 revisions past the per-class cap keep the counts exact and list at most 5000 of each', async () => {
  const N = 5001;
  const s4First = new TraceBuilder().entry(6).entry(7);
  lostRaces(s4First, 0, N, true); // the 5001st S4 was listed as S1: it leaves the list
  lostRaces(s4First, N, N, false);
  const s1First = new TraceBuilder().entry(6).entry(7);
  lostRaces(s1First, 0, N, false);
  lostRaces(s1First, N, N, true); // these S1 were only counted: 5000 of them become listed S4
  const [a] = await analyzeText(s4First.text());
  const [b] = await analyzeText(s1First.text());
  for (const r of [a, b]) {
    assert.deepEqual(r.counters.faults.byClass, { S1: N, S4: N });
    assert.deepEqual(classes(r), { S1: 5000, S4: 5000 });
    assert.ok(r.detected.includes('findings: each class lists its first 5000; counted but not listed: 1 S1, 1 S4'), r.detected.join('; '));
    const marks: Record<string, number> = {};
    for (const m of r.marks) if (m.cls) marks[m.cls] = (marks[m.cls] ?? 0) + 1;
    assert.deepEqual(marks, { S1: N, S4: N });
    assert.ok(r.findings.every((f) => (f.cls === 'S4') === (f.related.length === 2)));
  }
});

test('S4 survives an unrelated what-if (FEAT_BBM 1/2, eager split): the race is independent of them', async () => {
  // The what-if replays handle the -EAGAIN translation fault as a permission fault that relaxes the
  // entry, so S4 vanishes and the real permission fault at line 19 is "avoided" by FEAT_BBM, which
  // has nothing to do with it. The S1 lost race (same trace, read-write first map) does survive them.
  for (const cfg of [{ bbmLevel: 2 as const }, { bbmLevel: 1 as const }, { eagerSplitChunk: 0x200000 }]) {
    const [a] = await analyzeText(fixture('s4_perms_only.trace'), [cfg]);
    assert.deepEqual(classes(a), { S4: 1 });
    assert.deepEqual(a.avoidedFaults ?? [], []);
    assert.equal(a.counters.faults.total, 3);
  }
});

// The x86 replay on real traces of the two MMU flavours the TDP-MMU corpus lacks: the legacy MMU on
// NPT (kvm.tdp_mmu=N) and shadow paging (kvm_amd.npt=0), recorded with ../shared/tools/x86-capture on
// Debian's 6.12 kernel (test/fixtures/x86/real/README.md), checked against the capture tool's ground
// truth (*.gt.json, from the trace text alone); plus two traces recorded on the same kernel by our own
// `stage2-lens record-script --arch x86` script (basic and full probes), with the coverage they give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';
import { pairSegments, pass, replayFile, x86Config, type GtSegment, type X86Run } from './x86Harness';
import { createX86Replayer } from '../../../src/core/replay/x86/x86Replayer';
import { readTrace } from '../../../src/core/read/readTrace';
import type { TraceEvent } from '../../../src/core/parse/types';
import { createStatsCollector } from '../../../src/core/stats/statsCollector';
import { computeCoverage, createCoverageCollector } from '../../../src/core/analysis/coverage';

const DIR = join(repoRoot(), 'test', 'fixtures', 'x86', 'real');
const SCENARIOS = ['race_first_4k', 'race_first_thp', 'race_wp_4k', 'race_split_noeager', 'dirty_manual_noeager'];

interface Gt {
  events: Record<string, number>;
  segments: GtSegment[];
}

const cache = new Map<string, Promise<X86Run>>();
const trace = (name: string): string => join(DIR, `${name}.trace.gz`);
const groundTruth = (name: string): Gt => JSON.parse(readFileSync(join(DIR, `${name}.trace.gt.json`), 'utf8')) as Gt;

function run(name: string): Promise<X86Run> {
  let p = cache.get(name);
  if (!p) cache.set(name, (p = replayFile(trace(name), x86Config())));
  return p;
}

function byClass(r: X86Run): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of r.out.findings) out[f.cls] = (out[f.cls] ?? 0) + 1;
  return out;
}

// Exact figures of each real trace: flavour, faults, findings by class, faults per pass (pass 0 .. 4), and the
// huge pages dropped in the fault path (dirty logging) and mapped huge again after it (same count here).
const EXPECTED: Record<string, { flavour: string; paging: string; faults: number; findings: Record<string, number>; perPass: number[]; recovered: number }> = {
  'race_first_4k-tdp0': { flavour: 'legacy-tdp', paging: 'npt', faults: 536, findings: { X1: 21 }, perPass: [5, 531], recovered: 0 },
  'race_first_thp-tdp0': { flavour: 'legacy-tdp', paging: 'npt', faults: 7, findings: {}, perPass: [3, 4], recovered: 0 },
  'race_wp_4k-tdp0': { flavour: 'legacy-tdp', paging: 'npt', faults: 1550, findings: { S1: 10, X1: 1 }, perPass: [4, 512, 519, 515], recovered: 0 },
  'race_split_noeager-tdp0': { flavour: 'legacy-tdp', paging: 'npt', faults: 2360, findings: { X1: 224, X3: 2, S5: 2, S1: 81 }, perPass: [5, 2, 1247, 1103, 3], recovered: 2 },
  'dirty_manual_noeager-tdp0': { flavour: 'legacy-tdp', paging: 'npt', faults: 1034, findings: { X1: 2, X3: 2, S5: 2 }, perPass: [5, 2, 0, 1024, 3], recovered: 2 },
  'race_first_4k-npt0': { flavour: 'shadow', paging: 'unknown', faults: 536, findings: { S1: 2, X1: 20 }, perPass: [4, 532], recovered: 0 },
  'race_first_thp-npt0': { flavour: 'shadow', paging: 'unknown', faults: 8, findings: { S1: 1 }, perPass: [4, 4], recovered: 0 },
  'race_wp_4k-npt0': { flavour: 'shadow', paging: 'unknown', faults: 1805, findings: { X1: 266, S1: 1 }, perPass: [2, 512, 609, 682], recovered: 0 },
  'race_split_noeager-npt0': { flavour: 'shadow', paging: 'unknown', faults: 2869, findings: { S5: 2, X1: 800, S1: 15 }, perPass: [2, 2, 1618, 1245, 2], recovered: 2 },
  'dirty_manual_noeager-npt0': { flavour: 'shadow', paging: 'unknown', faults: 1030, findings: { S5: 2 }, perPass: [2, 2, 0, 1024, 2], recovered: 2 },
};

for (const scenario of SCENARIOS) {
  for (const cfg of ['tdp0', 'npt0']) {
    const name = `${scenario}-${cfg}`;
    test(`${name}: every line an event, flavour ${EXPECTED[name].flavour}, per-pass outcomes as the ground truth, exact findings`, async () => {
      const r = await run(name);
      const gt = groundTruth(name);
      const exp = EXPECTED[name];
      assert.equal(r.rejected.length, 0, JSON.stringify(r.rejected.slice(0, 3)));
      assert.deepEqual([...r.undecoded], []);
      assert.equal(r.events, Object.values(gt.events).reduce((a, b) => a + b, 0), 'every event line of the ground truth is an event');
      assert.equal(r.out.x86.flavour.flavour, exp.flavour);
      assert.equal(r.out.x86.flavour.paging, exp.paging);
      for (const [mine, g] of pairSegments(r.out.x86.segments, gt.segments)) {
        assert.equal(mine.faults, g.kvm_page_fault, `faults of "${g.segment}"`);
        assert.deepEqual(mine.outcomes, g.fault_outcomes, `outcomes of "${g.segment}"`);
        assert.equal(mine.fast.fixed, g.fast_page_fault.fixed ?? 0, `fast fixed in "${g.segment}"`);
        assert.equal(mine.fast.spurious, g.fast_page_fault.spurious ?? 0, `fast spurious in "${g.segment}"`);
        assert.deepEqual(mine.transitions, g.spte_changed_by_level_transition, `no TDP MMU transitions in "${g.segment}"`);
        assert.deepEqual(mine.splitEvents, g.split_huge_page);
      }
      const perPass = exp.perPass.map((_, n) => r.out.x86.segments.find((s) => s.label.startsWith(`pass ${n} begin`))?.faults ?? 0);
      assert.deepEqual(perPass, exp.perPass);
      assert.equal(r.out.counters.faults.total, exp.faults);
      assert.deepEqual(byClass(r), exp.findings);
      assert.equal(r.out.x86.hugePagesRecovered, exp.recovered);
      // Eager page splitting needs the TDP MMU: the marker may say Y, the replay must not assume it.
      assert.equal(r.out.x86.eagerSplit.trace, 'N');
      assert.equal(r.out.config.eagerSplitChunk, 0);
      assert.deepEqual(r.out.counters.splits, { fault: exp.recovered, eager: 0 }, 'every dropped huge page was recovered');
    });
  }
}

test('legacy MMU race_first_4k: the 19 data-page repeats (slow_set_again) are X1 rewrites, each pointing at the other vCPU\'s set_spte; re-sets of prefetched SPTEs are not', async () => {
  const r = await run('race_first_4k-tdp0');
  const p1 = pass(r, 1);
  const gt = groundTruth('race_first_4k-tdp0').segments.find((g) => g.segment.startsWith('pass 1 begin'))!;
  assert.equal(gt.duplicate_faults, 19);
  assert.deepEqual(p1.outcomes, { slow_set_first: 512, slow_set_again: 19 });
  const inPass = r.out.findings.filter((f) => f.line > p1.line && f.ipa!.start >= 0x40000000);
  assert.equal(inPass.length, 19);
  assert.ok(inPass.every((f) => f.cls === 'X1' && f.observed && /Legacy MMU: kvm_mmu_set_spte/.test(f.message) && f.related.length === 2 && f.related[0].line < f.related[1].line));
});

test('legacy MMU race_wp_4k: S1 equals the kernel\'s fast_page_fault spurious 1 per pass (7, 3); the write-protect itself is not traced', async () => {
  const r = await run('race_wp_4k-tdp0');
  assert.deepEqual([pass(r, 2).fast, pass(r, 3).fast], [{ total: 519, fixed: 512, spurious: 7, neither: 0 }, { total: 515, fixed: 512, spurious: 3, neither: 0 }]);
  assert.deepEqual([pass(r, 2).findings, pass(r, 3).findings], [{ S1: 7 }, { S1: 3 }]);
  assert.equal(r.out.coverage?.find((c) => c.analysis === 'lost-races')?.support, 'observed');
});

test('legacy MMU race_split_noeager: 2 huge pages dropped in the fault path (X3 + S5, no split events), 79 lost fast-path races, both recovered at 2 MiB after logging', async () => {
  const r = await run('race_split_noeager-tdp0');
  assert.deepEqual(pass(r, 2).outcomes, { 'fast_fail+slow_set_first': 2, slow_set_first: 1022, slow_set_again: 221, none: 2 });
  assert.deepEqual(r.out.x86.fastPathFailures, { 'huge-page-under-dirty-logging': 2 });
  const s5 = r.out.findings.filter((f) => f.cls === 'S5');
  assert.ok(s5.every((f) => !f.observed && /legacy MMU, inferred/.test(f.message)));
  const x3 = r.out.findings.filter((f) => f.cls === 'X3');
  assert.ok(x3.every((f) => /dropped it and mapped 4 KiB/.test(f.message)));
  assert.deepEqual(pass(r, 3).findings, { S1: 79 });
  assert.ok(r.out.marks.toArray().filter((m) => m.kind === 'coalesce').length === 2);
  assert.ok(r.out.detected.some((d) => /eager page splitting needs the TDP MMU/.test(d)));
  // An eager-split what-if has nothing to act on without kvm_tdp_mmu_spte_changed, and says so.
  const whatIf = await replayFile(trace('race_split_noeager-tdp0'), x86Config({ eagerSplitChunk: 2 * 1024 * 1024 }));
  assert.deepEqual(pass(whatIf, 2).whatIfOutcomes, pass(r, 2).outcomes);
  assert.ok(whatIf.out.detected.some((d) => /nothing was changed/.test(d)));
});

test('shadow paging: told apart from the legacy MMU by #PF exits and guest page-table walks; no fast path; repeats (X1) and retries (S1) on every duplicate', async () => {
  const r = await run('race_wp_4k-npt0');
  assert.match(r.out.x86.flavour.why, /shadow paging \(\d+ guest page-table walk events, 1805 #PF exits/);
  assert.match(r.out.detected.find((d) => d.startsWith('paging levels'))!, /the guest's own paging mode/);
  for (const n of [2, 3]) {
    const p = pass(r, n);
    assert.equal(p.fast.total, 0);
    assert.equal((p.findings.X1 ?? 0) + (p.findings.S1 ?? 0), p.duplicates, `pass ${n}: a finding for every duplicate`);
  }
  assert.deepEqual([pass(r, 2).duplicates, pass(r, 3).duplicates], [97, 170]);
  assert.deepEqual(r.out.coverage?.filter((c) => c.support !== 'none').map((c) => `${c.analysis}:${c.support}`), ['lost-races:inferred', 'splitting:inferred']);
  const dirty = await run('dirty_manual_noeager-npt0');
  assert.deepEqual(pass(dirty, 3).outcomes, { slow_set_first: 1024 });
  assert.ok(dirty.out.findings.every((f) => f.cls === 'S5' && /shadow paging, inferred/.test(f.message)));
});

/** One pass over a trace for the replay, the stats and the recording evidence (what `stage2-lens stats` prints). */
async function replayWithCoverage(name: string): Promise<{ replay: X86Run['out']; coverage: ReturnType<typeof computeCoverage>; evidence: ReturnType<ReturnType<typeof createCoverageCollector>['evidence']>; kprobes: TraceEvent[]; rejected: number }> {
  const replayer = createX86Replayer(x86Config());
  const stats = createStatsCollector();
  const evidence = createCoverageCollector();
  const kprobes: TraceEvent[] = [];
  let rejected = 0;
  const result = await readTrace(createReadStream(trace(name)), {
    event(ev) {
      stats.event(ev);
      evidence.event(ev);
      replayer.event(ev);
      if (ev.decoded?.kind === 'kprobe') kprobes.push(ev);
    },
    rejected(r) {
      rejected++;
      stats.rejected?.(r);
    },
    special: (sp) => stats.special?.(sp),
  });
  stats.setFormat(result.format);
  const ev = evidence.evidence();
  return { replay: replayer.finish(), coverage: computeCoverage(stats.result(), { arch: 'x86', evidence: ev }), evidence: ev, kprobes, rejected };
}

const support = (c: { analysis: string; support: string }[]): Record<string, string> => Object.fromEntries(c.map((x) => [x.analysis, x.support]));

test('record-script --arch x86 on a real 6.12 kernel (basic probes): its markers read back, TDP MMU replay as the ground truth, coverage', async () => {
  const name = 'race_wp_4k_2m-s2lens-tdp1';
  const r = await replayWithCoverage(name);
  assert.equal(r.rejected, 0);
  const m = r.evidence.recording!;
  assert.deepEqual([m.begin.arch, m.begin.tool, m.begin.probes, m.begin.kernel, m.ended], ['x86', 'tracefs', 'basic', '6.12.117+deb12-amd64', true]);
  assert.deepEqual(m.params, { tdp_mmu: 'Y', eager_page_split: 'Y', nx_huge_pages: 'N', npt: 'Y' });
  assert.equal(m.probes.length, 0);
  assert.equal(r.replay.x86.flavour.flavour, 'tdp-mmu');
  for (const [mine, g] of pairSegments(r.replay.x86.segments, groundTruth(name).segments)) {
    assert.deepEqual(mine.outcomes, g.fault_outcomes, `outcomes of "${g.segment}"`);
    assert.deepEqual(mine.transitions, g.spte_changed_by_level_transition, `transitions of "${g.segment}"`);
  }
  assert.deepEqual(support(r.coverage), { 'lost-races': 'observed', 'invalid-windows': 'observed', splitting: 'observed', 'cmo-redundancy': 'none', 'tlb-cost': 'inferred', 'access-flag': 'observed', 'pinned-ranges': 'observed' });
});

test('record-script --arch x86 --probes full on a real 6.12 kernel: both TLB-flush kprobes defined with arguments, kvm_flush_remote_tlbs hit twice', async () => {
  const r = await replayWithCoverage('race_wp_4k_2m_full-s2lens-full-tdp1');
  assert.equal(r.rejected, 0);
  const m = r.evidence.recording!;
  assert.equal(m.begin.probes, 'full');
  assert.deepEqual(m.probes.map((p) => [p.name, p.symbol, p.withArgs]), [['x86_flush_remote_tlbs', 'kvm_flush_remote_tlbs', true], ['x86_flush_remote_tlbs_range', 'kvm_flush_remote_tlbs_range', true]]);
  assert.deepEqual(m.missing, []);
  assert.equal(r.kprobes.length, 2);
  assert.ok(r.kprobes.every((e) => e.decoded?.kind === 'kprobe' && e.decoded.symbol === 'kvm_flush_remote_tlbs'));
  const replayed = { out: r.replay };
  assert.deepEqual([pass(replayed, 2).fast, pass(replayed, 3).fast], [{ total: 622, fixed: 512, spurious: 110, neither: 0 }, { total: 597, fixed: 512, spurious: 85, neither: 0 }]);
});

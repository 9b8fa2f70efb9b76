// The x86 replay on the real x86-nested traces (Debian 6.12, AMD NPT, TDP MMU), checked against
// the kernel's own verdicts and the capture tool's ground truth (*.gt.json): per-segment fault
// outcomes, lost races (spurious 1), split races (errno -16), fast-path failures, and the
// eager-split what-if against the real eager runs. Skipped when ../shared is absent.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, createReadStream } from 'node:fs';
import { sharedOrSkip } from '../../support/shared';
import { pairSegments, pass, replayFile, x86Config, type GtSegment, type X86Run } from './x86Harness';
import { createAnalyzer } from '../../../src/core/index';
import { TimelineQuery } from '../../../src/core/query/index';
import { MAX_LISTED_PER_CLASS } from '../../../src/core/replay/findingSink';

const TRACES = ['race_first_4k', 'race_first_thp', 'race_wp_4k', 'race_split_noeager', 'race_split_eager', 'dirty_eager', 'dirty_noeager', 'dirty_manual_eager', 'dirty_manual_noeager'];
const EAGER = 2 * 1024 * 1024;

const cache = new Map<string, Promise<X86Run>>();

function tracePath(t: TestContext, name: string): string | undefined {
  return sharedOrSkip(t, 'traces', 'x86-nested', `${name}-tdp1.trace.gz`);
}

function run(path: string, key: string, cfg = x86Config()): Promise<X86Run> {
  let p = cache.get(key);
  if (!p) {
    p = replayFile(path, cfg);
    cache.set(key, p);
  }
  return p;
}

function groundTruth(path: string): GtSegment[] {
  return (JSON.parse(readFileSync(`${path.replace(/\.gz$/, '')}.gt.json`, 'utf8')) as { segments: GtSegment[] }).segments;
}

/** Every outcome count of `a` within 5% of `b` (and no outcome only on one side). */
function within5(a: Record<string, number>, b: Record<string, number>, what: string): void {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    assert.ok(Math.abs(x - y) <= 0.05 * Math.max(x, y), `${what}: ${k} ${x} vs ${y}`);
  }
}

for (const name of TRACES) {
  test(`${name}: 0 unrecognised lines, every x86 event decoded, per-segment outcomes, transitions and splits as the ground truth`, async (t) => {
    const path = tracePath(t, name);
    if (!path) return;
    const r = await run(path, name);
    assert.equal(r.rejected.length, 0, JSON.stringify(r.rejected.slice(0, 3)));
    assert.deepEqual([...r.undecoded], []);
    assert.equal(r.out.x86.flavour.flavour, 'tdp-mmu');
    assert.equal(r.out.x86.flavour.paging, 'npt');
    assert.equal(r.out.config.ipaBits, 48);
    for (const [mine, gt] of pairSegments(r.out.x86.segments, groundTruth(path))) {
      assert.deepEqual(mine.outcomes, gt.fault_outcomes, `outcomes of "${gt.segment}"`);
      assert.equal(mine.fast.fixed, gt.fast_page_fault.fixed ?? 0, `fast fixed in "${gt.segment}"`);
      assert.equal(mine.fast.spurious, gt.fast_page_fault.spurious ?? 0, `fast spurious in "${gt.segment}"`);
      assert.deepEqual(mine.transitions, gt.spte_changed_by_level_transition, `transitions of "${gt.segment}"`);
      assert.deepEqual(mine.splitEvents, gt.split_huge_page, `splits of "${gt.segment}"`);
    }
  });
}

test('race_wp_4k: S1 per pass equals the kernel\'s spurious 1 count (1921, 1840), also with fast_page_fault ignored', async (t) => {
  const path = tracePath(t, 'race_wp_4k');
  if (!path) return;
  const r = await run(path, 'race_wp_4k');
  assert.deepEqual([pass(r, 2).findings.S1, pass(r, 3).findings.S1], [1921, 1840]);
  assert.deepEqual([pass(r, 2).fast.spurious, pass(r, 3).fast.spurious], [1921, 1840]);
  const blind = await run(path, 'race_wp_4k-nofast', x86Config({ ignoreEvents: ['fast_page_fault'] }));
  const inferred = [pass(blind, 2).findings.S1 ?? 0, pass(blind, 3).findings.S1 ?? 0];
  assert.ok(Math.abs(inferred[0] - 1921) <= 0.05 * 1921 && Math.abs(inferred[1] - 1840) <= 0.05 * 1840, `inferred ${inferred}`);
  assert.deepEqual(inferred, [1921, 1840], 'measured: the inference is exact on this trace');
  assert.equal(blind.out.findings.filter((f) => f.cls === 'S1' && !f.observed).length, 3761);
});

test('race_first_4k: 2159 duplicate faults on 2048 data pages classified: Dirty-bit rewrites (X1, 2013 in the pass) and 146 retries (S1)', async (t) => {
  const path = tracePath(t, 'race_first_4k');
  if (!path) return;
  const r = await run(path, 'race_first_4k');
  const p1 = pass(r, 1);
  const next = r.out.x86.segments[r.out.x86.segments.indexOf(p1) + 1];
  const gt = groundTruth(path).find((g) => g.segment.startsWith('pass 1 begin'))!;
  assert.equal(gt.duplicate_faults, 2159);
  assert.deepEqual(p1.outcomes, { slow_map: 2049, 'slow_modify(clear_D)': 2013, none: 146, slow_spurious: 1 });
  // The replay counts duplicates on every page; the ground truth only on data pages (GPA >= 1 GiB).
  assert.equal(p1.duplicates, 2160);
  assert.deepEqual(p1.duplicateOutcomes, { 'slow_modify(clear_D)': 2013, none: 146, slow_spurious: 1 });
  const inPass = r.out.findings.filter((f) => f.line > p1.line && f.line < next.line);
  const x1 = inPass.filter((f) => f.cls === 'X1');
  const retries = inPass.filter((f) => f.cls === 'S1' && /retry/.test(f.message));
  const spurious = inPass.filter((f) => f.cls === 'S1' && /RET_PF_SPURIOUS/.test(f.message));
  assert.deepEqual([x1.length, retries.length, spurious.length, inPass.length], [2013, 146, 1, 2160]);
  const onData = inPass.filter((f) => f.ipa!.start >= 0x40000000);
  assert.equal(onData.length, gt.duplicate_faults, 'every data-page duplicate has a finding saying what it is');
  assert.deepEqual([onData.filter((f) => f.cls === 'X1').length, onData.filter((f) => f.cls === 'S1').length], [2012, 147]);
  assert.ok(x1.every((f) => /clear_D/.test(f.message)));
});

test('race_split_noeager: the 3 lost split races (errno -16) found; eager split moves every split out of the fault path, as race_split_eager shows', async (t) => {
  const path = tracePath(t, 'race_split_noeager');
  const eagerPath = tracePath(t, 'race_split_eager');
  if (!path || !eagerPath) return;
  const r = await run(path, 'race_split_noeager');
  const x2 = r.out.findings.filter((f) => f.cls === 'X2');
  assert.equal(x2.length, 3);
  assert.ok(x2.every((f) => /errno -16/.test(f.message) && f.related.length === 2));
  assert.deepEqual(r.out.counters.splits, { fault: 8, eager: 0 });
  const whatIf = await run(path, 'race_split_noeager-eager', x86Config({ eagerSplitChunk: EAGER }));
  const real = await run(eagerPath, 'race_split_eager');
  assert.deepEqual(whatIf.out.counters.splits, { fault: 0, eager: 8 });
  assert.deepEqual(real.out.counters.splits, { fault: 0, eager: 8 });
  assert.equal(whatIf.out.findings.filter((f) => f.cls === 'X2' || f.cls === 'X3' || f.cls === 'S5').length, 0);
  assert.ok(Object.keys(pass(whatIf, 2).whatIfOutcomes).every((k) => !k.includes('split')));
  assert.equal(pass(whatIf, 2).whatIfOutcomes.fast_fixed, pass(real, 2).outcomes.fast_fixed);
});

test('dirty_noeager as if eager_page_split=Y predicts dirty_eager\'s per-pass outcomes within 5% (and the reverse)', async (t) => {
  const path = tracePath(t, 'dirty_noeager');
  const eagerPath = tracePath(t, 'dirty_eager');
  if (!path || !eagerPath) return;
  const whatIf = await run(path, 'dirty_noeager-eager', x86Config({ eagerSplitChunk: EAGER }));
  const real = await run(eagerPath, 'dirty_eager');
  for (const n of [2, 3, 4]) within5(pass(whatIf, n).whatIfOutcomes, pass(real, n).outcomes, `pass ${n}`);
  assert.deepEqual(pass(whatIf, 2).whatIfOutcomes, { fast_fixed: 8192 });
  assert.deepEqual(whatIf.out.counters.splits, real.out.counters.splits);
  const reverse = await run(eagerPath, 'dirty_eager-noeager', x86Config({ eagerSplitChunk: 0 }));
  const realNo = await run(path, 'dirty_noeager');
  for (const n of [2, 3, 4]) within5(pass(reverse, n).whatIfOutcomes, pass(realNo, n).outcomes, `reverse pass ${n}`);
});

test('dirty_manual_noeager: the 8192 fast-path failures, explained (MMU-writable cleared by KVM_CLEAR_DIRTY_LOG, inherited by split children)', async (t) => {
  const path = tracePath(t, 'dirty_manual_noeager');
  const eagerPath = tracePath(t, 'dirty_manual_eager');
  if (!path || !eagerPath) return;
  const r = await run(path, 'dirty_manual_noeager');
  // Counted exactly; listed up to the shared per-class cap (src/core/replay/findingSink.ts).
  assert.equal(r.out.counters.faults.byClass.X3, 8192);
  assert.equal(r.out.findings.filter((f) => f.cls === 'X3').length, MAX_LISTED_PER_CLASS);
  assert.deepEqual(r.out.x86.fastPathFailures, { 'huge-page-under-dirty-logging': 16, 'not-mmu-writable-inherited-from-split': 8176 });
  assert.ok(r.out.detected.some((d) => /X3\): 8192/.test(d)));
  const whatIf = await run(path, 'dirty_manual_noeager-eager', x86Config({ eagerSplitChunk: EAGER }));
  const real = await run(eagerPath, 'dirty_manual_eager');
  for (const n of [2, 3, 4]) within5(pass(whatIf, n).whatIfOutcomes, pass(real, n).outcomes, `manual pass ${n}`);
  // And the reverse: the eager run replayed as if eager_page_split=N predicts the 8192 failures.
  const reverse = await run(eagerPath, 'dirty_manual_eager-noeager', x86Config({ eagerSplitChunk: 0 }));
  assert.deepEqual(pass(reverse, 3).whatIfOutcomes, pass(r, 3).outcomes);
  assert.equal(reverse.out.counters.faults.byClass.X3, 8192);
});

test('through the facade: x86 picked, --ignore-event applied, 0 unrecognised lines, vCPU lanes plus host', async (t) => {
  const path = tracePath(t, 'race_wp_4k');
  if (!path) return;
  const [plain, blind] = await createAnalyzer().analyzeMany(createReadStream(path), [{}, { ignoreEvents: ['fast_page_fault'] }]);
  assert.equal(plain.arch, 'x86');
  assert.equal(plain.stats.lines.unrecognized, 0);
  assert.equal(plain.findings.filter((f) => f.cls === 'S1').length, 3761);
  assert.equal(blind.findings.filter((f) => f.cls === 'S1').length, 3761);
  assert.equal(plain.lanes.length, 5);
  assert.ok(plain.lanes.slice(0, 4).every((l, i) => l.id.startsWith(`vCPU ${i} (kvmtest-`)));
  assert.equal(plain.lanes[4].id, 'host');
  assert.ok(plain.marks.toArray().some((m) => m.kind === 'fault' && m.lane.startsWith('vCPU ')));
});

test('timeline: x86 lanes (vCPU N + host) and classes come through the same query layer as arm64', async (t) => {
  const path = tracePath(t, 'race_split_noeager');
  if (!path) return;
  const r = await run(path, 'race_split_noeager');
  const q = new TimelineQuery({ a: { lanes: r.out.lanes, marks: r.out.marks } });
  const info = q.info();
  assert.deepEqual(info.lanes.map((l) => l.id.replace(/ \(.*\)$/, '')), ['vCPU 0', 'vCPU 1', 'vCPU 2', 'vCPU 3', 'host']);
  for (const cls of ['S1', 'S5', 'X1', 'X2', 'X3', 'fault', 'split', 'host', 'marker'] as const) assert.ok(info.classes.includes(cls), cls);
  const w = q.window(info.extent, 800)!;
  const vcpuTotal = w.lanes.filter((l) => l.lane.startsWith('vCPU')).reduce((a, l) => a + l.total.reduce((x, y) => x + y, 0), 0);
  assert.ok(vcpuTotal >= r.out.counters.faults.total, `${vcpuTotal} marks on vCPU lanes`);
});

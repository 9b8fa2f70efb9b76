// Trace sufficiency on real traces: the trace recorded with the generated script supports every
// analysis as observed (and reads with 0 unrecognised lines, also through the facade); tracepoint-
// only traces are inferred; probe traces are observed; x86 traces; nVHE reports TLB cost inferred.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TraceStats } from '../../../src/core/api';
import { computeCoverage } from '../../../src/core/analysis/coverage';
import { byName, gather, supports } from './coverageHelpers';
import { createAnalyzer } from '../../../src/core/index';
import { parseRecordingMarker } from '../../../src/core/record';
import { repoRoot, sharedOrSkip } from '../../support/shared';

const FIXTURE = join(repoRoot(), 'test', 'fixtures', 'recorded', 's2lens_race4_4k-vhe.trace.gz');

const ALL_OBSERVED = { 'lost-races': 'observed', 'invalid-windows': 'observed', splitting: 'observed', 'cmo-redundancy': 'observed', 'tlb-cost': 'observed', 'access-flag': 'observed', 'pinned-ranges': 'observed' };

test('the recorded fixture: 0 unrecognised lines, every analysis observed, the script markers read back', async () => {
  const { stats, evidence } = await gather(createReadStream(FIXTURE));
  assert.equal(stats.lines.unrecognized, 0);
  assert.equal(stats.lines.events, 66748);
  assert.deepEqual(stats.lostEvents, []);
  assert.deepEqual(supports(computeCoverage(stats, { arch: 'arm64' })), ALL_OBSERVED);
  assert.deepEqual(supports(computeCoverage(stats, { arch: 'arm64', evidence })), ALL_OBSERVED);
  for (const c of computeCoverage(stats, { arch: 'arm64', evidence })) assert.deepEqual(c.add, [], c.analysis);
  const rec = evidence.recording!;
  assert.equal(rec.begin['host-mode'], 'vhe');
  assert.equal(rec.begin.kernel, '6.12.117+deb12-arm64');
  assert.equal(rec.probes.length, 24);
  assert.deepEqual(rec.missing, []);
  assert.deepEqual(rec.phases, ['race4_4k', 'dirty_noeager', 'dirty_eager_unmap', 'access_age']);
  assert.deepEqual(rec.cpuFeatures, { fwb: '1', idc: '1', dic: '0', tlbirange: '1', hafdbs: '1', source: 'dmesg' });
  assert.equal(rec.ended, true);
  assert.deepEqual(evidence.timerMap, { vhe: 93, nvhe: 0 });
  assert.equal(evidence.opReturns.map, 4078);
  assert.equal(evidence.ops['try-break'], 4580);
});

test('through the facade the recorded fixture reads cleanly and is fully covered', async () => {
  const a = await createAnalyzer().analyze(createReadStream(FIXTURE));
  assert.equal(a.stats.lines.unrecognized, 0);
  assert.equal(a.arch, 'arm64');
  assert.deepEqual(supports(a.coverage), ALL_OBSERVED);
});

test('tracepoints only (race4_4k_evmin): maps, CMOs, TLBIs inferred, with the probes to add', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'arm64-nested', 'race4_4k_evmin-vhe.trace');
  if (!p) return;
  const { stats, evidence } = await gather(createReadStream(p));
  const c = computeCoverage(stats, { arch: 'arm64', evidence });
  assert.deepEqual(supports(c), { 'lost-races': 'inferred', 'invalid-windows': 'inferred', splitting: 'inferred', 'cmo-redundancy': 'inferred', 'tlb-cost': 'inferred', 'access-flag': 'inferred', 'pinned-ranges': 'inferred' });
  assert.deepEqual(byName(c, 'lost-races').add, [
    'kprobe p:s2lens/s2_map kvm_pgtable_stage2_map addr=%x1:x64 size=%x2:x64 phys=%x3:x64 prot=%x4:x32',
    'kprobe r:s2lens/s2_map_ret kvm_pgtable_stage2_map ret=$retval:s32',
    'or record with: stage2-lens record-script --arch arm64 --mode vhe',
  ]);
  assert.ok(byName(c, 'cmo-redundancy').add.includes('kprobe p:s2lens/dcache_clean clean_dcache_guest_page va=%x0:x64 size=%x1:x64'));
  assert.ok(byName(c, 'invalid-windows').add.includes('or record with: stage2-lens record-script --arch arm64 --mode vhe --probes full'));
});

test('kprobes + function tracer (race4_4k_fnkp): races and CMOs observed; no TLBI in it, so TLB cost inferred', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'arm64-nested', 'race4_4k_fnkp-vhe.trace');
  if (!p) return;
  const { stats, evidence } = await gather(createReadStream(p));
  const withEvidence = supports(computeCoverage(stats, { arch: 'arm64', evidence }));
  assert.deepEqual(withEvidence, { 'lost-races': 'observed', 'invalid-windows': 'observed', splitting: 'inferred', 'cmo-redundancy': 'observed', 'tlb-cost': 'inferred', 'access-flag': 'inferred', 'pinned-ranges': 'inferred' });
  // from statistics alone the function-tracer lines (break/make) are not attributable
  assert.equal(supports(computeCoverage(stats, { arch: 'arm64' }))['invalid-windows'], 'inferred');
  assert.match(byName(computeCoverage(stats, { arch: 'arm64', evidence }), 'tlb-cost').why, /none happened, or __kvm_tlb_flush_vmid\* was not probed/);
});

test('dirty logging with eager split (dirty_eager): splitting and TLB cost observed', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'arm64-nested', 'dirty_eager-vhe.trace');
  if (!p) return;
  const { stats, evidence } = await gather(createReadStream(p));
  const c = supports(computeCoverage(stats, { arch: 'arm64', evidence }));
  assert.equal(c.splitting, 'observed');
  assert.equal(c['tlb-cost'], 'observed');
  assert.equal(c['lost-races'], 'observed');
});

test('x86 (race_first_4k, all kvm + kvmmmu events): SPTE-level analyses observed, CMO not applicable', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'x86-nested', 'race_first_4k-tdp1.trace.gz');
  if (!p) return;
  const { stats, evidence } = await gather(createReadStream(p));
  const c = computeCoverage(stats, { arch: 'x86', evidence });
  assert.deepEqual(supports(c), { 'lost-races': 'observed', 'invalid-windows': 'observed', splitting: 'observed', 'cmo-redundancy': 'none', 'tlb-cost': 'inferred', 'access-flag': 'inferred', 'pinned-ranges': 'observed' });
  assert.match(byName(c, 'cmo-redundancy').why, /not applicable on x86/);
  assert.deepEqual(byName(c, 'tlb-cost').add, ['kprobe p:s2lens/x86_flush_remote_tlbs kvm_flush_remote_tlbs', 'kprobe p:s2lens/x86_flush_remote_tlbs_range kvm_flush_remote_tlbs_range gfn=%si:x64 pages=%dx:x64', 'or record with: stage2-lens record-script --arch x86 --probes full']);
});

function text(lines: string[]): AsyncIterable<Uint8Array> {
  return Readable.from([Buffer.from(['# tracer: nop', '#', ...lines, ''].join('\n'))]);
}
const L = (task: string, ts: string, body: string): string => `${task.padStart(16)} [000] .....   ${ts}: ${body}`;
const nvheLines = [
  L('kvmtest-300', '10.000001', 'kvm_get_timer_map: VCPU: 0, dv: 1, dp: -1, ev: -1, ep: 0'),
  L('kvmtest-300', '10.000010', 'kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x000000001000001c'),
  L('kvmtest-300', '10.000011', 'kvm_guest_fault: ipa 0x40000000, hsr 0x93c08007, hxfar 0x40000800, pc 0x1000001c'),
  L('kvmtest-300', '10.000012', 's2_map: (kvm_pgtable_stage2_map+0x0/0x140) addr=0x40000000 size=0x1000 phys=0x8b2c43000 prot=0x6'),
  L('kvmtest-300', '10.000013', 'dcache_clean: (clean_dcache_guest_page+0x0/0x30) va=0xffff0008b2c43000 size=0x1000'),
  L('kvmtest-300', '10.000014', 's2_map_ret: (user_mem_abort+0x3a4/0x8f0 <- kvm_pgtable_stage2_map) ret=0'),
  L('kvmtest-300', '10.000020', 'kvm_entry: PC: 0x000000001000001c'),
];

test('nVHE is detected from kvm_get_timer_map: TLB cost inferred because the TLBIs run at EL2', async () => {
  const { stats, evidence } = await gather(text(nvheLines));
  assert.equal(stats.lines.unrecognized, 0);
  assert.deepEqual(evidence.timerMap, { vhe: 0, nvhe: 1 });
  const tlb = byName(computeCoverage(stats, { arch: 'arm64', evidence }), 'tlb-cost');
  assert.equal(tlb.support, 'inferred');
  assert.match(tlb.why, /^nVHE host \(kvm_get_timer_map shows the nVHE pattern \(dp: -1 \.\.\. ep: 0\)\): the TLB invalidations run at EL2 and are invisible/);
  assert.ok(tlb.add.includes('kprobe p:s2lens/tlbi_range_wrapper kvm_tlb_flush_vmid_range addr=%x1:x64 size=%x2:x64'));
  assert.equal(byName(computeCoverage(stats, { arch: 'arm64', evidence }), 'lost-races').support, 'observed');
});

test('nVHE from the recording script marker, with the host-side wrappers recorded', async () => {
  const lines = [
    L('sh-195', '9.000001', 'tracing_mark_write: stage2-lens: recording begin arch=arm64 mode=nvhe host-mode=nvhe kernel=6.12.117+deb12-arm64 tool=tracefs probes=basic buffer-kb=16384'),
    L('sh-195', '9.000002', 'tracing_mark_write: stage2-lens: probe tlbi_range_wrapper kvm_tlb_flush_vmid_range args'),
    ...nvheLines.slice(1),
    L('kvmtest-300', '10.000030', 'tlbi_range_wrapper: (kvm_tlb_flush_vmid_range+0x0/0x90) addr=0x40000000 size=0x200000'),
  ];
  const { stats, evidence } = await gather(text(lines));
  const tlb = byName(computeCoverage(stats, { arch: 'arm64', evidence }), 'tlb-cost');
  assert.equal(tlb.support, 'inferred');
  assert.match(tlb.why, /^nVHE host \(the recording script saw an nVHE host\): .* 1 host-side flush requests are recorded$/);
  assert.deepEqual(tlb.add, ['the EL2 TLBIs themselves are visible only on a VHE host']);
});

test('map probes but no TLBI at all: mode unknown, TLB cost inferred with the reason', async () => {
  const { stats, evidence } = await gather(text(nvheLines.slice(1)));
  const tlb = byName(computeCoverage(stats, { arch: 'arm64', evidence }), 'tlb-cost');
  assert.equal(tlb.support, 'inferred');
  assert.match(tlb.why, /an nVHE host \(TLBIs at EL2\) or no TLBI probes were defined/);
});

test('no faults at all: nothing is supported, and the events to enable are named', async () => {
  const { stats, evidence } = await gather(text([L('sh-1', '1.000000', 'tracing_mark_write: hello')]));
  const c = computeCoverage(stats, { arch: 'arm64', evidence });
  assert.ok(c.every((x) => x.support === 'none'));
  assert.equal(byName(c, 'lost-races').add[0], 'event kvm:kvm_guest_fault');
});

test('lost events are mentioned in every supported analysis', () => {
  const stats: TraceStats = {
    format: 'ftrace', lines: { total: 3, events: 2, unrecognized: 0, special: 1 }, firstTs: 0, lastTs: 1,
    events: { kvm_guest_fault: 1, s2_map: 1, s2_map_ret: 1 }, perTask: {}, faultsByClassLevel: {}, unrecognized: [],
    lostEvents: [{ cpu: 1, count: 42, line: 2 }], timestampsBackwards: 0, lacks: [],
  };
  const c = computeCoverage(stats, { arch: 'arm64' });
  assert.equal(byName(c, 'lost-races').support, 'observed');
  assert.match(byName(c, 'lost-races').why, /\(42 events were lost while recording: the gaps are inferred\)$/);
});

test('marker parsing', () => {
  assert.deepEqual(parseRecordingMarker('stage2-lens: probe split_huge kvm_mmu_split_huge_pages.isra.0 args'), { kind: 'probe', name: 'split_huge', symbol: 'kvm_mmu_split_huge_pages.isra.0', withArgs: true });
  assert.deepEqual(parseRecordingMarker('stage2-lens: params tdp_mmu=Y eager_page_split=N npt=Y'), { kind: 'params', fields: { tdp_mmu: 'Y', eager_page_split: 'N', npt: 'Y' } });
  assert.deepEqual(parseRecordingMarker('stage2-lens: missing s2_flush kvm_pgtable_stage2_flush not-in-available_filter_functions'), { kind: 'missing', name: 's2_flush', symbols: ['kvm_pgtable_stage2_flush'], reason: 'not-in-available_filter_functions' });
  assert.deepEqual(parseRecordingMarker('stage2-lens: phase warm up'), { kind: 'phase', name: 'warm up' });
  assert.equal(parseRecordingMarker('kvmtest: pass 1 begin'), undefined);
  assert.equal(parseRecordingMarker('stage2-lens: bogus'), undefined);
});

test('an x86 recording that enabled kvmmmu as a whole counts its events as enabled even when none fired', async () => {
  const lines = [
    L('sh-1', '1.000001', 'tracing_mark_write: stage2-lens: recording begin arch=x86 mode=n/a host-mode=n/a kernel=6.12.0 tool=tracefs probes=basic buffer-kb=16384'),
    L('sh-1', '1.000002', 'tracing_mark_write: stage2-lens: events kvm:kvm_exit kvm:kvm_entry kvm:kvm_page_fault kvm:kvm_age_hva kvmmmu:all'),
    L('sh-1', '1.000003', 'tracing_mark_write: stage2-lens: params tdp_mmu=Y eager_page_split=Y npt=Y'),
  ];
  const { stats, evidence } = await gather(text(lines));
  assert.deepEqual(evidence.recording!.events, ['kvm:kvm_exit', 'kvm:kvm_entry', 'kvm:kvm_page_fault', 'kvm:kvm_age_hva', 'kvmmmu:*']);
  assert.deepEqual(evidence.recording!.params, { tdp_mmu: 'Y', eager_page_split: 'Y', npt: 'Y' });
  const c = supports(computeCoverage(stats, { arch: 'x86', evidence }));
  assert.deepEqual(c, { 'lost-races': 'observed', 'invalid-windows': 'observed', splitting: 'observed', 'cmo-redundancy': 'none', 'tlb-cost': 'inferred', 'access-flag': 'observed', 'pinned-ranges': 'observed' });
});

test('an x86 recording on the legacy MMU (params tdp_mmu=N, kvmmmu enabled as a whole) is not credited with the TDP MMU events, and is not told to add them', async () => {
  const lines = [
    L('sh-1', '1.000001', 'tracing_mark_write: stage2-lens: recording begin arch=x86 mode=n/a host-mode=n/a kernel=6.12.0 tool=tracefs probes=basic buffer-kb=16384'),
    L('sh-1', '1.000002', 'tracing_mark_write: stage2-lens: events kvm:kvm_exit kvm:kvm_entry kvm:kvm_page_fault kvm:kvm_age_hva kvmmmu:all'),
    L('sh-1', '1.000003', 'tracing_mark_write: stage2-lens: params tdp_mmu=N eager_page_split=Y npt=Y'),
  ];
  const { stats, evidence } = await gather(text(lines));
  const c = computeCoverage(stats, { arch: 'x86', evidence });
  assert.deepEqual(supports(c), { 'lost-races': 'observed', 'invalid-windows': 'inferred', splitting: 'inferred', 'cmo-redundancy': 'none', 'tlb-cost': 'inferred', 'access-flag': 'observed', 'pinned-ranges': 'inferred' });
  assert.match(byName(c, 'splitting').why, /^legacy MMU: huge pages are dropped and refaulted at 4 KiB, never split/);
  assert.ok(c.every((it) => it.add.every((a) => !/kvm_tdp_mmu_spte_changed|kvm_mmu_split_huge_page/.test(a))));
  // npt=N: shadow paging, whatever tdp_mmu says.
  const shadow = await gather(text([...lines.slice(0, 2), L('sh-1', '1.000003', 'tracing_mark_write: stage2-lens: params tdp_mmu=Y eager_page_split=Y npt=N')]));
  assert.match(byName(computeCoverage(shadow.stats, { arch: 'x86', evidence: shadow.evidence }), 'lost-races').why, /^shadow paging \(the params marker says npt=N\): /);
});

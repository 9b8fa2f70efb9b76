// The nVHE fixture recorded for real (test/fixtures/recorded/s2lens_race4_4k-nvhe.*, made by
// `MODE=nvhe tools/capture/run-capture.sh`): it reads with 0 unrecognised lines, the script's marker
// lines and printed output say nVHE and that the TLB invalidations are invisible, and the coverage
// report (directly and through the createAnalyzer() facade) has TLB cost inferred for that reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeCoverage } from '../../../src/core/analysis/coverage';
import { byName, gather, supports } from './coverageHelpers';
import { createAnalyzer } from '../../../src/core/index';
import { repoRoot } from '../../support/shared';

const DIR = join(repoRoot(), 'test', 'fixtures', 'recorded');
const TRACE = join(DIR, 's2lens_race4_4k-nvhe.trace.gz');
const SCRIPT = join(DIR, 's2lens_race4_4k-nvhe.record.sh');
const LOG = join(DIR, 's2lens_race4_4k-nvhe.log');

const TLB_INFERRED_REST_OBSERVED = { 'lost-races': 'observed', 'invalid-windows': 'observed', splitting: 'observed', 'cmo-redundancy': 'observed', 'tlb-cost': 'inferred', 'access-flag': 'observed', 'pinned-ranges': 'observed' };
const EL2_REASON = /^nVHE host \(the recording script saw an nVHE host\): the TLB invalidations run at EL2 and are invisible to the tracer, so their number and cost are inferred from the model; 12 host-side flush requests are recorded$/;
const EL2_TLBI_PROBES = ['tlbi_ipa', 'tlbi_ipa_nsh', 'tlbi_range', 'tlbi_vmid'];

test('nVHE fixture: 0 unrecognised lines, no lost events, the counts of the real run', async () => {
  const { stats, evidence } = await gather(createReadStream(TRACE));
  assert.deepEqual(stats.lines, { total: 54085, events: 54073, unrecognized: 0, special: 12 });
  assert.deepEqual(stats.lostEvents, []);
  assert.equal(stats.events.kvm_guest_fault, 4978);
  assert.equal(stats.events.s2_map_ret, 3925);
  assert.equal(stats.events.tlbi_range_wrapper, 12);
  // nothing at EL2 is traced: no __kvm_tlb_flush_vmid* line at all
  for (const name of EL2_TLBI_PROBES) assert.equal(stats.events[name], undefined, name);
  assert.equal(evidence.ops['tlbi-ipa'] ?? 0, 0);
  assert.equal(evidence.ops['tlbi-range'] ?? 0, 0);
  assert.equal(evidence.ops['tlbi-vmid-range-wrapper'], 12);
  // every kvm_get_timer_map line has the nVHE pattern (dp: -1 ... ep: 0)
  assert.deepEqual(evidence.timerMap, { vhe: 0, nvhe: 549 });
});

test("nVHE fixture: the script's marker lines say nVHE, and define only the host-side TLB flush probes", async () => {
  const { evidence } = await gather(createReadStream(TRACE));
  const rec = evidence.recording!;
  assert.deepEqual(rec.begin, { arch: 'arm64', mode: 'nvhe', 'host-mode': 'nvhe', kernel: '6.12.117+deb12-arm64', tool: 'tracefs', probes: 'full', 'buffer-kb': '16384' });
  assert.equal(rec.probes.length, 22);
  const names = rec.probes.map((p) => p.name);
  for (const name of EL2_TLBI_PROBES) assert.ok(!names.includes(name), `${name} must not be defined on nVHE`);
  assert.deepEqual(rec.probes.filter((p) => p.name.includes('tlb')).map((p) => [p.name, p.symbol]), [
    ['tlbi_range_wrapper', 'kvm_tlb_flush_vmid_range'],
    ['flush_remote_tlbs', 'kvm_arch_flush_remote_tlbs'],
  ]);
  // the EL2 TLBIs are left out on purpose, not reported as missing symbols
  assert.deepEqual(rec.missing, []);
  assert.deepEqual(rec.phases, ['race4_4k', 'dirty_noeager', 'dirty_eager_unmap', 'access_age']);
  assert.deepEqual(rec.cpuFeatures, { fwb: '1', idc: '1', dic: '0', tlbirange: '1', hafdbs: '1', source: 'dmesg' });
  assert.equal(rec.ended, true);
});

test('nVHE fixture: the script that ran, and what it printed, say the TLB invalidations are invisible', () => {
  const script = readFileSync(SCRIPT, 'utf8');
  assert.match(script.split('\n')[1], /^# Stage-2 Lens recording script: arm64 host, KVM in nVHE mode \(TLB invalidations run at EL2 and are invisible/);
  assert.ok(!script.includes('__kvm_tlb_flush_vmid_ipa'), 'no probe on an EL2 TLBI primitive');
  execFileSync('sh', ['-n', SCRIPT]);
  const log = readFileSync(LOG, 'utf8');
  assert.ok(log.includes('stage2-lens: kernel 6.12.117+deb12-arm64, KVM mode: nvhe (this script was generated for nvhe)'));
  assert.ok(log.includes('stage2-lens: nVHE: the TLB invalidations (__kvm_tlb_flush_vmid*) run at EL2 and are NOT visible to ftrace or kprobes.'));
  assert.ok(log.includes('stage2-lens: wrote /tmp/s2lens.trace (6675595 bytes): lost events: 0, LOST markers: 0, missed probe hits: 0'));
});

test('nVHE fixture: computeCoverage has TLB cost inferred with the EL2 reason, every other analysis observed', async () => {
  const { stats, evidence } = await gather(createReadStream(TRACE));
  const c = computeCoverage(stats, { arch: 'arm64', evidence });
  assert.deepEqual(supports(c), TLB_INFERRED_REST_OBSERVED);
  assert.match(byName(c, 'tlb-cost').why, EL2_REASON);
  assert.deepEqual(byName(c, 'tlb-cost').add, ['the EL2 TLBIs themselves are visible only on a VHE host']);
  for (const it of c.filter((x) => x.analysis !== 'tlb-cost')) assert.deepEqual(it.add, [], it.analysis);
  // from the statistics alone nVHE is told by the wrappers without any __kvm_tlb_flush_vmid*
  const s = computeCoverage(stats, { arch: 'arm64' });
  assert.deepEqual(supports(s), TLB_INFERRED_REST_OBSERVED);
  assert.match(byName(s, 'tlb-cost').why, /^nVHE host \(only the host-side TLB flush wrappers appear, no __kvm_tlb_flush_vmid\* \(those run at EL2 on nVHE\)\): the TLB invalidations run at EL2 and are invisible/);
});

test('nVHE fixture through the facade: the analysis coverage says the same', async () => {
  const a = await createAnalyzer().analyze(createReadStream(TRACE));
  assert.equal(a.arch, 'arm64');
  assert.equal(a.stats.lines.unrecognized, 0);
  assert.equal(a.stats.lines.events, 54073);
  assert.deepEqual(supports(a.coverage), TLB_INFERRED_REST_OBSERVED);
  assert.match(byName(a.coverage, 'tlb-cost').why, EL2_REASON);
  assert.deepEqual(byName(a.coverage, 'tlb-cost').add, ['the EL2 TLBIs themselves are visible only on a VHE host']);
});

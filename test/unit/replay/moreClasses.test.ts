// The classes with no real trace to show them, each on a small hand-written trace in
// test/fixtures/replay/ with exactly the expected findings: S6 (notifier retry), S8 (stage-1 walk
// double fault), C5 (I-cache invalidation in a data fault), C6 (CMO on device memory), C7 (repeated
// set/way full-VM flush).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';
import { analyzeText, classes } from './traceBuilder';

const fixture = (name: string): string => readFileSync(join(repoRoot(), 'test', 'fixtures', 'replay', name), 'utf8');

test('S6: a fault dropped while kvm_unmap_hva_range was in flight, then the same page faults again', async () => {
  const [a] = await analyzeText(fixture('s6_notifier_retry.trace'));
  assert.deepEqual(classes(a), { S6: 1 });
  const f = a.findings[0];
  assert.equal(f.code, 'S6-notifier-retry');
  assert.equal(f.line, 13); // the repeated kvm_guest_fault
  assert.deepEqual(f.related.map((r) => r.line), [10, 9]); // the unmap in flight, the first fault
  assert.deepEqual(f.ipa, { start: 0x40003000, size: 0x1000 });
  assert.equal(f.observed, true);
  assert.equal(a.counters.faults.total, 2);
  assert.equal(a.stateAt(17, 0x40003000)?.mappedAtLine, 16);
});

test('S6 on arm64 is VM-wide: an invalidation of another range, begun before the fault\'s exit, makes it retry; once a later map shows it ended, no more', async () => {
  // Line 8: kvm_unmap_hva_range of another range (its s2_unmap at 0x40600000, line 9) before vCPU 306's exit
  // (line 10); the fault at 0x40003000 maps nothing (line 11), the retry maps (line 14): S6 on line 14.
  // vCPU 306's map at line 15 came after that unmap, so its mmu_invalidate_retry() passed: the invalidation had
  // ended, and vCPU 307's fault without a map at line 21 (exit at 20) is no S6 half.
  const [a] = await analyzeText(fixture('s6_vm_wide_notifier.trace'));
  assert.deepEqual(classes(a), { S6: 1 });
  const f = a.findings[0];
  assert.equal(f.line, 14);
  assert.deepEqual(f.related.map((r) => r.line), [8, 11]);
  assert.match(f.message, /in flight in the VM \(begun before that fault's exit, not ended\): mmu_invalidate_retry\(\) retries on the VM-wide mmu_invalidate_seq/);
});

test('S6 needs the map probes: from tracepoints alone the retry cannot be told from a lost map', async () => {
  const [a] = await analyzeText(fixture('s6_notifier_retry.trace'), [{ tracepointsOnly: true }]);
  assert.equal(classes(a).S6, undefined);
});

test('S3 is told apart by when the entry got the access: relaxed by another vCPU after this exit (lost race), -EAGAIN (lost race), before this vCPU entered (stale TLB)', async () => {
  const [a] = await analyzeText(fixture('s3_relax_race.trace'));
  assert.deepEqual(classes(a), { S3: 3 });
  const [race, eagain, stale] = a.findings;
  // vCPU 307 exited (line 17) before vCPU 306's relax wrote W (line 20): its walk met the read-only entry.
  assert.equal(race.line, 18);
  assert.match(race.message, /^Lost race: kvmtest-306 relaxed 0x40003000 while this fault was being handled/);
  assert.deepEqual(race.related.map((r) => r.line), [20]);
  assert.equal(eagain.line, 26);
  assert.match(eagain.message, /^Lost race on 0x40003000: the relax returned -EAGAIN/);
  // vCPU 308 entered the guest (line 29) after the entry had W (line 20): its TLB held the read-only entry.
  assert.equal(stale.line, 31);
  assert.match(stale.message, /had given the entry this access before this vCPU entered the guest: a stale TLB entry/);
  assert.deepEqual(stale.related.map((r) => r.line), [20]);
});

test('S8: a stage-1 walk translation fault, then its permission fault (S1PTW=1)', async () => {
  const [a] = await analyzeText(fixture('s8_s1ptw_double.trace'));
  assert.deepEqual(classes(a), { S8: 1 });
  const f = a.findings[0];
  assert.equal(f.code, 'S8-s1ptw-double');
  assert.equal(f.line, 13);
  assert.deepEqual(f.related.map((r) => r.line), [7]);
  assert.equal(f.severity, 'hint');
  const [tp] = await analyzeText(fixture('s8_s1ptw_double.trace'), [{ tracepointsOnly: true }]);
  assert.deepEqual(classes(tp), { S8: 1 });
});

test('C5 and C6: an I-cache invalidation in a data fault, a D-cache clean of a device mapping', async () => {
  // DIC must be known clear (configuration or the cpu-features marker): a data fault mapping X is also what DIC looks like.
  const [a, dic] = await analyzeText(fixture('c5_c6_cmo.trace'), [{ fwb: false, dic: false }, { fwb: false, dic: true }]);
  assert.deepEqual(classes(a), { C5: 1, C6: 1 });
  const c5 = a.findings.find((f) => f.cls === 'C5')!;
  const c6 = a.findings.find((f) => f.cls === 'C6')!;
  assert.equal(c5.code, 'C5-icache-without-exec');
  assert.equal(c5.line, 11);
  assert.deepEqual(c5.ipa, { start: 0x40000000, size: 0x1000 });
  assert.equal(c6.code, 'C6-cmo-non-cacheable');
  assert.equal(c6.line, 16);
  assert.deepEqual(c6.ipa, { start: 0x9000000, size: 0x1000 });
  assert.equal(a.counters.cmo.redundantBytesByClass.C5, 0x1000);
  assert.equal(a.counters.cmo.redundantBytesByClass.C6, 0x1000);
  // The DIC what-if replays the model's CMOs (which never clean device memory): the invalidation is an ISB (C2).
  assert.deepEqual(classes(dic), { C2: 1 });
});

test('C7: a second set/way flush with the caches still off; after turning them on, a flush is fine', async () => {
  const [a] = await analyzeText(fixture('c7_set_way.trace'));
  assert.deepEqual(classes(a), { C7: 1 });
  const f = a.findings[0];
  assert.equal(f.code, 'C7-redundant-vm-flush');
  assert.equal(f.line, 10);
  assert.deepEqual(f.related.map((r) => r.line), [7]);
  assert.equal(f.ipa, undefined);
});

// test/fixtures/recorded/s6-compact: a real arm64 trace whose vCPUs fault while memory compaction keeps
// MMU-notifier invalidations in flight. Every fault that repeats, on the same page, a fault of the same vCPU
// that mapped nothing is S6 (truth.json, from the probes), also when the invalidation in flight covers another
// page and began before the fault's exit: arm64's mmu_invalidate_retry() is VM-wide (issue #14 item 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer } from '../../../src/core/index';
import { repoRoot } from '../../support/shared';

const DIR = join(repoRoot(), 'test/fixtures/recorded/s6-compact');

test('s6-compact: S6 = the probes\' repeated faults after a fault that mapped nothing; S1 within the -EAGAIN maps', async () => {
  const truth = JSON.parse(readFileSync(join(DIR, 'truth.json'), 'utf8')) as { repeated_after_no_map: number; map_ret_eagain: number };
  const [a] = await createAnalyzer().analyzeMany(createReadStream(join(DIR, 's6_compact-vhe.head.trace.gz')), [{}]);
  const by = a.counters.faults.byClass;
  assert.equal(by.S6, truth.repeated_after_no_map);
  // A lost race is a map that returned -EAGAIN; not every -EAGAIN is a lost race (a retried S6 may lose too).
  assert.ok((by.S1 ?? 0) <= truth.map_ret_eagain && (by.S1 ?? 0) >= truth.map_ret_eagain * 0.9, `S1 ${by.S1} vs ${truth.map_ret_eagain} maps returning -EAGAIN`);
  // The storm on 0x40085000: the invalidation in flight (line 5395) is of 0x4005f000 (s2_unmap, line 5399)
  // and began before the first dropped fault's exit.
  const f = a.findings.find((x) => x.cls === 'S6' && x.ipa?.start === 0x40085000);
  assert.ok(f);
  assert.equal(f.related[0].line, 5395);
  assert.match(f.message, /in flight in the VM \(begun before that fault's exit, not ended\): mmu_invalidate_retry\(\) retries on the VM-wide mmu_invalidate_seq/);
});

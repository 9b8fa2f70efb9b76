// The trace recorded by the generated script (test/fixtures/recorded/): through the facade every
// coverage analysis is observed, the CPU features come from its `stage2-lens: cpu-features` marker
// (FWB on), with FWB every clean_dcache_guest_page call is a C1 finding, and the lost races are
// exactly the map returns of -EAGAIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer } from '../../../src/core/index';
import { repoRoot } from '../../support/shared';

const FIXTURE = join(repoRoot(), 'test', 'fixtures', 'recorded', 's2lens_race4_4k-vhe.trace.gz');
const DCACHE_CLEAN_LINES = 3088; // `grep -c ' dcache_clean: ' ` on the fixture (README.md there)

test('recorded trace: 7 analyses observed, FWB from the cpu-features marker, every dcache clean is C1', async () => {
  const [a, noFwb] = await createAnalyzer().analyzeMany(createReadStream(FIXTURE), [{}, { fwb: false }]);
  assert.deepEqual(
    Object.fromEntries(a.coverage.map((c) => [c.analysis, c.support])),
    { 'lost-races': 'observed', 'invalid-windows': 'observed', splitting: 'observed', 'cmo-redundancy': 'observed', 'tlb-cost': 'observed', 'access-flag': 'observed', 'pinned-ranges': 'observed' },
  );
  assert.ok(a.detected.includes("fwb: on (from the recording script's cpu-features marker)"), a.detected.join('\n'));
  assert.ok(a.detected.includes("dic: off (from the recording script's cpu-features marker)"));
  assert.ok(a.detected.includes("idc: on (from the recording script's cpu-features marker)"));
  assert.ok(a.detected.some((d) => d.startsWith('hardware access flag: on (')));
  assert.equal(a.config.fwb, true);
  assert.equal(a.config.dic, false);
  const c1 = a.findings.filter((f) => f.cls === 'C1');
  assert.equal(c1.length, DCACHE_CLEAN_LINES);
  assert.ok(c1.every((f) => f.observed && f.code === 'C1-fwb-noop'));
  assert.equal(a.counters.cmo.redundantBytesByClass.C1, c1.reduce((n, f) => n + (f.ipa?.size ?? 0), 0));
  assert.equal(a.counters.cmo.dcacheCleanBytes, 0);
  // Each phase runs a new VM at the same IPAs: a map returning 0 over a page the model still holds
  // from the previous VM is a fresh map, not a lost race. S1 = the 990 `s2_map_ret ... ret=-11` lines.
  const s1 = a.findings.filter((f) => f.cls === 'S1');
  assert.equal(a.counters.faults.byClass.S1, 990);
  assert.equal(s1.length, 990);
  assert.ok(s1.every((f) => f.observed));
  // An explicit --no-fwb is a what-if: the same calls, now doing real work.
  assert.equal(noFwb.findings.filter((f) => f.cls === 'C1').length, 0);
  assert.equal(noFwb.config.fwb, false);
  assert.ok(noFwb.counters.cmo.dcacheCleanBytes > 0);
});

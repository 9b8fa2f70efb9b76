// #14 item 7: an execute permission fault on a block splits it when the slot is logging
// (user_mem_abort() maps one page under memslot_is_logging(), as for a write), and relaxes it
// otherwise. Real recordings on cortex-a72 (no DIC): test/fixtures/recorded/exec-split/README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createAnalyzer, type Analysis, type ModelConfig } from '../../../src/core/index';
import { repoRoot } from '../../support/shared';

const DIR = join(repoRoot(), 'test', 'fixtures', 'recorded', 'exec-split');

async function analyze(file: string, config: Partial<ModelConfig> = {}): Promise<Analysis> {
  return createAnalyzer().analyze(createReadStream(join(DIR, file)), { config });
}

/** From the trace text alone: the 4K maps of the pass that executes every page (pass 3), i.e. the siblings of the split blocks. */
function siblingMaps(file: string): number {
  const text = gunzipSync(readFileSync(join(DIR, file))).toString('utf8');
  const pass3 = text.slice(text.indexOf('kvmtest: pass 3 begin'), text.indexOf('kvmtest: pass 3 end'));
  return (pass3.match(/ s2_map: .* size=0x1000 /g) ?? []).length;
}

test('exec faults on logged blocks split them in the fault path; their siblings then fault (S5), with probes and without', async () => {
  const siblings = siblingMaps('exec_log-a72.trace.gz');
  assert.equal(siblings, 1022);
  for (const config of [{}, { tracepointsOnly: true }]) {
    const a = await analyze('exec_log-a72.trace.gz', config);
    assert.equal(a.counters.splits.fault, 2, JSON.stringify(config));
    assert.equal(a.counters.faults.byClass.S5, siblings, JSON.stringify(config));
    assert.equal(a.counters.faults.byClass.S7, 2);
  }
});

test('a what-if that does not touch logging keeps the exec split: FEAT_BBM 2 removes no S5 and no fault', async () => {
  const analyzer = createAnalyzer();
  const [a, b] = await analyzer.analyzeMany(createReadStream(join(DIR, 'exec_log-a72.trace.gz')), [{}, { bbmLevel: 2 }]);
  assert.equal(b!.counters.faults.total, a!.counters.faults.total);
  assert.equal(b!.counters.faults.byClass.S5, a!.counters.faults.byClass.S5);
  assert.equal(b!.counters.splits.fault, 2);
});

test('without dirty logging the exec fault relaxes the block: no split, no S5', async () => {
  const a = await analyze('exec_nolog-a72.trace.gz');
  assert.equal(a.counters.splits.fault, 0);
  assert.equal(a.counters.faults.byClass.S5 ?? 0, 0);
  assert.equal(a.counters.faults.byClass.S7, 2);
  assert.equal(a.stats.events['s2_relax'], 2);
});

// Issue #15: the lazy run's eager-split what-if at two chunk sizes the kernel accepts (2 MiB and
// 1 GiB), against real runs of the same workload with KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE set
// (test/fixtures/recorded/eager-chunk/README.md): faults per pass, blocks split, TLB invalidations by
// kind (against the real runs' own TLBI probe lines), page-table pages and lock-hold chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer, type Analysis, type ModelConfig } from '../../../src/core/index';
import { repoRoot } from '../../support/shared';

const DIR = join(repoRoot(), 'test', 'fixtures', 'recorded', 'eager-chunk');
const MiB = 1 << 20;

async function analyze(file: string, config: Partial<ModelConfig> = {}): Promise<Analysis> {
  return createAnalyzer().analyze(createReadStream(join(DIR, file)), { config });
}

function passFaults(a: Analysis): Map<string, number> {
  return new Map((a.phases ?? []).filter((p) => /pass \d+ begin/.test(p.label)).map((p) => [/pass (\d+)/.exec(p.label)![1]!, p.faults]));
}

const within = (pred: number, real: number, pct: number): boolean => Math.abs(pred - real) <= (pct / 100) * Math.max(real, 1);

for (const [chunk, realFile, chunks] of [[2 * MiB, 'eager2m.trace.gz', 8], [1024 * MiB, 'eager1g.trace.gz', 1]] as const) {
  test(`the lazy run replayed with eager splitting at ${chunk / MiB} MiB matches the real run within 5%`, async () => {
    const [pred, real] = await Promise.all([analyze('eager0.trace.gz', { eagerSplitChunk: chunk }), analyze(realFile)]);
    // faults, pass by pass (pass 0 stores nothing: its few faults are the vCPUs' start-up, not compared)
    const p = passFaults(pred);
    const r = passFaults(real);
    for (const pass of ['1', '2', '3', '4']) assert.ok(within(p.get(pass)!, r.get(pass)!, 5), `pass ${pass}: predicted ${p.get(pass)} faults, real ${r.get(pass)}`);
    assert.ok(within(pred.counters.faults.total, real.counters.faults.total, 5));
    // blocks split eagerly, and the lock-hold chunks: one kvm_pgtable_stage2_split call per chunk in the real run
    assert.equal(pred.counters.splits.eager, real.counters.splits.eager);
    assert.equal(pred.counters.splits.fault, 0);
    assert.equal(real.stats.events['s2_split'], chunks);
    assert.equal(pred.counters.splitCosts.eagerChunks, chunks);
    // TLB invalidations by kind: the model's prediction against the real run's probe lines
    for (const [kind, probe] of [['ipa', 'tlbi_ipa'], ['ipaNsh', 'tlbi_ipa_nsh'], ['range', 'tlbi_range']] as const)
      assert.ok(within(pred.counters.tlbi[kind], real.stats.events[probe] ?? 0, 5), `${probe}: predicted ${pred.counters.tlbi[kind]}, real ${real.stats.events[probe]}`);
    // page-table pages: the model's count on the real run (no probe shows an allocation)
    assert.ok(within(pred.counters.splitCosts.tablePages, real.counters.splitCosts.tablePages, 5));
    // the real run times its own splits; the what-if never invents a hold time
    assert.equal(real.counters.splitCosts.timedEager.chunks, chunks);
    assert.equal(pred.counters.splitCosts.timedEager.chunks, 0);
  });
}

test('the lazy run compared with eager splitting says what B costs, with the lock hold unknown', async () => {
  const analyzer = createAnalyzer();
  const [a, b] = await analyzer.analyzeMany(createReadStream(join(DIR, 'eager0.trace.gz')), [{}, { eagerSplitChunk: 2 * MiB }]);
  const cmp = analyzer.compare(a!, b!);
  assert.ok(cmp.costs.some((l) => l.startsWith('MMU-lock hold of B') && l.includes('8 chunks') && l.includes('unknown')), cmp.costs.join('\n'));
  assert.ok(cmp.summary.includes('What B costs:'));
});

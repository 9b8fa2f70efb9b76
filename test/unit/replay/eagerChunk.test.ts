// Issue #15: the lazy run's eager-split what-if at two chunk sizes the kernel accepts (2 MiB and
// 1 GiB), against real runs of the same workload with KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE set
// (test/fixtures/recorded/eager-chunk/ and huge1g/, README in each): faults per pass, blocks split,
// TLB invalidations by kind (against the real runs' own TLBI probe lines), page-table pages and
// lock-hold chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer, type Analysis, type ModelConfig } from '../../../src/core/index';
import { repoRoot } from '../../support/shared';

const RECORDED = join(repoRoot(), 'test', 'fixtures', 'recorded');
const MiB = 1 << 20;

async function analyze(dir: string, file: string, config: Partial<ModelConfig> = {}): Promise<Analysis> {
  return createAnalyzer().analyze(createReadStream(join(RECORDED, dir, file)), { config });
}

/**
 * Faults per kvmtest pass as the replay judged them: a what-if counts the faults it keeps (its
 * faultsByKindLevel), not the trace's arrivals (Phase.faults); the lost races (S1) beside them.
 */
function passFaults(a: Analysis): Map<string, { faults: number; races: number }> {
  return new Map(
    (a.phases ?? [])
      .filter((p) => /pass \d+ begin/.test(p.label))
      .map((p) => [/pass (\d+)/.exec(p.label)![1]!, { faults: Object.values(p.faultsByKindLevel).reduce((x, y) => x + y, 0), races: p.byClass['S1'] ?? 0 }]),
  );
}

const within = (pred: number, real: number, pct: number, slack = 0): boolean => Math.abs(pred - real) <= (pct / 100) * Math.max(real, 1) + slack;

// Two real sets (README in each folder), each a lazy run and two eager runs of the same workload:
// eager-chunk, a 16 MiB slot of 2 MiB THP blocks; huge1g, one 1 GiB hugetlb block, which a 2 MiB
// chunk splits in 1 + 512 break-before-make sequences (a table of 2 MiB blocks, then each of them)
// and a 1 GiB chunk in one.
const SETS = [
  { dir: 'eager-chunk', lazy: 'eager0.trace.gz', runs: [[2 * MiB, 'eager2m.trace.gz', 8], [1024 * MiB, 'eager1g.trace.gz', 1]] },
  { dir: 'huge1g', lazy: 'g1_eager0.trace.gz', runs: [[2 * MiB, 'g1_eager2m.trace.gz', 512], [1024 * MiB, 'g1_eager1g.trace.gz', 1]] },
] as const;

for (const set of SETS) {
  for (const [chunk, realFile, chunks] of set.runs) {
    test(`${set.dir}: the lazy run replayed with eager splitting at ${chunk / MiB} MiB matches the real run within 5%`, async () => {
      const [pred, real] = await Promise.all([analyze(set.dir, set.lazy, { eagerSplitChunk: chunk }), analyze(set.dir, realFile)]);
      // faults, pass by pass (pass 0 stores nothing: its few faults are the vCPUs' start-up, not
      // compared); lost races depend on timing, not on the configuration, and are the only slack
      const p = passFaults(pred);
      const r = passFaults(real);
      for (const pass of ['1', '2', '3', '4']) {
        const [pp, rr] = [p.get(pass)!, r.get(pass)!];
        assert.ok(within(pp.faults, rr.faults, 5, Math.max(pp.races, rr.races)), `pass ${pass}: predicted ${pp.faults} faults, real ${rr.faults}`);
      }
      assert.ok(within(pred.counters.faults.total, real.counters.faults.total, 5), `faults: predicted ${pred.counters.faults.total}, real ${real.counters.faults.total}`);
      // blocks split eagerly (every break-before-make of a block), and the lock-hold chunks: one
      // kvm_pgtable_stage2_split call per chunk in the real run
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
}

test('the lazy run compared with eager splitting says what B costs, with the lock hold unknown', async () => {
  const analyzer = createAnalyzer();
  const [a, b] = await analyzer.analyzeMany(createReadStream(join(RECORDED, 'eager-chunk', 'eager0.trace.gz')), [{}, { eagerSplitChunk: 2 * MiB }]);
  const cmp = analyzer.compare(a!, b!);
  assert.ok(cmp.costs.some((l) => l.startsWith('MMU-lock hold of B') && l.includes('8 chunks') && l.includes('unknown')), cmp.costs.join('\n'));
  assert.ok(cmp.summary.includes('What B costs:'));
});

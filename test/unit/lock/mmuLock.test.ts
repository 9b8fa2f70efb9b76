// MMU-lock holds and waits on real recordings (test/fixtures/recorded/mmu-lock: 4 vCPUs writing
// while the VMM runs dirty-log rounds), checked against truth.py, which computes them from the raw
// lines without this code (and uses the VMM's markers, which the product does not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTrace } from '../../../src/core/read/readTrace';
import { createMmuLockCollector, NO_WRITER, type MmuLockReport } from '../../../src/core/lock/mmuLock';
import { decodeContentionBegin, decodeContentionEnd } from '../../../src/core/parse/decoders/lock';
import { repoRoot } from '../../support/shared';

const DIR = join(repoRoot(), 'test', 'fixtures', 'recorded', 'mmu-lock');

interface Truth {
  mmu_lock: string;
  read_waits: Record<string, { count: number; sum_ns: number }>;
  read_waits_total: { count: number; sum_ns: number };
  write_holds: Record<string, { count: number; sum_ns: number }>;
}

async function collect(file: string): Promise<MmuLockReport> {
  const c = createMmuLockCollector();
  await readTrace(createReadStream(join(DIR, file)), { event: (ev) => c.event(ev) });
  return c.result();
}

function within(actual: number, expected: number, share: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= share * expected, `${what}: ${actual} vs ${expected} (more than ${share * 100}% apart)`);
}

test('contention lines decode as the kernel prints them, as trace-cmd prints them and in -R form', () => {
  assert.deepEqual(decodeContentionBegin('000000007b0706b9 (flags=SPIN|READ)'), { kind: 'lock.contention_begin', lock: '7b0706b9', read: true, write: false, flags: ['SPIN', 'READ'] });
  assert.deepEqual(decodeContentionBegin('0xffff00001234abcd (flags=SPIN|WRITE)'), { kind: 'lock.contention_begin', lock: 'ffff00001234abcd', read: false, write: true, flags: ['SPIN', 'WRITE'] });
  assert.deepEqual(decodeContentionBegin('lock_addr=0xffff00001234abcd flags=5'), { kind: 'lock.contention_begin', lock: 'ffff00001234abcd', read: false, write: true, flags: ['SPIN', 'WRITE'] });
  assert.deepEqual(decodeContentionEnd('000000007b0706b9 (ret=0)'), { kind: 'lock.contention_end', lock: '7b0706b9', ret: 0 });
  assert.equal(typeof decodeContentionBegin('000000007b0706b9 (flags=SPIN|BOGUS)'), 'string');
  assert.equal(typeof decodeContentionEnd('nothex (ret=0)'), 'string');
  assert.equal(typeof decodeContentionBegin('000000007b0706b9'), 'string');
});

for (const name of ['getlog-vhe', 'clearlog-vhe', 'getlog-nvhe', 'clearlog-nvhe']) {
  test(`${name}: mmu_lock found from the trace; holds and per-vCPU waits within 5% of the ground truth`, async () => {
    const truth = JSON.parse(readFileSync(join(DIR, `${name}.truth.json`), 'utf8')) as Truth;
    const r = await collect(`${name}.trace.gz`);
    assert.equal(r.support, 'observed');
    assert.equal(r.lock?.id, truth.mmu_lock.replace(/^0+/, ''));
    const wp = r.holds.find((h) => h.kind === 'dirty-log write-protect');
    assert.ok(wp, 'dirty-log write-protect holds');
    const t = truth.write_holds['dirty-log write-protect'];
    within(wp.holds.count, t.count, 0.05, 'holds');
    within(wp.holds.sumNs, t.sum_ns, 0.05, 'hold time');
    within(r.waits.count, truth.read_waits_total.count, 0.05, 'read waits');
    for (const [task, w] of Object.entries(truth.read_waits)) {
      const mine = r.perVcpu.find((v) => v.task === task);
      assert.ok(mine, `vCPU ${task}`);
      within(mine.waits.sumNs, w.sum_ns, 0.05, `${task} wait time`);
      within(mine.waits.count, w.count, 0.05, `${task} waits`);
    }
    // Nearly every wait is behind a traced dirty-log writer in these recordings.
    const behind = r.perVcpu.reduce((s, v) => s + (v.byWriter['dirty-log write-protect'] ?? 0), 0);
    const untraced = r.perVcpu.reduce((s, v) => s + (v.byWriter[NO_WRITER] ?? 0), 0);
    assert.ok(behind >= 0.9 * (behind + untraced), `behind a writer ${behind} ns, untraced ${untraced} ns`);
  });
}

test('without contention lines the analysis says it cannot be done, and why', async () => {
  const c = createMmuLockCollector();
  await readTrace(createReadStream(join(repoRoot(), 'test', 'fixtures', 'example.trace')), { event: (ev) => c.event(ev) });
  const r = c.result();
  assert.equal(r.support, 'impossible');
  assert.match(r.why, /no lock:contention_begin/);
});

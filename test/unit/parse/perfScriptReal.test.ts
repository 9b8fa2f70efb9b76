// Issue #20 item 5 on real recordings: `perf script` text of kvm tracepoints (default and -F forms)
// and perf-prof's text (a wall clock in front of each line), each recorded together with ftrace on one run (test/fixtures/recorded/perf-pvm/README.md) reads
// as perf text, every line an event, and decodes to what the ftrace text of the same events decodes
// to, including perf's raw "[FAILED TO PARSE]" fields of the shadow-page events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../../../src/core/parse/types';
import { repoRoot } from '../../support/shared';
import { collect } from './collect';

const DIR = join(repoRoot(), 'test', 'fixtures', 'recorded', 'perf-pvm');
/** Events whose symbolic fields perf 6.1 without plugins prints as numbers (the README says so). */
const PERF_PRINTS_NUMBERS = new Set(['kvm_update_master_clock', 'kvm_track_tsc']);
const json = (d: unknown): string => JSON.stringify(d, (k, v) => (k === 'raw' ? undefined : typeof v === 'bigint' ? String(v) : v));

for (const [form, ftraceFile, format] of [
  ['perf-script-default.txt', 'ftrace.trace', 'perf-script'],
  ['perf-script-F.txt', 'ftrace.trace', 'perf-script'],
  ['perf-prof-trace.txt', 'ftrace-perf-prof-run.trace', 'perf-prof'],
] as const) {
  test(`real ${format} text (${form}) is read as such, every line an event, decoded as ftrace's text of the same run`, async () => {
    const perf = await collect(createReadStream(join(DIR, form)));
    const ftrace = await collect(createReadStream(join(DIR, ftraceFile)));
    assert.equal(perf.result.format, format);
    assert.deepEqual(perf.rejected, []);
    assert.equal(perf.events.length, perf.result.lines);
    // perf drops samples its buffer cannot take: each perf event must be one of ftrace's (the ftrace
    // excerpt runs longer), matched by name and decoded form, or text where neither decodes it
    const key = (e: TraceEvent): string => `${e.name} ${e.decoded ? json(e.decoded) : PERF_PRINTS_NUMBERS.has(e.name) ? '' : e.payload}`;
    const pool = new Map<string, number>();
    for (const e of ftrace.events) pool.set(key(e), (pool.get(key(e)) ?? 0) + 1);
    let compared = 0;
    for (const e of perf.events) {
      const k = key(e);
      assert.ok((pool.get(k) ?? 0) > 0, `perf line ${e.line} (${e.name}: "${e.payload}") matches no ftrace event of the same run: ${k}`);
      pool.set(k, pool.get(k)! - 1);
      compared++;
    }
    assert.ok(compared >= 100, `${compared} events compared`);
    // perf's raw fields of KVM_MMU_PAGE_PRINTK: gfn=16 role=14084 is ftrace's `gfn 10 l4`
    const getPage = perf.events.find((e) => e.name === 'kvm_mmu_get_page')!;
    assert.match(getPage.payload, /^\[FAILED TO PARSE\] /);
    assert.ok(getPage.decoded?.kind === 'x86.kvm_mmu_get_page' && getPage.decoded.gfn === 0x10 && getPage.decoded.level === 4 && getPage.decoded.created);
  });
}

test('a perf-prof line reads the same without its wall clock, and with the CPU unknown ([---])', async () => {
  const line = readFileSync(join(DIR, 'perf-prof-trace.txt'), 'utf8').split('\n').find((l) => l.includes('kvm_mmu_paging_element'))!;
  const bare = line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}/, '');
  const noCpu = bare.replace(/\[\d{3}\]/, '[---]');
  const read = async (text: string) => (await collect(text + '\n')).events[0]!;
  const [a, b, c] = [await read(line), await read(bare), await read(noCpu)];
  assert.deepEqual([b.name, b.payload, b.ts, b.pid, b.task, b.cpu], [a.name, a.payload, a.ts, a.pid, a.task, a.cpu]);
  assert.equal(a.task, 'kvmtest');
  assert.equal(c.cpu, -1);
  assert.equal(c.payload, a.payload);
});

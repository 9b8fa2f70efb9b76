// Issue #20 item 5 on a real recording: `perf script` text of kvm tracepoints (default and -F forms)
// recorded together with ftrace on the same run (test/fixtures/recorded/perf-pvm/README.md) reads
// as perf text, every line an event, and decodes to what the ftrace text of the same events decodes
// to, including perf's raw "[FAILED TO PARSE]" fields of the shadow-page events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../../../src/core/parse/types';
import { repoRoot } from '../../support/shared';
import { collect } from './collect';

const DIR = join(repoRoot(), 'test', 'fixtures', 'recorded', 'perf-pvm');
/** Events whose symbolic fields perf 6.1 without plugins prints as numbers (the README says so). */
const PERF_PRINTS_NUMBERS = new Set(['kvm_update_master_clock', 'kvm_track_tsc']);
const json = (d: unknown): string => JSON.stringify(d, (k, v) => (k === 'raw' ? undefined : typeof v === 'bigint' ? String(v) : v));

for (const form of ['perf-script-default.txt', 'perf-script-F.txt']) {
  test(`real perf script text (${form}) is read as perf text, every line an event, decoded as ftrace's text of the same run`, async () => {
    const perf = await collect(createReadStream(join(DIR, form)));
    const ftrace = await collect(createReadStream(join(DIR, 'ftrace.trace')));
    assert.equal(perf.result.format, 'perf-script');
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

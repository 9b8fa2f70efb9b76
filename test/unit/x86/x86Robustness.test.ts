// The x86 replay never throws on untrusted input: events in any order, lone MMU events, huge
// gfns, malformed lines. A seeded random soup of real-looking events must replay and finish with
// consistent counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Decoded, TraceEvent } from '../../../src/core/parse/types';
import { createX86Replayer } from '../../../src/core/replay/x86/x86Replayer';
import { replayText, x86Config } from './x86Harness';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('a seeded random soup of x86 events replays without throwing, counters consistent', () => {
  const rand = rng(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const sptes = [0x8000000000000000n, 0xe600ee5n, 0xe600ee7n, 0xe600e65n, 0xe600e67n, 0xbfec4827n, 0x5a0n, 0n, 0xffffffffffffffffn];
  const gfns = [0, 0x40000, 0x40001, 0x40200, 2 ** 40 - 1, 2 ** 45];
  const r = createX86Replayer(x86Config({ eagerSplitChunk: pick([0, 2 * 1024 * 1024, 'auto'] as (number | 'auto')[]) }));
  const r2 = createX86Replayer(x86Config({ eagerSplitChunk: 2 * 1024 * 1024, ignoreEvents: ['fast_page_fault'] }));
  for (let i = 1; i <= 20000; i++) {
    const vcpu = Math.floor(rand() * 4);
    const gfn = pick(gfns);
    const level = 1 + Math.floor(rand() * 5);
    const make = (): Decoded => {
      switch (Math.floor(rand() * 11)) {
        case 0: return { kind: 'x86.kvm_exit', vcpu, reason: pick(['npf', 'EPT_VIOLATION', 'PF', 'io', 'interrupt']), vendor: undefined, rip: 0n, info1: 0n, info2: 0n, errorCode: 0 };
        case 1: return { kind: 'x86.kvm_page_fault', vcpu, rip: 0n, address: gfn * 4096 + 0x800, errorCode: pick([0x100000007, 0x200000006, 6, 7, 0]) };
        case 2: return { kind: 'x86.fast_page_fault', vcpu, gva: gfn * 4096, errorCode: 'P|W', sptep: 1n, oldSpte: pick(sptes), newSpte: pick(sptes), spurious: rand() < 0.3, fixed: rand() < 0.3 };
        case 3: return { kind: 'x86.kvm_mmu_spte_requested', gfn, pfn: 1, level };
        case 4: return { kind: 'x86.kvm_mmu_set_spte', gfn, spte: pick(sptes), perms: 'rwxu', level, sptep: 1n };
        case 5: case 6: return { kind: 'x86.kvm_tdp_mmu_spte_changed', asId: 0, gfn, level, oldSpte: pick(sptes), newSpte: pick(sptes) };
        case 7: return { kind: 'x86.kvm_mmu_split_huge_page', gfn, spte: pick(sptes), level, errno: pick([0, -16, -12]) };
        case 8: return { kind: 'marker', text: pick(['kvmtest: pass 1 begin', 'kvmtest: KVM_CLEAR_DIRTY_LOG begin', 'kvmtest: set memslot 1 flags=0', 'kvmtest: eager_page_split <- Y']) };
        case 9: return { kind: 'x86.kvm_mmu_get_page', gfn, level, created: rand() < 0.5, raw: 'sp gen 0 gfn 0 l1 8-byte q0 direct wux nxe ad root 0 sync new' };
        default: return { kind: 'x86.kvm_entry', vcpu, rip: 0n };
      }
    };
    const decoded = make();
    const name = decoded.kind === 'marker' ? 'tracing_mark_write' : decoded.kind.slice(4);
    const host = rand() < 0.1;
    const ev: TraceEvent = { line: i, offset: i * 100, task: 'kvmtest', pid: host ? 600 : 700 + vcpu, cpu: vcpu, ts: i * 1000, name, payload: '', decoded };
    r.event(ev);
    r2.event(ev);
  }
  for (const out of [r.finish(), r2.finish()]) {
    const perVcpu = Object.values(out.counters.faults.perVcpu).reduce((a, b) => a + b, 0);
    assert.equal(perVcpu, out.counters.faults.total);
    const segFaults = out.x86.segments.reduce((a, s) => a + s.faults, 0);
    assert.ok(segFaults >= out.counters.faults.total);
    const byClass = Object.values(out.counters.faults.byClass).reduce((a, b) => a + b, 0);
    assert.equal(byClass, out.findings.length);
    assert.ok(out.marks.toArray().every((m) => Number.isFinite(m.ts) && m.line > 0 && out.lanes.some((l) => l.id === m.lane)), 'every mark has a time, a line and a listed lane');
    out.stateAt(5000, 0x40000000);
  }
});

test('malformed and truncated x86 lines are rejected or undecoded, never thrown; the replay still finishes', async () => {
  const text = [
    '         kvmtest-612     [000] d..1.    10.000100: kvm_exit: vcpu 0 reason',
    '         kvmtest-612     [000] .....    10.000110: kvm_page_fault: vcpu 0 rip 0x1024 address 0xzz error_code',
    '         kvmtest-612     [000] ...1.    10.000130: kvm_tdp_mmu_spte_changed: as id 0 gfn 40000 level 1 old_spte',
    '         kvmtest-612     [000] ...1.    10.000131: kvm_mmu_split_huge_page: gfn 40000 spte e600ee5 level 2 errno -16',
    '         kvmtest-612     [000] d..1.    10.000150: kvm_entry: vcpu 0, rip 0x1024',
    '         kvmtest-612     [000] d..1.    10.0001',
    '',
  ].join('\n');
  const run = await replayText(text);
  assert.equal(run.out.counters.faults.total, 0);
  assert.equal(run.out.findings.length, 0);
});

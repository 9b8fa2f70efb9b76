// One small hand-written trace per finding class, each with exactly the expected findings:
// S1 (inferred and from probes), S2 (break probes and level rule), S3, S5, S7, S9, C1, C2, C3, C4,
// H1 and P1; plus cost (kvm_exit to kvm_entry), lanes named from the vCPU index, and stateAt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, classes, ESR, TraceBuilder } from './traceBuilder';

const D = 0x40000000;
const M2 = 0x200000;

test('S1 inferred: a second vCPU faulting on a page the first already mapped; cost and lanes', async () => {
  const b = new TraceBuilder();
  b.raw(306, 'kvm_timer_update_irq', 'VCPU: 0, IRQ 27, level 0').raw(307, 'kvm_timer_update_irq', 'VCPU: 1, IRQ 27, level 0');
  b.entry(306).entry(307);
  b.exit(306).fault(306, D, ESR.transL3w).exit(307).fault(307, D, ESR.transL3w).entry(306, undefined, 50);
  const s1Line = b.next - 2;
  b.entry(307, undefined, 40);
  const [a] = await analyzeText(b.text());
  assert.deepEqual(classes(a), { S1: 1 });
  const f = a.findings[0];
  assert.equal(f.code, 'S1-lost-race');
  assert.equal(f.line, s1Line);
  assert.equal(f.vcpu, 'vCPU 1 (kvmtest-307)');
  assert.equal(f.observed, false);
  assert.equal(f.costNs, 100_000); // exit at t, fault +10us, other vCPU's entry +50us, own entry +40us
  assert.deepEqual(a.lanes.map((l) => l.label), ['vCPU 0 (kvmtest-306)', 'vCPU 1 (kvmtest-307)', 'host']);
  const st = a.stateAt(b.next, D + 0x123);
  assert.equal(st?.leaf, 'page');
  assert.equal(st?.perms, 'rw-');
  assert.equal(st?.mappedBy, 'vCPU 0 (kvmtest-306)');
  assert.equal(a.stateAt(1, D), undefined);
});

test('S1 observed: s2_map_ret ret=-11; the winner maps; 5.13 adds one C3 clean for the loser', async () => {
  const b = new TraceBuilder();
  b.entry(306).entry(307);
  b.exit(306).fault(306, D, ESR.transL3w).exit(307).fault(307, D, ESR.transL3w);
  b.map(307, D, 0x1000, 6, 0).map(306, D, 0x1000, 6, -11).entry(306).entry(307);
  const [a, old] = await analyzeText(b.text(), [{}, { kernel: '5.13' }]);
  assert.deepEqual(classes(a), { S1: 1 });
  assert.equal(a.findings[0].vcpu, 'kvmtest-306');
  assert.equal(a.findings[0].observed, true);
  assert.deepEqual(classes(old), { S1: 1, C3: 1 });
});

test('S2 with break probes: a fault inside another vCPU\'s split window; FEAT_BBM 2 avoids it', async () => {
  const b = new TraceBuilder();
  b.entry(306).entry(307);
  b.exit(306).fault(306, D, ESR.transL2w).map(306, D, M2, 6, 0).entry(306);
  b.kprobe(306, 's2_wrprotect', 'kvm_pgtable_stage2_wrprotect', `addr=0x${D.toString(16)} size=0x${M2.toString(16)}`);
  b.exit(306).fault(306, D, ESR.permL2w);
  b.kprobe(306, 's2_map', 'kvm_pgtable_stage2_map', `addr=0x${D.toString(16)} size=0x1000 phys=0x0 prot=0x6`);
  b.kprobe(306, 's2_break', 'stage2_try_break_pte', `addr=0x${D.toString(16)} old=0x4000004fc00459 level=2`);
  b.kretprobe(306, 's2_break_ret', 'stage2_try_break_pte', 'ok=1');
  b.exit(307).fault(307, D + 0x5000, ESR.transL2r);
  const s2Line = b.next - 1;
  b.kprobe(306, 's2_mkpte', 'stage2_make_pte', `addr=0x${D.toString(16)} new=0x45509003 level=2`);
  b.kretprobe(306, 's2_mkpte_ret', 'stage2_make_pte', '');
  b.kretprobe(306, 's2_map_ret', 'kvm_pgtable_stage2_map', 'ret=0').entry(306);
  b.kprobe(307, 's2_map', 'kvm_pgtable_stage2_map', `addr=0x${(D + 0x5000).toString(16)} size=0x1000 phys=0x0 prot=0x4`);
  b.kretprobe(307, 's2_map_ret', 'kvm_pgtable_stage2_map', 'ret=-11').entry(307);
  const [a, bbm2] = await analyzeText(b.text(), [{}, { bbmLevel: 2 }]);
  assert.deepEqual(classes(a), { S2: 1 });
  const f = a.findings[0];
  assert.equal(f.line, s2Line);
  assert.equal(f.observed, true);
  assert.deepEqual(f.ipa, { start: D, size: M2 });
  assert.equal(a.windows?.length, 1);
  assert.equal(a.windows![0].kind, 'split');
  assert.equal(a.windows![0].faults, 1);
  assert.deepEqual(classes(bbm2), {});
  assert.deepEqual(bbm2.avoidedFaults?.map((x) => x.line), [s2Line]);
});

test('S5 from tracepoints: a write fault on a write-protected block splits it; siblings fault (eager split avoids them)', async () => {
  const b = new TraceBuilder();
  b.entry(306);
  b.episode(306, D, ESR.transL2w).wait(100);
  b.episode(306, D, ESR.permL2w); // evidence of a 2M block, write-protected: split in the fault path
  for (let i = 1; i <= 3; i++) b.episode(306, D + i * 0x1000, ESR.transL3w);
  const [a, eager] = await analyzeText(b.text(), [{}, { eagerSplitChunk: M2 }]);
  assert.deepEqual(classes(a), { S5: 3 });
  assert.equal(a.counters.splits.fault, 1);
  assert.equal(a.findings[0].related[0].message.includes('split the block'), true);
  assert.deepEqual(classes(eager), {});
  assert.equal(eager.counters.faults.byKindLevel['permission/L3'], 4);
});

test('S7: data fault maps without X, the exec permission fault adds it (one finding, the data fault its related line); DIC avoids it, C2', async () => {
  const b = new TraceBuilder();
  b.entry(306);
  b.episode(306, D, ESR.transL3w, (x) => x.map(306, D, 0x1000, 6, 0));
  b.episode(306, D, ESR.iabtPermL3, (x) => {
    x.kprobe(306, 's2_relax', 'kvm_pgtable_stage2_relax_perms', `addr=0x${D.toString(16)} prot=0x5`);
    x.kprobe(306, 'icache_inval', 'invalidate_icache_guest_page', 'va=0xfff0000002421000 size=0x1000');
    x.kretprobe(306, 's2_relax_ret', 'kvm_pgtable_stage2_relax_perms', 'ret=0');
  });
  const [a, dic] = await analyzeText(b.text(), [{}, { dic: true }]);
  assert.deepEqual(classes(a), { S7: 1 });
  assert.ok(a.findings.every((f) => f.severity === 'hint'));
  assert.ok(a.findings[0].related.some((r) => r.line < a.findings[0].line && /the data fault/.test(r.message)));
  assert.deepEqual(classes(dic), { C2: 1 });
  assert.equal(dic.avoidedFaults?.length, 1);
});

test('S9: access-flag fault after aging', async () => {
  const b = new TraceBuilder();
  b.entry(306);
  b.episode(306, D, ESR.transL3w);
  b.exit(306).fault(306, D, ESR.afL3r).raw(306, 'kvm_access_fault', `IPA: ${D.toString(16)}`).entry(306);
  const [a] = await analyzeText(b.text());
  assert.deepEqual(classes(a), { S9: 1 });
});

test('S3: a permission fault that the entry already allowed (stale TLB), shown by the relax probe', async () => {
  const b = new TraceBuilder();
  b.entry(306);
  b.episode(306, D, ESR.transL3w, (x) => x.map(306, D, 0x1000, 6, 0));
  b.kprobe(306, 's2_wrprotect', 'kvm_pgtable_stage2_wrprotect', `addr=0x${D.toString(16)} size=0x1000`);
  b.episode(306, D, ESR.permL3w, (x) => {
    x.kprobe(306, 's2_relax', 'kvm_pgtable_stage2_relax_perms', `addr=0x${D.toString(16)} prot=0x6`);
    x.kretprobe(306, 's2_relax_ret', 'kvm_pgtable_stage2_relax_perms', 'ret=0');
  });
  b.episode(306, D, ESR.permL3w, (x) => {
    x.kprobe(306, 's2_relax', 'kvm_pgtable_stage2_relax_perms', `addr=0x${D.toString(16)} prot=0x6`);
    x.kretprobe(306, 's2_relax_ret', 'kvm_pgtable_stage2_relax_perms', 'ret=0');
  });
  const [a] = await analyzeText(b.text());
  assert.deepEqual(classes(a), { S3: 1 });
  assert.equal(a.counters.tlbi.ipaNsh, 2);
});

test('C1 with FWB, C4 on a table -> block collapse, its window removed by FEAT_BBM 1', async () => {
  const b = new TraceBuilder();
  b.entry(306).entry(307);
  b.episode(306, D, ESR.transL3w, (x) => x.map(306, D, 0x1000, 6, 0));
  b.episode(306, D + 0x1000, ESR.transL3w, (x) => x.map(306, D + 0x1000, 0x1000, 6, 0));
  b.episode(306, D + 0x1000, ESR.permL3w, (x) => x.map(306, D, M2, 6, 0)); // logging off: collapse
  const [nofwb, fwb, bbm1] = await analyzeText(b.text(), [{ fwb: false }, { fwb: true }, { bbmLevel: 1, fwb: false }]);
  assert.deepEqual(classes(nofwb), { C4: 1 });
  assert.deepEqual(classes(fwb), { C1: 3 });
  assert.equal(nofwb.counters.coalesces, 1);
  assert.equal(nofwb.counters.tlbi.range + nofwb.counters.tlbi.vmid, 1);
  assert.equal(nofwb.windows?.length, 1);
  assert.equal(bbm1.windows?.length, 0);
});

test('H1: refaults after a host unmap point at the unmap', async () => {
  const b = new TraceBuilder();
  b.entry(306);
  b.episode(306, D, ESR.transL2w, (x) => x.map(306, D, M2, 6, 0));
  const unmapLine = b.next;
  b.kprobe(305, 's2_unmap', 'kvm_pgtable_stage2_unmap', `addr=0x${D.toString(16)} size=0x1000`);
  b.episode(306, D + 0x3000, ESR.transL2w, (x) => x.map(306, D + 0x3000, 0x1000, 6, 0));
  const [a] = await analyzeText(b.text());
  assert.deepEqual(classes(a), { H1: 1 });
  assert.equal(a.findings[0].related[0].line, unmapLine);
});

test('P1: a fault and an unmap inside a pinned range', async () => {
  const b = new TraceBuilder();
  b.entry(306);
  b.episode(306, D, ESR.transL3w);
  b.kprobe(305, 's2_unmap', 'kvm_pgtable_stage2_unmap', `addr=0x${D.toString(16)} size=0x1000`);
  const [a] = await analyzeText(b.text(), [{ pinned: [{ start: D, size: 0x10000, label: 'SPE buffer' }] }]);
  assert.equal(classes(a).P1, 2);
  assert.ok(a.findings.some((f) => f.message.includes('SPE buffer')));
});

test('untrusted input: garbage and half episodes never throw', async () => {
  const b = new TraceBuilder();
  b.fault(306, D, ESR.transL3w).raw(306, 's2_map_ret', '(x <- kvm_pgtable_stage2_map) ret=-11').raw(306, 'kvm_entry', 'PC: zz');
  b.raw(307, 's2_break_ret', '(a <- stage2_try_break_pte) ok=1').raw(307, 's2_mkpte_ret', '(a <- stage2_make_pte)');
  const [a] = await analyzeText(b.text() + '\u0000\u0001 garbage\n' + 'x'.repeat(5000) + '\n');
  assert.equal(a.counters.faults.total, 1);
});

test('lanes: QEMU vCPU thread names give the index when no event reveals it', async () => {
  const text = [
    '# tracer: nop',
    '          CPU 3/KVM-4104    [001] ..... 1200.000010: kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000010000040',
    '          CPU 3/KVM-4104    [001] ..... 1200.000020: kvm_guest_fault: ipa 0x40000000, hsr 0x93c38047, hxfar 0x40000800, pc 0x00000010000040',
    '          CPU 3/KVM-4104    [001] d.... 1200.000030: kvm_entry: PC: 0x0000000010000040',
  ].join('\n') + '\n';
  const [a] = await analyzeText(text);
  assert.deepEqual(a.lanes.map((l) => l.label), ['vCPU 3 (CPU 3/KVM-4104)', 'host']);
  assert.equal(a.counters.faults.perVcpu['vCPU 3 (CPU 3/KVM-4104)'], 1);
});

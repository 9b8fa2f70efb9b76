// The table-driven decoders on single payloads: arm64 kvm (both field spellings, -R raw fields,
// libtraceevent's CAN'T FIND FIELD prefixes), ESR decode, generic kvm, x86 kvm/kvmmmu, kprobes
// and kretprobes (by probed symbol, kernel and reversed trace-cmd order), function tracer, markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload } from '../../../src/core/parse/decode';
import { decodeEsr } from '../../../src/core/parse/esr';
import type { Decoded } from '../../../src/core/parse/types';

function dec(name: string, payload: string): Decoded {
  const d = decodePayload(name, payload);
  assert.ok(d !== undefined && typeof d !== 'string', `${name}: ${String(d)}`);
  return d;
}

test('kvm_guest_fault with hsr/hxfar and with esr/far', () => {
  const a = dec('kvm_guest_fault', 'ipa 0x40000000, hsr 0x93c08047, hxfar 0x40000800, pc 0x0000001000001c');
  assert.equal(a.kind, 'arm64.kvm_guest_fault');
  if (a.kind !== 'arm64.kvm_guest_fault') return;
  assert.equal(a.ipa, 0x40000000);
  assert.equal(a.esr, 0x93c08047);
  assert.equal(a.far, 0x40000800n);
  assert.equal(a.pc, 0x1000001cn);
  assert.equal(a.esrInfo.ec, 0x24);
  assert.equal(a.esrInfo.ecName, 'DABT_LOW');
  assert.equal(a.esrInfo.faultClass, 'translation');
  assert.equal(a.esrInfo.level, 3);
  assert.equal(a.esrInfo.wnr, true);
  assert.equal(a.esrInfo.isv, true);
  const b = dec('kvm_guest_fault', 'ipa 0x40000000, esr 0x9200004f, far 0xffff800080a43008, pc 0xffff800080123456');
  if (b.kind !== 'arm64.kvm_guest_fault') return assert.fail();
  assert.equal(b.far, 0xffff800080a43008n);
  assert.equal(b.pc, 0xffff800080123456n);
  assert.equal(b.esrInfo.faultClass, 'permission');
  assert.equal(b.esrInfo.level, 3);
  // trace-cmd -R: raw fields in struct order
  const r = dec('kvm_guest_fault', 'vcpu_pc=0x00000010000000 hsr=0x82000005 hxfar=0x10000000 ipa=0x10000000');
  if (r.kind !== 'arm64.kvm_guest_fault') return assert.fail();
  assert.deepEqual([r.ipa, r.esr, r.esrInfo.ecName, r.esrInfo.faultClass, r.esrInfo.level, r.pc], [0x10000000, 0x82000005, 'IABT_LOW', 'translation', 1, 0x10000000n]);
});

test('ESR decode: S1PTW, access flag, level -1, address size, TLB conflict, CM, FnV', () => {
  const e = decodeEsr(0x92000089); // DABT_LOW, S1PTW, AF level 1
  assert.equal(e.s1ptw, true);
  assert.equal(e.faultClass, 'access-flag');
  assert.equal(e.level, 1);
  assert.equal(decodeEsr(0x9200002b).level, -1);
  assert.equal(decodeEsr(0x9200002b).faultClass, 'translation');
  assert.equal(decodeEsr(0x92000001).faultClass, 'address-size');
  assert.equal(decodeEsr(0x92000030).faultClass, 'tlb-conflict');
  assert.equal(decodeEsr(0x92000010).faultClass, 'sea');
  assert.equal(decodeEsr(0x92000107).cm, true);
  assert.equal(decodeEsr(0x92000407).fnv, true);
  assert.equal(decodeEsr(0x82000005).il, true);
  assert.equal(decodeEsr(0x82000005).wnr, false);
});

test('kvm_exit / kvm_entry: kernel, trace-cmd default (CAN\'T FIND FIELD), -R, ESR_EC spelling', () => {
  const k = dec('kvm_exit', 'TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x000000001000001c');
  assert.deepEqual(k, { kind: 'arm64.kvm_exit', exitType: 'TRAP', ec: 0x24, ecName: 'DABT_LOW', pc: 0x1000001cn });
  const t = dec('kvm_exit', '<CANT FIND FIELD exit_reason>TRAP: HSR_EC: 0x0020 (IABT_LOW), PC: 0x0000000010000000');
  assert.deepEqual(t, { kind: 'arm64.kvm_exit', exitType: 'TRAP', ec: 0x20, ecName: 'IABT_LOW', pc: 0x10000000n });
  const r = dec('kvm_exit', 'ret=2 esr_ec=0x0020 vcpu_pc=0x0000000010000000');
  assert.deepEqual(r, { kind: 'arm64.kvm_exit', exitType: 'TRAP', ec: 0x20, ecName: 'IABT_LOW', pc: 0x10000000n });
  const e = dec('kvm_exit', 'IRQ: ESR_EC: 0x0000 (UNKNOWN), PC: 0xffff87259e30');
  assert.equal(e.kind === 'arm64.kvm_exit' && e.exitType, 'IRQ');
  assert.deepEqual(dec('kvm_entry', 'CAN\'T FIND FIELD "vcpu_id"<CANT FIND FIELD rip>PC: 0x0000000010000000'), { kind: 'arm64.kvm_entry', pc: 0x10000000n });
  assert.deepEqual(dec('kvm_entry', 'vcpu_pc=0x0000000010000000'), { kind: 'arm64.kvm_entry', pc: 0x10000000n });
  assert.deepEqual(dec('kvm_entry', 'vcpu 0, rip 0x1000'), { kind: 'x86.kvm_entry', vcpu: 0, rip: 0x1000n });
});

test('kvm_access_fault without 0x, set_way_flush, toggle_cache, vCPU index events', () => {
  assert.deepEqual(dec('kvm_access_fault', 'IPA: 40000000'), { kind: 'arm64.kvm_access_fault', ipa: 0x40000000 });
  assert.deepEqual(dec('kvm_set_way_flush', 'S/W flush at 0x0000000040085978 (cache off)'), { kind: 'arm64.kvm_set_way_flush', pc: 0x40085978n, cacheOn: false });
  assert.deepEqual(dec('kvm_toggle_cache', 'VM op at 0x0000000040085978 (cache was off, now on)'), { kind: 'arm64.kvm_toggle_cache', pc: 0x40085978n, was: false, now: true });
  assert.deepEqual(dec('kvm_timer_update_irq', 'VCPU: 3, IRQ 27, level 0'), { kind: 'kvm.vcpu_index', vcpu: 3 });
  assert.deepEqual(dec('kvm_get_timer_map', 'VCPU: 2, dv: 1, dp: 0, ev: -1, ep: -1'), { kind: 'kvm.vcpu_index', vcpu: 2 });
  assert.deepEqual(dec('kvm_get_timer_map', 'vcpu_id=2 direct_vtimer=1 direct_ptimer=0 emul_vtimer=-1 emul_ptimer=-1'), { kind: 'kvm.vcpu_index', vcpu: 2 });
});

test('generic kvm events, kernel and -R', () => {
  assert.deepEqual(dec('kvm_mmio', 'mmio write len 8 gpa 0x100000 val 0x103'), { kind: 'kvm.kvm_mmio', type: 'write', len: 8, gpa: 0x100000, val: 0x103n });
  assert.deepEqual(dec('kvm_mmio', 'type=2 len=8 gpa=0x100000 val=0x0'), { kind: 'kvm.kvm_mmio', type: 'write', len: 8, gpa: 0x100000, val: 0n });
  assert.deepEqual(dec('kvm_userspace_exit', 'reason KVM_EXIT_MMIO (6)'), { kind: 'kvm.kvm_userspace_exit', reason: 'KVM_EXIT_MMIO', code: 6 });
  assert.deepEqual(dec('kvm_userspace_exit', 'reason=6 errno=0'), { kind: 'kvm.kvm_userspace_exit', reason: 'KVM_EXIT_MMIO', code: 6 });
  assert.deepEqual(dec('kvm_unmap_hva_range', 'mmu notifier unmap range: 0x00ffffb0200000 -- 0x00ffffb0a00000'), { kind: 'kvm.kvm_unmap_hva_range', start: 0xffffb0200000n, end: 0xffffb0a00000n });
  assert.deepEqual(dec('kvm_unmap_hva_range', 'start=0x00ffff83000000 end=0x00ffff83800000'), { kind: 'kvm.kvm_unmap_hva_range', start: 0xffff83000000n, end: 0xffff83800000n });
  assert.deepEqual(dec('kvm_age_hva', 'mmu notifier age hva: 0x00ffffb0a3a955 -- 0x00ffffb0a3b955'), { kind: 'kvm.kvm_age_hva', start: 0xffffb0a3a955n, end: 0xffffb0a3b955n });
  assert.deepEqual(dec('kvm_test_age_hva', 'mmu notifier test age hva: 0x00ffffb0a3a955'), { kind: 'kvm.kvm_test_age_hva', hva: 0xffffb0a3a955n });
});

test('x86 kvm and kvmmmu events', () => {
  assert.deepEqual(dec('kvm_exit', 'vcpu 0 reason npf rip 0x1000 info1 0x0000000200000006 info2 0x0000000000010000 intr_info 0x00000000 error_code 0x00000000'), {
    kind: 'x86.kvm_exit', vcpu: 0, reason: 'npf', vendor: 'svm', rip: 0x1000n, info1: 0x200000006n, info2: 0x10000n, errorCode: 0,
  });
  const old = dec('kvm_exit', 'reason EPT_VIOLATION rip 0xffffffffb0e9bed0 info 83 0');
  assert.deepEqual(old, { kind: 'x86.kvm_exit', vcpu: undefined, reason: 'EPT_VIOLATION', vendor: 'vmx', rip: 0xffffffffb0e9bed0n, info1: 0x83n, info2: 0n, errorCode: undefined });
  assert.deepEqual(dec('kvm_page_fault', 'vcpu 0 rip 0x1000 address 0x0000000000010000 error_code 0x200000006'), { kind: 'x86.kvm_page_fault', vcpu: 0, rip: 0x1000n, address: 0x10000, errorCode: 0x200000006 });
  const f = dec('fast_page_fault', 'vcpu 1 gva 40800800 error_code P|W|U|0x100000000 sptep 0000000005eafc0c old 0xde00e65 new de00e67 spurious 1 fixed 0');
  assert.deepEqual(f, { kind: 'x86.fast_page_fault', vcpu: 1, gva: 0x40800800, errorCode: 'P|W|U|0x100000000', sptep: 0x5eafc0cn, oldSpte: 0xde00e65n, newSpte: 0xde00e67n, spurious: true, fixed: false });
  assert.deepEqual(dec('kvm_mmu_spte_requested', 'gfn 10 pfn 2f53 level 1'), { kind: 'x86.kvm_mmu_spte_requested', gfn: 0x10, pfn: 0x2f53, level: 1 });
  assert.deepEqual(dec('kvm_mmu_set_spte', 'gfn 10 spte 2f53e67 (rwxu) level 1 at cbc2080'), { kind: 'x86.kvm_mmu_set_spte', gfn: 0x10, spte: 0x2f53e67n, perms: 'rwxu', level: 1, sptep: 0xcbc2080n });
  assert.deepEqual(dec('kvm_tdp_mmu_spte_changed', 'as id 0 gfn 0 level 4 old_spte 8000000000000000 new_spte cbc3827'), { kind: 'x86.kvm_tdp_mmu_spte_changed', asId: 0, gfn: 0, level: 4, oldSpte: 0x8000000000000000n, newSpte: 0xcbc3827n });
  assert.deepEqual(dec('kvm_mmu_split_huge_page', 'gfn 40000 spte e600ee7 level 2 errno -16'), { kind: 'x86.kvm_mmu_split_huge_page', gfn: 0x40000, spte: 0xe600ee7n, level: 2, errno: -16 });
  const gp = dec('kvm_mmu_get_page', 'sp gen 0 gfn 0 l4 8-byte q0 direct wux nxe ad root 0 sync new');
  assert.equal(gp.kind === 'x86.kvm_mmu_get_page' && gp.level, 4);
  assert.equal(gp.kind === 'x86.kvm_mmu_get_page' && gp.created, true);
  const old2 = dec('kvm_mmu_get_page', 'new sp gfn c0000 2 q0 direct wux pae !nxe !wp root 0 sync');
  assert.equal(old2.kind === 'x86.kvm_mmu_get_page' && old2.gfn, 0xc0000);
  assert.equal(old2.kind === 'x86.kvm_mmu_get_page' && old2.level, 2);
  const z = dec('kvm_mmu_prepare_zap_page', 'sp gen 0 gfn 40200 l1 8-byte q0 direct wux nxe ad root 0 sync');
  assert.equal(z.kind === 'x86.kvm_mmu_prepare_zap_page' && z.gfn, 0x40200);
});

test('kprobes are recognised by the probed symbol, args normalised', () => {
  const m = dec('whatever_name', '(kvm_pgtable_stage2_map+0x0/0x140) addr=0x40000000 size=0x200000 phys=0x42500000 prot=0x6');
  assert.deepEqual(m, {
    kind: 'kprobe', probe: 'whatever_name', symbol: 'kvm_pgtable_stage2_map', offset: 0, op: 'map',
    args: { addr: '0x40000000', size: '0x200000', phys: '0x42500000', prot: '0x6' },
    s2: { ipa: 0x40000000, size: 0x200000, phys: 0x42500000, prot: 6 },
  });
  const i = dec('map', '(kvm_pgtable_stage2_map+0x0/0x1e8) ipa=0x80a43000 size=0x1000 phys=0x8b2c43000 prot=0x6 flags=0x18');
  assert.equal(i.kind === 'kprobe' && i.s2?.ipa, 0x80a43000);
  assert.equal(i.kind === 'kprobe' && i.s2?.flags, 0x18);
  const t = dec('tlbi_ipa', '(__kvm_tlb_flush_vmid_ipa+0x0/0xd0) ipa=0x40200000 level=2147483647');
  assert.equal(t.kind === 'kprobe' && t.op, 'tlbi-ipa');
  assert.equal(t.kind === 'kprobe' && t.s2?.level, 2147483647);
  const dc = dec('dcache_clean', '(clean_dcache_guest_page+0x0/0x40) va=0xfff0000002577000 size=0x1000');
  assert.equal(dc.kind === 'kprobe' && dc.s2?.va, 0xfff0000002577000n);
  const age = dec('s2_age', '(kvm_pgtable_stage2_test_clear_young+0x0/0x98) addr=0x4003a000 size=0x2000 mkold=1');
  assert.equal(age.kind === 'kprobe' && age.op, 'age');
  assert.equal(age.kind === 'kprobe' && age.s2?.mkold, true);
  const br = dec('s2_break', '(stage2_try_break_pte+0x0/0x1a0) addr=0x40000000 old=0x40000042500705 level=2');
  assert.equal(br.kind === 'kprobe' && br.s2?.oldDesc, 0x40000042500705n);
  const sh = dec('split_huge', '(kvm_mmu_split_huge_pages.isra.0+0x0/0x180)');
  assert.equal(sh.kind === 'kprobe' && sh.op, 'split-huge');
  const other = dec('p_kvm_dev_ioctl_0', '(kvm_dev_ioctl+0x0/0x910)');
  assert.equal(other.kind === 'kprobe' && other.op, undefined);
  assert.equal(other.kind === 'kprobe' && other.s2, undefined);
});

test('a probe whose location changes from line to line is resolved anew each time (the per-probe location memo)', () => {
  // one probe name over a kprobe location, a kretprobe location, another symbol and a location
  // of the same length: each must decode as it would alone
  const seq: [string, Partial<Decoded>][] = [
    ['(kvm_pgtable_stage2_map+0x0/0x140) addr=0x1000 size=0x1000', { kind: 'kprobe', symbol: 'kvm_pgtable_stage2_map', offset: 0, op: 'map' }],
    ['(kvm_pgtable_stage2_map+0x0/0x140) addr=0x2000 size=0x1000', { kind: 'kprobe', symbol: 'kvm_pgtable_stage2_map', offset: 0, op: 'map' }],
    ['(kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=0', { kind: 'kretprobe', symbol: 'kvm_pgtable_stage2_map', op: 'map' }],
    ['(kvm_pgtable_stage2_map+0x4/0x140) addr=0x3000', { kind: 'kprobe', symbol: 'kvm_pgtable_stage2_map', offset: 4, op: 'map' }],
    ['(kvm_pgtable_stage2_unmap+0x0/0xc8) addr=0x3000 size=0x1000', { kind: 'kprobe', symbol: 'kvm_pgtable_stage2_unmap', offset: 0, op: 'unmap' }],
    ['(some_other_function+0x0/0xc8) addr=0x3000', { kind: 'kprobe', symbol: 'some_other_function', op: undefined }],
    ['(ffffb009f9c9f3e0) addr=0x10000000 size=0x1000', { kind: 'kprobe', symbol: 'kvm_pgtable_stage2_map', op: 'map' }],
  ];
  for (const [payload, want] of seq) {
    const d = dec('s2_map', payload) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.equal(d[k], v, `${payload}: ${k}`);
  }
  // the same location under another probe name resolves by that name (raw addresses are guessed from it)
  const other = dec('my_probe', '(ffffb009f9c9f3e0) addr=0x10000000');
  assert.equal(other.kind === 'kprobe' && other.symbol, 'ffffb009f9c9f3e0');
  assert.equal(other.kind === 'kprobe' && other.op, undefined);
});

test('kretprobes: kernel order, reversed unsymbolized trace-cmd order, -R fields, hex returns', () => {
  const k = dec('s2_map_ret', '(kvm_handle_guest_abort+0xbb8/0xe68 <- kvm_pgtable_stage2_map) ret=-11');
  assert.deepEqual(k, { kind: 'kretprobe', probe: 's2_map_ret', symbol: 'kvm_pgtable_stage2_map', caller: 'kvm_handle_guest_abort+0xbb8/0xe68', op: 'map', ret: -11, args: { ret: '-11' } });
  const tc = dec('s2_map_ret', '(ffffb009f9c9f3e0 <- ffffb009f9c639a0) ret=0');
  assert.equal(tc.kind === 'kretprobe' && tc.symbol, 'kvm_pgtable_stage2_map');
  assert.equal(tc.kind === 'kretprobe' && tc.caller, 'ffffb009f9c639a0');
  assert.equal(tc.kind === 'kretprobe' && tc.ret, 0);
  const raw = dec('s2_map_ret', '__probe_func=ffffb009f9c9f3e0 __probe_ret_ip=ffffb009f9c639a0 ret=-11');
  assert.equal(raw.kind === 'kretprobe' && raw.ret, -11);
  assert.equal(raw.kind === 'kretprobe' && raw.op, 'map');
  const hex = dec('r_mm_take_all_locks_0', '(__mmu_notifier_register+0x44/0x200 <- mm_take_all_locks) arg1=0xfffffffc');
  assert.equal(hex.kind === 'kretprobe' && hex.ret, -4);
  const hex64 = dec('r_kvm_dev_ioctl_0', '(__arm64_sys_ioctl+0xcc/0x124 <- kvm_dev_ioctl) arg1=0xfffffffffffffffc');
  assert.equal(hex64.kind === 'kretprobe' && hex64.ret, -4);
  const unsym = dec('s2_map', '(ffffb009f9c9f3e0) addr=0x10000000 size=0x1000 phys=0x103a3e000 prot=0x7');
  assert.equal(unsym.kind === 'kprobe' && unsym.op, 'map');
  assert.equal(unsym.kind === 'kprobe' && unsym.s2?.phys, 0x103a3e000);
  const unknownRaw = dec('my_probe', '(ffffb009f9c9f3e0) x=1');
  assert.equal(unknownRaw.kind === 'kprobe' && unknownRaw.symbol, 'ffffb009f9c9f3e0');
  assert.equal(unknownRaw.kind === 'kprobe' && unknownRaw.op, undefined);
});

test('function tracer lines in every spelling', () => {
  assert.deepEqual(dec('function', 'kvm_pgtable_stage2_map <-user_mem_abort'), { kind: 'function', func: 'kvm_pgtable_stage2_map', parent: 'user_mem_abort', op: 'map' });
  assert.deepEqual(dec('function', "kvm_pgtable_stage2_map <-[unknown/kretprobe'd]"), { kind: 'function', func: 'kvm_pgtable_stage2_map', parent: undefined, op: 'map' });
  assert.deepEqual(dec('function', 'kvm_pgtable_stage2_map+0x0/0x1e0 <-user_mem_abort+0x3a4/0x8f0'), { kind: 'function', func: 'kvm_pgtable_stage2_map', parent: 'user_mem_abort', op: 'map' });
  assert.deepEqual(dec('function', 'kvm_handle_guest_abort'), { kind: 'function', func: 'kvm_handle_guest_abort', parent: undefined, op: 'handle-guest-abort' });
  assert.deepEqual(dec('function', 'kvm_arch_prepare_memory_region <-- kvm_set_memslot'), { kind: 'function', func: 'kvm_arch_prepare_memory_region', parent: 'kvm_set_memslot', op: undefined });
  assert.deepEqual(dec('function', 'ip=kvm_pgtable_stage2_unmap parent_ip=kvm_unmap_gfn_range'), { kind: 'function', func: 'kvm_pgtable_stage2_unmap', parent: 'kvm_unmap_gfn_range', op: 'unmap' });
  assert.deepEqual(dec('function', 'kvm_mmu_split_huge_pages.isra.0 <-kvm_mmu_wp_memory_region'), { kind: 'function', func: 'kvm_mmu_split_huge_pages.isra.0', parent: 'kvm_mmu_wp_memory_region', op: 'split-huge' });
  assert.deepEqual(dec('function', 'kvm_pgtable_stage2_map(pgt=0xffff0000c1234000, addr=0x40000000) <-user_mem_abort'), { kind: 'function', func: 'kvm_pgtable_stage2_map', parent: 'user_mem_abort', op: 'map' });
});

test('markers: kernel, trace-cmd print, -R', () => {
  assert.deepEqual(dec('tracing_mark_write', 'kvmtest: pass 1 begin: store'), { kind: 'marker', text: 'kvmtest: pass 1 begin: store' });
  assert.deepEqual(dec('print', 'tracing_mark_write: kvmtest: pass 1 begin: store'), { kind: 'marker', text: 'kvmtest: pass 1 begin: store' });
  assert.deepEqual(dec('print', 'ip=tracing_mark_write buf=kvmtest: pass 0 begin'), { kind: 'marker', text: 'kvmtest: pass 0 begin' });
});

test('known events with broken payloads give a reason, unknown events give undefined', () => {
  assert.equal(typeof decodePayload('kvm_guest_fault', 'ipa 0x40000000, hsr'), 'string');
  assert.equal(typeof decodePayload('kvm_entry', 'PC:'), 'string');
  assert.equal(decodePayload('sched_switch', 'prev_comm=a prev_pid=1'), undefined);
  assert.equal(decodePayload('constructor', 'x'), undefined);
  assert.equal(decodePayload('__proto__', 'x'), undefined);
  // LoongArch kvm_exit: a well-formed event of an architecture no decoder knows
  assert.equal(decodePayload('kvm_exit', 'vcpu 0 [0x0] PC: 0x00000000'), undefined);
});

test('values wider than they can be are refused with their width, not taken or misreported', () => {
  const map = (args: string) => decodePayload('s2_map', `(kvm_pgtable_stage2_map+0x0/0x140) ${args}`);
  assert.equal(map('addr=0x123456789abcdef012345678 size=0x1000 phys=0x8b2c00000 prot=0x6'), 'addr=0x123456789abcdef012345678 has 93 bits: an IPA has at most 52');
  assert.equal(map('addr=0x10000000000000 size=0x1000'), 'addr=0x10000000000000 has 53 bits: an IPA has at most 52');
  assert.equal(map('addr=0x40000000 size=0xffffffffffffffffffff'), 'size=0xffffffffffffffffffff has 80 bits: a size within the IPA space has at most 52');
  assert.equal(map('addr=0x40000000 size=0x1000 phys=zz'), 'phys=zz is not a number');
  const ok = map('addr=0xfffffffffffff size=0x10000000000000 phys=0x8b2c00000');
  assert.ok(typeof ok === 'object' && ok.kind === 'kprobe' && ok.s2?.ipa === 2 ** 52 - 1 && ok.s2.size === 2 ** 52);
  assert.equal(decodePayload('kvm_guest_fault', 'ipa 0x1234567890abcdef1234, hsr 0x93c38047, hxfar 0x40000800, pc 0x10000040'), 'ipa 0x1234567890abcdef1234 has 77 bits: an IPA has at most 52');
  assert.equal(decodePayload('kvm_guest_fault', 'ipa zz, hsr 0x93c38047, hxfar 0x40000800, pc 0x10000040'), 'the ipa field holds no hex number');
  assert.equal(decodePayload('kvm_guest_fault', 'hsr 0x93c38047, hxfar 0x40000800, pc 0x10000040'), 'no ipa value');
});

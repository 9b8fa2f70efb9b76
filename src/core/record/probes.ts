// The probes and events a Stage-2 Lens recording script defines, as data: which kernel symbol
// each kprobe targets (with fallbacks), the fetch arguments (spelled like the probes that ran on
// a real 6.12 kernel: `addr=`, `size=`, `ipa=`, ...), which analyses need it, and in which
// option sets (basic/full, VHE/nVHE) it is defined. The script generator and the coverage
// report both read this table, so "what to add" always matches what the script records.
import type { CoverageItem } from '../domain/types';
import type { Stage2Op } from '../parse/types';

export type RecordArch = 'arm64' | 'x86';
export type RecordMode = 'vhe' | 'nvhe';
export type ProbeSet = 'basic' | 'full';
export type AnalysisId = CoverageItem['analysis'];

/** The kprobe group every generated script uses (its cleanup removes only this group). */
export const PROBE_GROUP = 's2lens';

export interface ProbeSpec {
  /** Event name as it prints in the trace (`s2_map: (kvm_pgtable_stage2_map+0x0/0x140) ...`). */
  name: string;
  /** `p` = kprobe on entry, `r` = kretprobe. */
  type: 'p' | 'r';
  /** Candidate symbols, in order of preference; the first one in available_filter_functions wins. */
  symbols: string[];
  /** Fetch arguments, exactly as written to kprobe_events (arm64: registers of the AAPCS64 call). */
  args: string;
  op: Stage2Op;
  arch: RecordArch;
  set: ProbeSet;
  modes: RecordMode[];
  /** The analyses this probe turns from inferred into observed. */
  analyses: AnalysisId[];
  /** Defined only with --lock (who held kvm->mmu_lock: the returns that close a write hold). */
  lock?: true;
  /** Args read struct fields at fixed offsets: valid only on the kernels in `knownKernels`. */
  structOffsets?: { struct: string; knownKernels: string[]; layout: string };
  purpose: string;
}

const both: RecordMode[] = ['vhe', 'nvhe'];

/** Kernels whose `struct kvm_pgtable_visit_ctx` layout the break/make probes were verified on. */
export const VISIT_CTX_KNOWN_KERNELS = ['6.12'];
const visitCtx = {
  struct: 'struct kvm_pgtable_visit_ctx',
  knownKernels: VISIT_CTX_KNOWN_KERNELS,
  layout: 'ptep@0 old@8 arg@16 mm_ops@24 start@32 addr@40 end@48 level@56 (s8)',
};

export const PROBES: readonly ProbeSpec[] = [
  // arm64, both modes: the page-table code runs in the host kernel even in nVHE.
  { name: 's2_map', type: 'p', symbols: ['kvm_pgtable_stage2_map'], args: 'addr=%x1:x64 size=%x2:x64 phys=%x3:x64 prot=%x4:x32', op: 'map', arch: 'arm64', set: 'basic', modes: both, analyses: ['lost-races', 'invalid-windows', 'splitting', 'cmo-redundancy', 'pinned-ranges'], purpose: 'each stage-2 map request (IPA, size, PA, prot)' },
  { name: 's2_map_ret', type: 'r', symbols: ['kvm_pgtable_stage2_map'], args: 'ret=$retval:s32', op: 'map', arch: 'arm64', set: 'basic', modes: both, analyses: ['lost-races', 'invalid-windows'], purpose: 'map result: -11 (-EAGAIN) = the fault lost a race' },
  { name: 's2_relax', type: 'p', symbols: ['kvm_pgtable_stage2_relax_perms'], args: 'addr=%x1:x64 prot=%x2:x32', op: 'relax', arch: 'arm64', set: 'basic', modes: both, analyses: ['lost-races', 'splitting'], purpose: 'permission relaxation (write after write-protect, exec)' },
  { name: 's2_relax_ret', type: 'r', symbols: ['kvm_pgtable_stage2_relax_perms'], args: 'ret=$retval:s32', op: 'relax', arch: 'arm64', set: 'basic', modes: both, analyses: ['lost-races'], purpose: 'relax result' },
  { name: 's2_wrprotect', type: 'p', symbols: ['kvm_pgtable_stage2_wrprotect'], args: 'addr=%x1:x64 size=%x2:x64', op: 'wrprotect', arch: 'arm64', set: 'basic', modes: both, analyses: ['splitting', 'pinned-ranges'], purpose: 'write protection for dirty logging' },
  { name: 's2_split', type: 'p', symbols: ['kvm_pgtable_stage2_split'], args: 'addr=%x1:x64 size=%x2:x64', op: 'split', arch: 'arm64', set: 'basic', modes: both, analyses: ['splitting', 'pinned-ranges'], purpose: 'eager splitting of blocks (v6.5+)' },
  { name: 's2_split_ret', type: 'r', symbols: ['kvm_pgtable_stage2_split'], args: 'ret=$retval:s32', op: 'split', arch: 'arm64', set: 'basic', modes: both, analyses: ['splitting'], purpose: 'eager split result' },
  { name: 's2_unmap', type: 'p', symbols: ['kvm_pgtable_stage2_unmap'], args: 'addr=%x1:x64 size=%x2:x64', op: 'unmap', arch: 'arm64', set: 'basic', modes: both, analyses: ['pinned-ranges', 'cmo-redundancy'], purpose: 'stage-2 unmap (MMU notifier, memslot changes)' },
  { name: 's2_mkyoung', type: 'p', symbols: ['kvm_pgtable_stage2_mkyoung'], args: 'addr=%x1:x64', op: 'mkyoung', arch: 'arm64', set: 'basic', modes: both, analyses: ['access-flag'], purpose: 'access-flag fault handled (AF set again)' },
  { name: 's2_age', type: 'p', symbols: ['kvm_pgtable_stage2_test_clear_young'], args: 'addr=%x1:x64 size=%x2:x64 mkold=%x3:u8', op: 'age', arch: 'arm64', set: 'basic', modes: both, analyses: ['access-flag'], purpose: 'page aging clears the stage-2 access flag' },
  { name: 's2_age_ret', type: 'r', symbols: ['kvm_pgtable_stage2_test_clear_young'], args: 'young=$retval:u8', op: 'age', arch: 'arm64', set: 'basic', modes: both, analyses: ['access-flag'], purpose: 'aging result (was the page young)' },
  { name: 's2_flush', type: 'p', symbols: ['kvm_pgtable_stage2_flush'], args: 'addr=%x1:x64 size=%x2:x64', op: 'flush', arch: 'arm64', set: 'basic', modes: both, analyses: ['cmo-redundancy'], purpose: 'whole-range dcache flush (set/way emulation, cache toggling)' },
  { name: 'dcache_clean', type: 'p', symbols: ['clean_dcache_guest_page'], args: 'va=%x0:x64 size=%x1:x64', op: 'dcache-clean', arch: 'arm64', set: 'basic', modes: both, analyses: ['cmo-redundancy'], purpose: 'dcache clean of a newly mapped page (a no-op with FWB)' },
  { name: 'dcache_clean_ret', type: 'r', symbols: ['clean_dcache_guest_page'], args: '', op: 'dcache-clean', arch: 'arm64', set: 'full', modes: both, analyses: ['cmo-redundancy'], purpose: 'return of the clean: its duration against the entry tells a no-op (FWB) from a clean to the point of coherency' },
  { name: 'icache_inval', type: 'p', symbols: ['invalidate_icache_guest_page'], args: 'va=%x0:x64 size=%x1:x64', op: 'icache-inval', arch: 'arm64', set: 'basic', modes: both, analyses: ['cmo-redundancy'], purpose: 'icache invalidation for executable mappings (a no-op with DIC)' },
  { name: 'wp_masked', type: 'p', symbols: ['kvm_arch_mmu_enable_log_dirty_pt_masked'], args: 'gfn_offset=%x2:x64 mask=%x3:x64', op: 'wp-masked', arch: 'arm64', set: 'basic', modes: both, analyses: ['splitting'], purpose: 'dirty-log re-protection per 64-page word' },
  { name: 'split_huge', type: 'p', symbols: ['kvm_mmu_split_huge_pages'], args: '', op: 'split-huge', arch: 'arm64', set: 'basic', modes: both, analyses: ['splitting'], purpose: 'eager split driver (often renamed .isra.0)' },
  // VHE: the TLB invalidation primitives are ordinary kernel functions.
  { name: 'tlbi_ipa', type: 'p', symbols: ['__kvm_tlb_flush_vmid_ipa'], args: 'ipa=%x1:x64 level=%x2:s32', op: 'tlbi-ipa', arch: 'arm64', set: 'basic', modes: ['vhe'], analyses: ['tlb-cost', 'invalid-windows'], purpose: 'broadcast TLBI by IPA (break-before-make, unmap)' },
  { name: 'tlbi_ipa_nsh', type: 'p', symbols: ['__kvm_tlb_flush_vmid_ipa_nsh'], args: 'ipa=%x1:x64 level=%x2:s32', op: 'tlbi-ipa-nsh', arch: 'arm64', set: 'basic', modes: ['vhe'], analyses: ['tlb-cost'], purpose: 'local TLBI after a permission relax (v6.5+)' },
  { name: 'tlbi_range', type: 'p', symbols: ['__kvm_tlb_flush_vmid_range'], args: 'start=%x1:x64 pages=%x2:x64', op: 'tlbi-range', arch: 'arm64', set: 'basic', modes: ['vhe'], analyses: ['tlb-cost', 'invalid-windows'], purpose: 'range TLBI (FEAT_TLBIRANGE, v6.6+)' },
  { name: 'tlbi_vmid', type: 'p', symbols: ['__kvm_tlb_flush_vmid'], args: '', op: 'tlbi-vmid', arch: 'arm64', set: 'basic', modes: ['vhe'], analyses: ['tlb-cost'], purpose: 'whole-VMID TLBI' },
  // nVHE: the primitives run at EL2 and cannot be traced; the host-side wrappers can.
  { name: 'tlbi_range_wrapper', type: 'p', symbols: ['kvm_tlb_flush_vmid_range'], args: 'addr=%x1:x64 size=%x2:x64', op: 'tlbi-vmid-range-wrapper', arch: 'arm64', set: 'basic', modes: ['nvhe'], analyses: ['tlb-cost'], purpose: 'host-side wrapper of the range TLBI (the EL2 part is invisible)' },
  { name: 'flush_remote_tlbs', type: 'p', symbols: ['kvm_arch_flush_remote_tlbs'], args: '', op: 'flush-remote-tlbs', arch: 'arm64', set: 'basic', modes: ['nvhe'], analyses: ['tlb-cost'], purpose: 'whole-VM TLB flush request (the EL2 TLBI is invisible)' },
  // full: the break and make steps, which mark each break-before-make window exactly.
  { name: 's2_break', type: 'p', symbols: ['stage2_try_break_pte'], args: 'addr=+40(%x0):x64 old=+8(%x0):x64 level=+56(%x0):s8', op: 'try-break', arch: 'arm64', set: 'full', modes: both, analyses: ['invalid-windows'], structOffsets: visitCtx, purpose: 'break: the entry is swapped to KVM_INVALID_PTE_LOCKED (window opens)' },
  { name: 's2_break_ret', type: 'r', symbols: ['stage2_try_break_pte'], args: 'ok=$retval:u8', op: 'try-break', arch: 'arm64', set: 'full', modes: both, analyses: ['invalid-windows'], purpose: 'break result: ok=0 means another vCPU holds the entry' },
  { name: 's2_mkpte', type: 'p', symbols: ['stage2_make_pte'], args: 'addr=+40(%x0):x64 new=%x1:x64 level=+56(%x0):s8', op: 'make-pte', arch: 'arm64', set: 'full', modes: both, analyses: ['invalid-windows'], structOffsets: visitCtx, purpose: 'make: the new descriptor, before the store' },
  { name: 's2_mkpte_ret', type: 'r', symbols: ['stage2_make_pte'], args: '', op: 'make-pte', arch: 'arm64', set: 'full', modes: both, analyses: ['invalid-windows'], purpose: 'make done: the new entry is visible (window closes)' },
  // --lock: the returns of the functions that run with kvm->mmu_lock held for write, so that each
  // hold ends at a traced line (kvm_get_dirty_log_protect() and kvm_clear_dirty_log_protect() call
  // kvm_arch_mmu_enable_log_dirty_pt_masked() under the lock, virt/kvm/kvm_main.c).
  { name: 'wp_masked_ret', type: 'r', symbols: ['kvm_arch_mmu_enable_log_dirty_pt_masked'], args: '', op: 'wp-masked', arch: 'arm64', set: 'basic', lock: true, modes: both, analyses: [], purpose: 'end of a dirty-log write-protect call made under mmu_lock for write' },
  { name: 'split_huge_ret', type: 'r', symbols: ['kvm_mmu_split_huge_pages'], args: '', op: 'split-huge', arch: 'arm64', set: 'basic', lock: true, modes: both, analyses: [], purpose: 'end of an eager split made under mmu_lock for write' },
  { name: 'wp_masked', type: 'p', symbols: ['kvm_arch_mmu_enable_log_dirty_pt_masked'], args: 'gfn_offset=%dx:x64 mask=%cx:x64', op: 'wp-masked', arch: 'x86', set: 'basic', lock: true, modes: both, analyses: [], purpose: 'dirty-log write-protect call made under mmu_lock for write' },
  { name: 'wp_masked_ret', type: 'r', symbols: ['kvm_arch_mmu_enable_log_dirty_pt_masked'], args: '', op: 'wp-masked', arch: 'x86', set: 'basic', lock: true, modes: both, analyses: [], purpose: 'its end' },
  // x86 full: the remote TLB flushes (x86 has tracepoints for everything else).
  { name: 'x86_flush_remote_tlbs', type: 'p', symbols: ['kvm_flush_remote_tlbs'], args: '', op: 'flush-remote-tlbs', arch: 'x86', set: 'full', modes: both, analyses: ['tlb-cost'], purpose: 'remote TLB flush of the whole VM' },
  { name: 'x86_flush_remote_tlbs_range', type: 'p', symbols: ['kvm_flush_remote_tlbs_range'], args: 'gfn=%si:x64 pages=%dx:x64', op: 'flush-remote-tlbs', arch: 'x86', set: 'full', modes: both, analyses: ['tlb-cost'], purpose: 'remote TLB flush of a GFN range' },
];

export interface EventSpec {
  system: 'kvm' | 'kvmmmu' | 'lock';
  /** Event name, or `*` for the whole system. */
  name: string;
  analyses: AnalysisId[];
  purpose: string;
}

/** arm64 kvm tracepoints the analyses use (kernel-behaviour.md sections 2-3). */
export const ARM64_EVENTS: readonly EventSpec[] = [
  { system: 'kvm', name: 'kvm_exit', analyses: ['lost-races', 'tlb-cost'], purpose: 'fault episode start (cost)' },
  { system: 'kvm', name: 'kvm_entry', analyses: ['lost-races', 'tlb-cost'], purpose: 'fault episode end (cost)' },
  { system: 'kvm', name: 'kvm_guest_fault', analyses: ['lost-races', 'invalid-windows', 'splitting', 'cmo-redundancy', 'tlb-cost', 'access-flag', 'pinned-ranges'], purpose: 'every stage-2 abort (IPA, ESR)' },
  { system: 'kvm', name: 'kvm_access_fault', analyses: ['access-flag'], purpose: 'access-flag faults' },
  { system: 'kvm', name: 'kvm_mmio', analyses: ['lost-races'], purpose: 'MMIO exits (not mapping faults)' },
  { system: 'kvm', name: 'kvm_userspace_exit', analyses: ['lost-races'], purpose: 'exits to the VMM' },
  { system: 'kvm', name: 'kvm_unmap_hva_range', analyses: ['pinned-ranges'], purpose: 'MMU-notifier invalidations (host unmaps)' },
  { system: 'kvm', name: 'kvm_age_hva', analyses: ['access-flag'], purpose: 'page aging' },
  { system: 'kvm', name: 'kvm_test_age_hva', analyses: ['access-flag'], purpose: 'page aging tests' },
  { system: 'kvm', name: 'kvm_set_way_flush', analyses: ['cmo-redundancy'], purpose: 'set/way cache flush emulation' },
  { system: 'kvm', name: 'kvm_toggle_cache', analyses: ['cmo-redundancy'], purpose: 'guest cache enable/disable' },
  { system: 'kvm', name: 'kvm_timer_update_irq', analyses: [], purpose: 'reveals the vCPU index of each task' },
  { system: 'kvm', name: 'kvm_get_timer_map', analyses: ['tlb-cost'], purpose: 'vCPU index; its dp/ep fields reveal VHE or nVHE' },
];

/** x86 events: the kvm exits/faults and the whole kvmmmu system (kernel-behaviour.md section 4). */
export const X86_EVENTS: readonly EventSpec[] = [
  { system: 'kvm', name: 'kvm_exit', analyses: ['lost-races', 'tlb-cost'], purpose: 'fault episode start (cost)' },
  { system: 'kvm', name: 'kvm_entry', analyses: ['lost-races', 'tlb-cost'], purpose: 'fault episode end (cost)' },
  { system: 'kvm', name: 'kvm_page_fault', analyses: ['lost-races', 'splitting', 'access-flag', 'pinned-ranges'], purpose: 'every NPT/EPT violation' },
  { system: 'kvm', name: 'kvm_mmio', analyses: [], purpose: 'MMIO exits' },
  { system: 'kvm', name: 'kvm_pio', analyses: [], purpose: 'port I/O exits' },
  { system: 'kvm', name: 'kvm_userspace_exit', analyses: [], purpose: 'exits to the VMM' },
  { system: 'kvm', name: 'kvm_unmap_hva_range', analyses: ['pinned-ranges'], purpose: 'MMU-notifier invalidations' },
  { system: 'kvm', name: 'kvm_age_hva', analyses: ['access-flag'], purpose: 'page aging' },
  { system: 'kvm', name: 'kvm_test_age_hva', analyses: ['access-flag'], purpose: 'page aging tests' },
  { system: 'kvmmmu', name: '*', analyses: ['lost-races', 'invalid-windows', 'splitting', 'tlb-cost', 'pinned-ranges'], purpose: 'SPTE changes, fast-path verdicts, splits, zaps' },
];

/**
 * --lock: every contended lock acquisition, with READ/WRITE (include/trace/events/lock.h, 5.19+).
 * They fire for every lock of the host, not only kvm->mmu_lock: the analysis finds mmu_lock from
 * the vCPU threads' waits inside faults (src/core/lock/mmuLock.ts).
 */
export const LOCK_EVENTS: readonly EventSpec[] = [
  { system: 'lock', name: 'contention_begin', analyses: [], purpose: 'a contended lock acquisition begins (lock address, READ/WRITE)' },
  { system: 'lock', name: 'contention_end', analyses: [], purpose: 'it ends' },
];

/** x86 module parameters written into the trace through trace_marker (they decide splitting). */
export const X86_PARAMS: readonly string[] = [
  'kvm/parameters/tdp_mmu',
  'kvm/parameters/eager_page_split',
  'kvm/parameters/nx_huge_pages',
  'kvm_amd/parameters/npt',
  'kvm_intel/parameters/ept',
  'kvm_intel/parameters/enable_pml',
];

export function probesFor(arch: RecordArch, mode: RecordMode, set: ProbeSet, lock = false): ProbeSpec[] {
  return PROBES.filter((p) => p.arch === arch && p.modes.includes(mode) && (set === 'full' || p.set === 'basic') && (!p.lock || lock));
}

export function eventsFor(arch: RecordArch, lock = false): readonly EventSpec[] {
  const kvm = arch === 'arm64' ? ARM64_EVENTS : X86_EVENTS;
  return lock ? [...kvm, ...LOCK_EVENTS] : kvm;
}

/** The line a user writes to kprobe_events for a probe (used in "what to add" advice). */
export function probeDefinition(p: ProbeSpec, group = PROBE_GROUP): string {
  return `${p.type}:${group}/${p.name} ${p.symbols[0]}${p.args ? ' ' + p.args : ''}`;
}

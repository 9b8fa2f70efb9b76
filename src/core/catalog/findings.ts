// The finding catalog: the only place a finding class is described. Reports (text, Markdown, JSON,
// SARIF), diagnostics (code, severity, documentation link), hovers, the code lens and status bar,
// the timeline's classes and colours, the Perfetto export and docs/findings/ (generated from this
// table by `npm run docs:findings`, checked by a test) all read it. The replays decide which class
// a finding has; this table says what the class means, what its nature is, and which levers avoid
// it, each with whether the lever exists (kernel version, CPU feature, capability, VMM option) or
// is only proposed (and where that is said).
//
// "Avoidable" is never a property of a class: a fault or a CMO is avoidable only when a lever that
// exists, replayed on the same trace as a what-if, removes it (src/core/analysis/verdicts.ts).
import type { Arch, FindingClass, Severity } from '../domain/types';

/** What a finding is, before any lever is tried. */
export type FindingNature =
  /** The handler found nothing to do because another actor got there first: the loser only re-enters. */
  | 'inherent-race'
  /** The architecture or the kernel's design takes this fault or operation on purpose. */
  | 'by-design'
  /** The cost of something the host did (unmap, aging), not of the fault path. */
  | 'host-action'
  /** Work that had no effect, done by a kernel that could skip it. */
  | 'redundant'
  /** A call that returns at once (a static branch on a CPU feature): needed by no one, costing nothing measurable. */
  | 'no-op'
  /** What the kernel should never show, or what the user said must not happen. */
  | 'anomaly';

export type LeverAvailability =
  | { exists: true; as: 'kernel' | 'cpu-feature' | 'capability' | 'vmm-option' | 'module-parameter'; since?: string }
  | { exists: false; proposedWhere: string };

export interface Lever {
  /** One plain sentence: what to change. */
  text: string;
  /** The preset that replays the trace as if the lever were applied (src/core/catalog/presets.ts). */
  preset?: string;
  availability: LeverAvailability;
}

export interface FindingClassEntry {
  cls: FindingClass;
  /** Stable diagnostic code (`S1-lost-race`). */
  code: string;
  /** Short title. */
  title: string;
  /** What it means, one or two plain sentences. */
  means: string;
  /** What in the trace shows it. */
  shows: string;
  /** What a finding of this class is about. */
  subject: 'fault' | 'cmo' | 'change';
  nature: FindingNature;
  severity: Severity;
  levers: readonly Lever[];
  /** What the trace must show for the replay to detect the class (absent: any stage-2 trace). */
  needs?: string;
  /** Kernel functions the rule follows. */
  kernel: string;
  /**
   * What differs on x86 (TDP MMU, legacy MMU, shadow paging) for a class both replays emit: the
   * kernel's code, the mechanism and the levers are the architecture's own.
   */
  onX86?: Partial<Pick<FindingClassEntry, 'means' | 'shows' | 'levers' | 'needs' | 'kernel'>>;
}

const EAGER_ARM64: Lever = {
  text: 'eager page splitting when dirty logging starts (the VMM sets KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE, e.g. QEMU -accel kvm,eager-split-size=2M)',
  preset: 'eager2m',
  availability: { exists: true, as: 'capability', since: '6.5' },
};

const EAGER_X86: Lever = {
  text: 'eager page splitting (kvm.eager_page_split=Y, the default, with the TDP MMU): kvm_mmu_slot_try_split_huge_pages() splits the huge pages when dirty logging starts, or KVM_CLEAR_DIRTY_LOG splits the pages it clears under KVM_DIRTY_LOG_INITIALLY_SET',
  preset: 'eager2m',
  availability: { exists: true, as: 'module-parameter', since: '5.18' },
};

const BBM2: Lever = {
  text: 'FEAT_BBM level 2 for stage 2: change a block\'s size without the invalid step',
  preset: 'bbm2',
  availability: {
    exists: false,
    proposedWhere: 'not in any kernel: stage2_try_break_pte() (arch/arm64/kvm/hyp/pgtable.c) breaks every valid entry it replaces, whatever the CPU\'s BBM level; the host uses BBML2_NOABORT for its own linear map only',
  },
};

export const FINDING_CLASSES: readonly FindingClassEntry[] = [
  {
    cls: 'S1', code: 'S1-lost-race', title: 'Lost race', subject: 'fault', nature: 'inherent-race', severity: 'information',
    means: 'A translation fault whose mapping another vCPU installed first: the map found nothing to do (-EAGAIN) and the vCPU re-entered the guest. Nothing in the fault path avoids it: it is the price of concurrent first touch.',
    shows: 'Two vCPUs fault on the same page; the later map returns -EAGAIN (kretprobe on kvm_pgtable_stage2_map), or without that probe the model already maps the page when the fault arrives.',
    levers: [],
    kernel: 'user_mem_abort() (arch/arm64/kvm/mmu.c), stage2_map_walker_try_leaf() and stage2_pte_needs_update() (arch/arm64/kvm/hyp/pgtable.c)',
    onX86: {
      means: 'A fault another vCPU had already resolved: the fast path found the SPTE already allowing the access, or the slow path computed the SPTE already installed (RET_PF_SPURIOUS), and the vCPU re-entered the guest. Nothing in the fault path avoids it: it is the price of concurrent first touch.',
      shows: 'fast_page_fault with spurious 1, or a fault whose SPTE change (kvm_tdp_mmu_spte_changed, kvm_mmu_set_spte) writes the value another vCPU installed just before.',
      kernel: 'fast_page_fault() and is_access_allowed() (arch/x86/kvm/mmu/mmu.c), tdp_mmu_map_handle_target_level() (arch/x86/kvm/mmu/tdp_mmu.c) and mmu_set_spte() returning RET_PF_SPURIOUS',
    },
  },
  {
    cls: 'S2', code: 'S2-bbm-window', title: 'Break-before-make window', subject: 'fault', nature: 'by-design', severity: 'warning',
    means: 'A fault on an address another actor was replacing with break-before-make: between the invalidation and the new entry the entry is invalid or locked, so the access faults and retries. Without FEAT_BBM the architecture requires the window.',
    shows: 'A fault whose time falls in another actor\'s [break, make] interval at an overlapping IPA; with stage2_try_break_pte/stage2_make_pte probes the window is observed, otherwise inferred from fault levels and the owner\'s fault episode.',
    levers: [BBM2, EAGER_ARM64],
    kernel: 'stage2_try_break_pte() and stage2_make_pte() (arch/arm64/kvm/hyp/pgtable.c)',
  },
  {
    cls: 'S3', code: 'S3-stale-tlb-perm', title: 'Permission fault on an entry that already allowed the access', subject: 'fault', nature: 'inherent-race', severity: 'information',
    means: 'A permission fault although the entry already granted the access. Either a lost race: several vCPUs faulted on the same IPA and another one relaxed the entry first (this vCPU\'s relax then finds nothing to change and returns 0, or -EAGAIN when the two collided on the entry); or a stale TLB entry: the entry allowed the access before this vCPU entered the guest, but the relaxing vCPU invalidates only its own TLB (since a12ab1378a88), so this CPU still held the stricter one. KVM changes nothing and invalidates the local TLB.',
    shows: 'A permission fault (FSC 0x0C-0x0F) whose kvm_pgtable_stage2_relax_perms changes no entry. The message says which case it is: -EAGAIN from the relax (kretprobe), or the permission given by another actor after this vCPU\'s exit, is a lost race; given before this vCPU entered the guest, a stale TLB entry; given while it ran the guest, either (the trace cannot tell).',
    levers: [],
    kernel: 'kvm_pgtable_stage2_relax_perms() (arch/arm64/kvm/hyp/pgtable.c)',
  },
  {
    cls: 'S4', code: 'S4-perms-only-translation', title: 'Permissions-only translation fault', subject: 'fault', nature: 'inherent-race', severity: 'information',
    means: 'A translation fault that found a valid entry differing only in permissions (another vCPU mapped it with fewer): the map returned -EAGAIN and the retried access took a second, permission, fault.',
    shows: 'A translation fault with map -EAGAIN on an entry with the same output address but fewer permissions, then a permission fault by the same vCPU at the same PC and page.',
    levers: [],
    kernel: 'stage2_pte_needs_update() (arch/arm64/kvm/hyp/pgtable.c): a change of permissions only is left to the permission fault',
  },
  {
    cls: 'S5', code: 'S5-split-cascade', title: 'Split-on-fault cascade', subject: 'fault', nature: 'by-design', severity: 'warning',
    means: 'During dirty logging a write to a block split it in the fault path, and the sibling pages of that block then faulted one by one. Dirty logging needs a write fault per page; what eager splitting moves out of the fault path is the split, not these faults.',
    shows: 'A permission fault on a block during dirty logging, a page-size map replacing the block, then translation or permission faults on sibling pages of the same block.',
    levers: [EAGER_ARM64],
    kernel: 'user_mem_abort() (force_pte under dirty logging), kvm_mmu_split_huge_pages() (arch/arm64/kvm/mmu.c)',
    onX86: {
      means: 'During dirty logging a write to a huge page split it in the fault path: the TDP MMU replaces the write-protected huge SPTE by a page table of 4 KiB SPTEs (the legacy MMU drops it and maps 4 KiB pages as they fault), with the allocation and the split under the vCPU. The later writes to the other pages are dirty logging\'s own write faults: eager splitting moves the split out of the fault path, not those faults.',
      shows: 'A write fault on a write-protected huge SPTE of a logged slot, with kvm_mmu_split_huge_page or the huge SPTE replaced by a page table in its handling.',
      levers: [EAGER_X86],
      kernel: 'kvm_mmu_hugepage_adjust() (no huge page in a logged slot, arch/x86/kvm/mmu/mmu.c), kvm_tdp_mmu_map() -> tdp_mmu_split_huge_page() (arch/x86/kvm/mmu/tdp_mmu.c)',
    },
  },
  {
    cls: 'S6', code: 'S6-notifier-retry', title: 'MMU-notifier retry', subject: 'fault', nature: 'inherent-race', severity: 'information',
    means: 'A fault retried because an MMU-notifier invalidation was in flight in the VM. On arm64 the check is VM-wide: user_mem_abort() snapshots mmu_invalidate_seq after the exit and mmu_invalidate_retry() bails out while any invalidation is in progress or once the sequence moved, whatever range it covers and even when it began before the fault\'s exit; the vCPU re-enters and faults again.',
    shows: 'A translation fault that mapped nothing (no map or relax probe) while an invalidation (kvm_unmap_hva_range) was in flight anywhere in the VM, then a second fault on the same page. An invalidation counts until a fault-path map or relax after its s2_unmap shows that its mmu_invalidate_retry() passed.',
    levers: [],
    needs: 'map probes (s2_map, or the recording script\'s probe marker): only they show that the first fault mapped nothing; plus kvm_unmap_hva_range before that fault ended (and s2_unmap probes to bound when it ended)',
    kernel: 'user_mem_abort(): mmu_seq = kvm->mmu_invalidate_seq, then mmu_invalidate_retry(kvm, mmu_seq) under mmu_lock (arch/arm64/kvm/mmu.c, include/linux/kvm_host.h)',
    // x86's text as it was: its check is range-based (mmu_invalidate_retry_gfn()), unlike arm64's.
    onX86: {
      means: 'A fault retried because an MMU-notifier invalidation was in flight in the VM (mmu_invalidate_seq changed, or a range invalidation was active).',
      shows: 'A fault whose map never ran or returned without a change while kvm_unmap_hva_range ran, then a second fault on the same page.',
      needs: 'map probes (s2_map, or the recording script\'s probe marker): only they show that the first fault mapped nothing; plus kvm_unmap_hva_range during that fault',
      kernel: 'kvm_faultin_pfn() and is_page_fault_stale(): mmu_invalidate_retry_gfn() (arch/x86/kvm/mmu/mmu.c, include/linux/kvm_host.h)',
    },
  },
  {
    cls: 'S7', code: 'S7-lazy-exec', title: 'Lazy execute fault', subject: 'fault', nature: 'by-design', severity: 'hint',
    means: 'An execute permission fault right after a data fault mapped the page without execute: without CTR_EL0.DIC KVM grants execute only on an instruction fault, so that it invalidates the I-cache only for pages that run code.',
    shows: 'A data abort mapping a page, then an instruction abort (permission) on the same page.',
    levers: [{ text: 'a CPU with CTR_EL0.DIC (KVM then maps every page executable)', preset: 'dic', availability: { exists: true, as: 'cpu-feature' } }],
    kernel: 'user_mem_abort(): prot |= KVM_PGTABLE_PROT_X only for exec faults unless ARM64_HAS_CACHE_DIC (arch/arm64/kvm/mmu.c)',
  },
  {
    cls: 'S8', code: 'S8-s1ptw-double', title: 'Stage-1 walk double fault', subject: 'fault', nature: 'by-design', severity: 'hint',
    means: 'A translation then a permission fault on a guest page-table page (ESR.S1PTW=1): the guest\'s hardware access-flag or dirty-bit updates write to its page tables, which KVM first mapped read-only.',
    shows: 'Two faults with ESR.S1PTW set on the same page-table page: a translation fault, then a write permission fault.',
    levers: [],
    needs: 'kvm_guest_fault (ESR.S1PTW is in its hsr)',
    kernel: 'kvm_is_write_fault() and kvm_vcpu_abt_iss1tw() (arch/arm64/include/asm/kvm_emulate.h)',
  },
  {
    cls: 'S9', code: 'S9-af-after-aging', title: 'Access-flag fault after aging', subject: 'fault', nature: 'host-action', severity: 'information',
    means: 'An access-flag fault because the host\'s page aging cleared the flag: the cost of aging (reclaim, DAMON), not of the fault path.',
    shows: 'An access-flag fault (FSC 0x08-0x0B) on a page kvm_age_hva / kvm_pgtable_stage2_test_clear_young made old.',
    levers: [],
    kernel: 'handle_access_fault() (arch/arm64/kvm/mmu.c), kvm_pgtable_stage2_test_clear_young() (arch/arm64/kvm/hyp/pgtable.c)',
  },
  {
    cls: 'C1', code: 'C1-fwb-noop', title: 'Data-cache clean with FWB', subject: 'cmo', nature: 'no-op', severity: 'hint',
    means: 'A clean_dcache_guest_page while FEAT_S2FWB is in force: the call returns at once (a static branch on the CPU feature), so it cleans nothing and costs next to nothing. Not a cost.',
    shows: 'clean_dcache_guest_page lines on a CPU known to have FWB (the recording script\'s cpu-features marker, or a sub-microsecond duration of the call).',
    levers: [],
    kernel: '__clean_dcache_guest_page() (arch/arm64/kvm/mmu.c): returns when ARM64_HAS_STAGE2_FWB',
  },
  {
    cls: 'C2', code: 'C2-dic-noop', title: 'Instruction-cache invalidation with DIC', subject: 'cmo', nature: 'no-op', severity: 'hint',
    means: 'An invalidate_icache_guest_page while CTR_EL0.DIC is set: it reduces to an ISB. Not a cost.',
    shows: 'invalidate_icache_guest_page lines on a CPU known to have DIC.',
    levers: [],
    kernel: 'icache_inval_pou() / caches_clean_inval_pou() (arch/arm64/mm/cache.S): DIC makes the invalidation an ISB',
  },
  {
    cls: 'C3', code: 'C3-cmo-on-eagain', title: 'Cache maintenance in a fault that changed nothing', subject: 'cmo', nature: 'redundant', severity: 'warning',
    means: 'Cache maintenance in a fault whose map made no change: kernels up to 5.13 cleaned (and for exec faults invalidated) before mapping, so a lost race still paid for it.',
    shows: 'A CMO inside a fault episode whose map returned -EAGAIN or changed nothing.',
    levers: [{ text: 'kernel 5.14 or later (cache maintenance only when a leaf is written)', preset: '5.14', availability: { exists: true, as: 'kernel', since: '5.14' } }],
    kernel: 'stage2_map_walker_try_leaf() (arch/arm64/kvm/hyp/pgtable.c, 5.14+) against user_mem_abort() before "KVM: arm64: Move guest CMOs to the fault handlers"',
  },
  {
    cls: 'C4', code: 'C4-reclean-mapped', title: 'Re-clean of an already-mapped block', subject: 'cmo', nature: 'redundant', severity: 'information',
    means: 'A data-cache clean of a whole block after a table-to-block collapse, although pages of it were mapped and cleaned before with no unmap or host write in between that the model knows of.',
    shows: 'A clean_dcache_guest_page of a range the model has seen mapped and cleaned, with only splits or collapses since.',
    levers: [{ text: 'skip the clean of pages already cleaned when a table collapses to a block', availability: { exists: false, proposedWhere: 'not in any kernel: stage2_map_walker_try_leaf() cleans the whole new leaf whenever it is cacheable and not already valid' } }],
    kernel: 'stage2_map_walker_try_leaf() (arch/arm64/kvm/hyp/pgtable.c)',
  },
  {
    cls: 'C5', code: 'C5-icache-without-exec', title: 'Instruction-cache invalidation without execute need', subject: 'cmo', nature: 'anomaly', severity: 'information',
    means: 'An instruction-cache invalidation on a map that did not need execute permission: since 5.14 KVM invalidates only when it maps a page executable, which without DIC only an instruction fault does.',
    shows: 'An invalidate_icache_guest_page inside a data fault.',
    levers: [],
    needs: 'icache_inval probes, and DIC known clear (configuration or the cpu-features marker): an executable data-fault map is otherwise read as DIC',
    kernel: 'stage2_map_walker_try_leaf(): mm_ops->icache_inval_pou only for executable leaves (arch/arm64/kvm/hyp/pgtable.c)',
  },
  {
    cls: 'C6', code: 'C6-cmo-non-cacheable', title: 'Cache maintenance on non-cacheable memory', subject: 'cmo', nature: 'anomaly', severity: 'warning',
    means: 'Cache maintenance of a non-cacheable (device) mapping: kernels since 5.14 never do this.',
    shows: 'An s2_map with the device bit in its prot and a CMO in the same fault.',
    levers: [],
    needs: 's2_map probes with prot (the device bit) and CMO probes in the same fault',
    kernel: 'stage2_pte_cacheable() in stage2_map_walker_try_leaf() (arch/arm64/kvm/hyp/pgtable.c)',
  },
  {
    cls: 'C7', code: 'C7-redundant-vm-flush', title: 'Repeated full-VM flush', subject: 'cmo', nature: 'redundant', severity: 'information',
    means: 'A full-VM cache flush for a set/way operation repeated although the vCPU had one already and never turned its caches on since.',
    shows: 'Repeated kvm_set_way_flush of one vCPU without a kvm_toggle_cache in between.',
    levers: [{ text: 'a CPU with FEAT_S2FWB (set/way operations are then not tracked and need no flush)', preset: 'fwb', availability: { exists: true, as: 'cpu-feature' } }],
    needs: 'kvm_set_way_flush and kvm_toggle_cache (never emitted with FWB: set/way ops are not tracked then)',
    kernel: 'access_dcsw() (arch/arm64/kvm/sys_regs.c): kvm_set_way_flush() only without ARM64_HAS_STAGE2_FWB; kvm_toggle_cache() (arch/arm64/kvm/mmu.c)',
  },
  {
    cls: 'X1', code: 'X1-spte-rewrite', title: 'SPTE rewrite after another vCPU\'s install (x86)', subject: 'fault', nature: 'inherent-race', severity: 'information',
    means: 'An x86 fault found the SPTE another vCPU had just installed (or rewrote it with the same value): the x86 counterpart of a lost race.',
    shows: 'kvm_mmu_set_spte or kvm_tdp_mmu_spte_changed writing the value another vCPU installed just before, or a fault whose SPTE is already present.',
    levers: [],
    kernel: 'tdp_mmu_map_handle_target_level() and mmu_set_spte() (arch/x86/kvm/mmu/tdp_mmu.c, mmu.c): RET_PF_SPURIOUS',
  },
  {
    cls: 'X2', code: 'X2-split-race', title: 'Lost split race (x86)', subject: 'fault', nature: 'inherent-race', severity: 'information',
    means: 'An x86 huge-page split lost a race with another vCPU and returned -EBUSY (-16).',
    shows: 'kvm_mmu_split_huge_page with errno -16.',
    levers: [EAGER_X86],
    kernel: 'tdp_mmu_split_huge_page() / tdp_mmu_split_huge_pages_root() (arch/x86/kvm/mmu/tdp_mmu.c)',
  },
  {
    cls: 'X3', code: 'X3-fast-path-failure', title: 'Fast-path failure (x86)', subject: 'fault', nature: 'by-design', severity: 'information',
    means: 'The x86 fast page-fault path could not fix the fault and fell back to the slow path.',
    shows: 'fast_page_fault with fixed=0 (or ret RET_PF_INVALID) followed by the slow path for the same address.',
    levers: [],
    kernel: 'fast_page_fault() (arch/x86/kvm/mmu/mmu.c)',
  },
  {
    cls: 'P1', code: 'P1-pinned-range', title: 'Touches a pinned range', subject: 'change', nature: 'anomaly', severity: 'warning',
    means: 'An unmap, split, permission change or fault inside an IPA range the configuration declares must stay mapped (for example an SPE buffer).',
    shows: 'Any stage-2 change or fault overlapping a range of the configuration\'s "pinned" list.',
    levers: [],
    kernel: 'the configuration\'s pinned ranges (not a kernel rule)',
  },
  {
    cls: 'H1', code: 'H1-refault-after-unmap', title: 'Refault after a host unmap', subject: 'fault', nature: 'host-action', severity: 'information',
    means: 'A fault on memory the host had unmapped through the MMU notifier (swap, migration, compaction, ballooning, KSM): the cost of the host action, not of the fault path.',
    shows: 'A translation fault at an IPA the model saw removed by kvm_unmap_hva_range (or an unmap probe) since it was last mapped.',
    levers: [],
    kernel: 'kvm_unmap_gfn_range() (arch/arm64/kvm/mmu.c), kvm_mmu_notifier_invalidate_range_start() (virt/kvm/kvm_main.c)',
  },
  {
    cls: 'L1', code: 'L1-mmu-lock-wait', title: 'Fault stalled behind an MMU-lock writer', subject: 'fault', nature: 'host-action', severity: 'information',
    means: 'A stage-2 fault waited for kvm->mmu_lock, which it takes for read, while a writer held it or waited for it (dirty-log write-protection, eager splitting): the cost of the host action, not of the fault path.',
    shows: 'lock:contention_begin with READ on a vCPU thread inside a fault, until contention_end, overlapping a write hold seen from the write-side probes (kvm_arch_mmu_enable_log_dirty_pt_masked, kvm_mmu_split_huge_pages).',
    levers: [
      {
        text: 'KVM_CLEAR_DIRTY_LOG over smaller ranges (manual protect, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2): each call holds the lock for its own range only',
        availability: { exists: true, as: 'vmm-option' },
      },
      {
        text: 'the dirty ring (KVM_CAP_DIRTY_LOG_RING_ACQ_REL): KVM_RESET_DIRTY_RINGS write-protects the harvested pages in small batches, each under the lock (kvm_reset_dirty_gfn(), virt/kvm/dirty_ring.c)',
        availability: { exists: true, as: 'capability', since: '6.1 on arm64' },
      },
    ],
    needs: 'lock:contention_begin/contention_end (stage2-lens record-script --lock), and for the writer, return probes on kvm_arch_mmu_enable_log_dirty_pt_masked and kvm_mmu_split_huge_pages',
    kernel: 'user_mem_abort() takes read_lock(&kvm->mmu_lock) (arch/arm64/kvm/mmu.c); kvm_get_dirty_log_protect() and kvm_clear_dirty_log_protect() hold it for write around kvm_arch_mmu_enable_log_dirty_pt_masked() (virt/kvm/kvm_main.c); queued_read_lock_slowpath() (kernel/locking/qrwlock.c)',
    onX86: {
      kernel: 'kvm_tdp_mmu_map() runs under read_lock(&kvm->mmu_lock) (arch/x86/kvm/mmu/mmu.c, tdp_mmu.c); kvm_get_dirty_log_protect() and kvm_clear_dirty_log_protect() hold it for write around kvm_arch_mmu_enable_log_dirty_pt_masked() (virt/kvm/kvm_main.c)',
    },
  },
];

const BY_CLASS = new Map(FINDING_CLASSES.map((e) => [e.cls, e]));

/** A class as the catalog describes it for one architecture (arm64 when not said: most classes are arm64's). */
export function findingEntry(cls: FindingClass, arch: Arch = 'arm64'): FindingClassEntry {
  const e = BY_CLASS.get(cls);
  if (!e) throw new Error(`finding class ${cls} is not in the catalog`);
  return arch === 'x86' && e.onX86 ? { ...e, ...e.onX86 } : e;
}

/** Display order: the catalog's. */
export const CLASS_ORDER: readonly FindingClass[] = FINDING_CLASSES.map((e) => e.cls);

/** The documentation page of a class, under docs/findings/. */
export function findingPage(cls: FindingClass): string {
  return `${cls}.md`;
}

/** A fault the handler had nothing to do for: drawn and counted as spurious. */
export function isSpurious(cls: FindingClass): boolean {
  const e = BY_CLASS.get(cls);
  return e !== undefined && e.subject === 'fault' && e.nature === 'inherent-race';
}

/** Cache maintenance that had no effect or should not happen (no-op static branches excluded). */
export function isRedundantCmo(cls: FindingClass): boolean {
  const e = BY_CLASS.get(cls);
  return e !== undefined && e.subject === 'cmo' && (e.nature === 'redundant' || e.nature === 'anomaly');
}

/** Levers of a class that exist and have a what-if preset: the ones a replay can check. */
export function checkableLevers(cls: FindingClass, arch?: Arch): Lever[] {
  return findingEntry(cls, arch).levers.filter((l) => l.availability.exists && l.preset !== undefined);
}

export const NATURE_TITLE: Readonly<Record<FindingNature, string>> = {
  'inherent-race': 'inherent races',
  'by-design': 'by design',
  'host-action': 'caused by host actions',
  redundant: 'redundant',
  'no-op': 'no-op calls',
  anomaly: 'anomalies',
};

/** The same, for a count of one. */
export const NATURE_TITLE_ONE: Readonly<Record<FindingNature, string>> = { ...NATURE_TITLE, 'inherent-race': 'inherent race', anomaly: 'anomaly', 'no-op': 'no-op call' };

/** "exists since 6.5 (capability)" or "proposed: ...". */
export function describeAvailability(a: LeverAvailability): string {
  if (!a.exists) return `proposed only (${a.proposedWhere})`;
  const as = { kernel: 'kernel', 'cpu-feature': 'CPU feature', capability: 'KVM capability', 'vmm-option': 'VMM option', 'module-parameter': 'module parameter' }[a.as];
  return `exists (${as}${a.since ? `, since ${a.since}` : ''})`;
}

/** The levers of a class as plain sentences ("none" is said, not left out). */
export function leverSentences(cls: FindingClass, arch?: Arch): string[] {
  const e = findingEntry(cls, arch);
  if (!e.levers.length) return [`no lever avoids it (${NATURE_TITLE[e.nature]})`];
  return e.levers.map((l) => `${l.text}: ${describeAvailability(l.availability)}${l.preset ? `; what-if preset ${l.preset}` : ''}`);
}

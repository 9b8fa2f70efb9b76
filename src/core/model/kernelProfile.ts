// Kernel behaviour eras (domain.md 5.10, 9): where cache maintenance happens (<= 5.13 in the abort
// path before mapping; >= 5.14 only when a leaf is written), parallel faults (6.2), eager split
// and local relax TLBI (6.5), range TLBI for stage 2 (6.6). Also detection of the era from a trace.
import type { KernelProfile } from '../analysis/types';

export interface KernelBehaviour {
  profile: Exclude<KernelProfile, 'auto'>;
  /** CMOs of the whole mapping size on every non-permission fault, before the lock (<= 5.13). */
  cmoInFaultPath: boolean;
  parallelFaults: boolean;
  eagerSplitAvailable: boolean;
  localRelaxTlbi: boolean;
  rangeTlbi: boolean;
  /** v6.2-v6.5 table breaks flush the whole VMID. */
  tableBreakFlushesVmid: boolean;
}

export function kernelBehaviour(profile: Exclude<KernelProfile, 'auto'>): KernelBehaviour {
  const v = Number(profile);
  return {
    profile,
    cmoInFaultPath: v < 5.14,
    parallelFaults: v >= 6.2,
    eagerSplitAvailable: v >= 6.5,
    localRelaxTlbi: v >= 6.5,
    rangeTlbi: v >= 6.6,
    tableBreakFlushesVmid: v >= 6.2 && v < 6.6,
  };
}

/** Evidence gathered during a replay that pins down the kernel era. */
export interface KernelEvidence {
  dcacheAfterSuccessfulMap: number;
  dcacheWithoutMap: number;
  nshTlbi: number;
  rangeTlbi: number;
  lockedBreaks: number;
  eagerSplits: number;
}

export function detectKernel(e: KernelEvidence): { profile: Exclude<KernelProfile, 'auto'>; why: string } {
  if (e.rangeTlbi > 0) return { profile: '6.6', why: 'stage-2 range TLB invalidations (__kvm_tlb_flush_vmid_range) appear' };
  if (e.nshTlbi > 0 || e.eagerSplits > 0) return { profile: '6.5', why: 'local TLBI on permission relaxation or eager splits appear' };
  if (e.lockedBreaks > 0) return { profile: '6.2', why: 'breaks of a locked entry (parallel faults) appear' };
  if (e.dcacheWithoutMap > 0 && e.dcacheAfterSuccessfulMap === 0)
    return { profile: '5.13', why: 'clean_dcache_guest_page is called in faults whose map changed nothing' };
  if (e.dcacheAfterSuccessfulMap > 0) return { profile: '5.14', why: 'clean_dcache_guest_page only after a successful map' };
  return { profile: '6.6', why: 'no evidence in the trace; assumed a current kernel' };
}

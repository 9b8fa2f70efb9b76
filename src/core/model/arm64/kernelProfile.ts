// Kernel behaviour eras (kernel-behaviour.md 5.10, 9): where cache maintenance happens (<= 5.13 in the abort
// path before mapping; >= 5.14 only when a leaf is written), parallel faults (6.2), eager split
// and local relax TLBI (6.5), range TLBI for stage 2 (6.6). Also detection of the era from a trace.
import type { KernelProfile } from '../../domain/types';

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

/**
 * Trace lines that pin down the kernel era, gathered during a replay: only lines of the trace count
 * (probes, function-tracer lines), never the model's own predictions. Each kind keeps the line
 * number of its first occurrence, so that the report can cite it.
 */
export interface KernelEvidence {
  /** clean_dcache_guest_page inside kvm_pgtable_stage2_map (after its entry probe): 5.14+ cleans only when a leaf is written. */
  dcacheInsideMap: number | undefined;
  /** clean_dcache_guest_page in a fault before its map was entered: <= 5.13 cleans in user_mem_abort() before mapping. */
  dcacheBeforeMap: number | undefined;
  /** __kvm_tlb_flush_vmid_ipa_nsh: the local TLBI of a permission relaxation (6.5). */
  nshTlbi: number | undefined;
  /** __kvm_tlb_flush_vmid_range (6.6). */
  rangeTlbi: number | undefined;
  /** stage2_try_break_pte finding the entry locked by another walker: parallel faults (6.2). */
  lockedBreaks: number | undefined;
  /** kvm_pgtable_stage2_split (eager page splitting, 6.5). */
  eagerSplits: number | undefined;
}

export function noKernelEvidence(): KernelEvidence {
  return { dcacheInsideMap: undefined, dcacheBeforeMap: undefined, nshTlbi: undefined, rangeTlbi: undefined, lockedBreaks: undefined, eagerSplits: undefined };
}

export interface KernelDetection {
  /** 'at-most': the era or older; 'at-least': the era or newer; 'unknown': no line says. */
  bound: 'at-most' | 'at-least' | 'unknown';
  era: Exclude<KernelProfile, 'auto'> | undefined;
  /** The trace line that proves it. */
  line: number | undefined;
  why: string;
}

/** The era the trace's own lines prove (strongest first), or unknown. */
export function detectKernel(e: KernelEvidence): KernelDetection {
  if (e.dcacheBeforeMap !== undefined) return { bound: 'at-most', era: '5.13', line: e.dcacheBeforeMap, why: 'clean_dcache_guest_page runs in the fault before the map (user_mem_abort() before "Move guest CMOs to the fault handlers")' };
  if (e.rangeTlbi !== undefined) return { bound: 'at-least', era: '6.6', line: e.rangeTlbi, why: 'a stage-2 range TLB invalidation (__kvm_tlb_flush_vmid_range)' };
  if (e.nshTlbi !== undefined) return { bound: 'at-least', era: '6.5', line: e.nshTlbi, why: 'a local TLBI on permission relaxation (__kvm_tlb_flush_vmid_ipa_nsh)' };
  if (e.eagerSplits !== undefined) return { bound: 'at-least', era: '6.5', line: e.eagerSplits, why: 'an eager split (kvm_pgtable_stage2_split)' };
  if (e.lockedBreaks !== undefined) return { bound: 'at-least', era: '6.2', line: e.lockedBreaks, why: 'a break of an entry another walker had locked (parallel faults)' };
  if (e.dcacheInsideMap !== undefined) return { bound: 'at-least', era: '5.14', line: e.dcacheInsideMap, why: 'clean_dcache_guest_page inside kvm_pgtable_stage2_map' };
  return { bound: 'unknown', era: undefined, line: undefined, why: 'no line of the trace pins the era down' };
}

// What the x86 replay says of its findings and marks: every finding message, related-line text and
// timeline label, one function a sentence, by class. The rules (faultRules.ts) decide the class and
// the fast-path failure's cause and pass the facts; nothing else in replay/x86 writes a finding's
// sentence. A class's nature, levers and page are the catalog's (src/core/catalog/findings.ts).
import { levelSizeWords, pagesPerEntry } from '../../model/x86/geometry';
import { hexSpte, transitionLabel, type SpteTransition } from '../../model/x86/spte';
import { hex } from './types';

/** Whole microseconds of a duration in ns. */
const us = (ns: number): number => Math.round(ns / 1000);

/** Which MMU dropped a huge page, for sentences. */
const mmuName = (shadow: boolean, capital = false): string => (shadow ? (capital ? 'Shadow paging' : 'shadow paging') : capital ? 'Legacy MMU' : 'legacy MMU');

/** Finding messages, by class. */
export const message = {
  /** S1 in a what-if: the fast path would find the SPTE fixed. */
  whatIfLostRace: (mode: string, gfn: number): string =>
    `what-if (eager split ${mode}): another vCPU would already have made gfn ${hex(gfn)} writable; the fast path finds nothing to do (lost race)`,
  /** X3 in a what-if without eager splitting. */
  whatIfHugeFastFail: (gfn: number): string =>
    `what-if (eager split off): the write-protected huge SPTE covering gfn ${hex(gfn)} cannot be fixed by the fast path under dirty logging`,
  /** S5 in a what-if without eager splitting. */
  whatIfFaultSplit: (gfn: number): string => `what-if (eager split off): this fault would split the huge page covering gfn ${hex(gfn)} in the fault path`,
  /** X3 in a what-if: an inherited missing MMU-writable. */
  whatIfInheritedFastFail: (gfn: number): string =>
    `what-if: the 4 KiB SPTE for gfn ${hex(gfn)} would lack MMU-writable (inherited from its huge parent), so the fast path would fail`,
  /** S1 inferred from the model without fast_page_fault. */
  lostRaceInferred: (gfn: number, write: boolean, vcpu: string): string =>
    `lost race (inferred, fast_page_fault absent): the model SPTE for gfn ${hex(gfn)} already allowed the ${write ? 'write' : 'access'} when ${vcpu} faulted`,
  /** S1 from fast_page_fault's RET_PF_SPURIOUS. */
  lostRaceFast: (gfn: number): string =>
    `lost race: fast_page_fault found the SPTE for gfn ${hex(gfn)} already allowing the access (RET_PF_SPURIOUS, another vCPU fixed it first)`,
  /** S1 from the slow path's RET_PF_SPURIOUS. */
  lostRaceSlow: (gfn: number): string => `lost race: the slow path computed the SPTE already installed for gfn ${hex(gfn)} (RET_PF_SPURIOUS)`,
  /**
   * S1: a fault that set no SPTE after another vCPU's change. The TDP MMU traces kvm_mmu_set_spte for a spurious
   * fault too (tdp_mmu_map_handle_target_level()), so nothing traced is RET_PF_RETRY; the legacy MMU traces only a
   * change (mmu_set_spte()), so nothing traced is RET_PF_SPURIOUS or RET_PF_RETRY, the trace does not say which.
   */
  lostRaceRetry: (winner: string, gfn: number, vcpu: string, tdp: boolean): string =>
    tdp
      ? `lost race (retry): ${winner} changed the SPTE for gfn ${hex(gfn)} while ${vcpu} was handling its fault; the fault returned RET_PF_RETRY and the guest re-ran`
      : `lost race: ${winner} set the SPTE for gfn ${hex(gfn)} while ${vcpu} was handling its fault, and this fault set none (RET_PF_SPURIOUS or RET_PF_RETRY: mmu_set_spte() traces only a change); the guest re-ran`,
  /** S6. */
  notifierRetry: (gfn: number): string => `fault on gfn ${hex(gfn)} retried while an MMU-notifier invalidation was in flight`,
  /** X1 on the TDP MMU (kvm_tdp_mmu_spte_changed shows old and new). */
  rewriteTdp: (vcpu: string, gfn: number, installer: string, agoNs: number | undefined, oldSpte: bigint, newSpte: bigint, t: SpteTransition): string =>
    `duplicate fault: ${vcpu} re-made the SPTE for gfn ${hex(gfn)} that ${installer} had installed${agoNs !== undefined ? ` ${us(agoNs)} µs earlier` : ''} (${hexSpte(oldSpte)} -> ${hexSpte(newSpte)}: ${transitionLabel(t)}${t === 'clear-dirty' ? '; make_spte() does not set Dirty when the old SPTE is already writable' : ''})`,
  /** X1 on the legacy MMU or shadow paging (the old value is the earlier set_spte's, `sinceExitNs` after this fault's exit). */
  rewriteLegacy: (vcpu: string, gfn: number, installer: string, sinceExitNs: number, oldSpte: bigint, newSpte: bigint, t: SpteTransition, shadow: boolean): string =>
    `duplicate fault: ${vcpu} set the SPTE for gfn ${hex(gfn)} again; ${installer} had set it ${sinceExitNs > 0 ? `${us(sinceExitNs)} µs after` : `${us(-sinceExitNs)} µs before`} this fault's exit (${hexSpte(oldSpte)} -> ${hexSpte(newSpte)}: ${t === 'unchanged' ? 'the same value printed' : transitionLabel(t)}). ${mmuName(shadow, true)}: kvm_mmu_set_spte fires only when the SPTE changes but prints only the new value, read when the event fires; the old value is the earlier set_spte's`,
  /** X3, with its cause's sentence (`fastPathCause`). */
  fastPathFailed: (cause: string): string => `fast path failed, slow path took over: ${cause}`,
  /** S5 on the legacy MMU or shadow paging: a huge page dropped, not split. */
  hugeDropped: (vcpu: string, level: number, gfn: number, shadow: boolean): string =>
    `${vcpu} dropped the ${levelSizeWords(level)} mapping at gfn ${hex(gfn)} and mapped ${levelSizeWords(level - 1)} (${mmuName(shadow)}, inferred: no split events without the TDP MMU): each of its ${pagesPerEntry(level)} pages faults again, through the slow path`,
  /** X2. */
  splitRaceLost: (vcpu: string, level: number, gfn: number, winner: string | undefined): string =>
    `split race lost: ${vcpu} tried to split the ${levelSizeWords(level)} page at gfn ${hex(gfn)} in the fault path, but ${winner ?? 'another vCPU'} split it first (errno -16, -EBUSY); the fault is retried`,
  /** S5 on the TDP MMU; `siblings`: other vCPUs' faults on the same huge page during the split. */
  faultSplit: (vcpu: string, level: number, gfn: number, siblings: number): string =>
    `${vcpu} split the ${levelSizeWords(level)} page at gfn ${hex(gfn)} in the fault path (dirty logging): the split (page-table allocation under the vCPU) sits in this fault's latency${siblings > 0 ? `, and ${siblings} other vCPU fault(s) on the same huge page were in flight meanwhile (they fail the fast path or lose the split race)` : ''}`,
};

/** Why the fast path failed (X3), by cause. */
export const fastPathCause = {
  notPresent: 'the SPTE was not present: the fast path only fixes present SPTEs, so the fault took the slow path',
  hugeClearDirtyLog: (level: number, spte: bigint): string =>
    `the ${levelSizeWords(level)} SPTE ${hexSpte(spte)} was write-protected by KVM_CLEAR_DIRTY_LOG (manual protect: kvm_mmu_slot_gfn_write_protect, which also clears MMU-writable), and the fast path cannot make a huge page writable while the slot is logged: the slow path split it, and the 4 KiB children inherit the missing MMU-writable`,
  hugeDirtyLogging: (level: number, spte: bigint, legacy: boolean): string =>
    `the ${levelSizeWords(level)} SPTE ${hexSpte(spte)} is write-protected for dirty logging, and the fast path cannot make a huge page writable while the slot is logged: the slow path ${legacy ? 'dropped it and mapped 4 KiB (legacy MMU: no split)' : 'split it'}`,
  inheritedFromSplit: (spte: bigint, byClearDirtyLog: boolean): string =>
    `the 4 KiB SPTE ${hexSpte(spte)} lacks MMU-writable: it was split from a huge SPTE that ${byClearDirtyLog ? 'KVM_CLEAR_DIRTY_LOG (manual protect) write-protected with kvm_mmu_slot_gfn_write_protect' : 'was write-protected'}, which also clears MMU-writable, and split children inherit it; only the slow path may make it writable`,
  notMmuWritable: (spte: bigint): string =>
    `the SPTE ${hexSpte(spte)} lacks MMU-writable (write-protected by the MMU, not only for dirty logging): only the slow path may make it writable`,
  spteChanged: 'the SPTE already allowed the write but the fast path did not finish (the SPTE changed under it)',
  other: (spte: bigint): string => `the fast path gave up on SPTE ${hexSpte(spte)}`,
};

/** The texts of a finding's related lines. */
export const related = {
  hugeWriteProtected: (byClearDirtyLog: boolean): string =>
    byClearDirtyLog ? 'KVM_CLEAR_DIRTY_LOG write-protected the huge SPTE here' : 'the dirty-log ioctl write-protected the huge SPTE here',
  madeWritable: (who: string | undefined): string => `${who ?? 'another vCPU'} made the SPTE writable here`,
  installed: (who: string): string => `${who} installed the SPTE here`,
  set: (who: string): string => `${who} set the SPTE here`,
  rewrite: 'the rewrite',
  fastPathGaveUp: 'fast_page_fault: spurious 0 fixed 0',
  smallInsideHuge: 'the small mapping inside the huge one',
  splitBy: (who: string): string => `${who} split it here`,
  splitBusy: 'kvm_mmu_split_huge_page errno -16',
  split: 'kvm_mmu_split_huge_page',
  siblingDuringSplit: (who: string): string => `${who} faulted in the same huge page during the split`,
};

/** Timeline mark labels. */
export const label = {
  faultPathSplit: 'fault-path split',
  eagerSplit: 'eager split',
  hugeRecovered: 'huge page recovered',
  hugeDropped: (shadow: boolean): string => `huge page dropped, refaulted small (${mmuName(shadow)})`,
};

// One x86 fault episode of one vCPU thread: `kvm_exit` (npf / EPT_VIOLATION / PF excp) ->
// `kvm_page_fault` -> fast_page_fault / kvm_mmu_spte_requested / kvm_mmu_set_spte /
// kvm_tdp_mmu_spte_changed / kvm_mmu_split_huge_page / kvm_mmu_get_page -> `kvm_entry`, and its
// outcome, named as the capture tool's analyze.py names it (fast_fixed, slow_map, none, ...).
import { alignGfn } from '../../model/x86/geometry';
import { transitionLabel, type SpteTransition } from '../../model/x86/spte';
import type { X86FaultAccess } from '../../parse/decoders/x86Vendor';

export interface EpisodeChange {
  gfn: number;
  level: number;
  oldSpte: bigint;
  newSpte: bigint;
  transition: SpteTransition;
  line: number;
  ts: number;
  /** Who installed the old value, and when (from the model): tells a rewrite of another vCPU's SPTE. */
  prevBy?: string;
  prevLine?: number;
  prevTs?: number;
}

/** A kvm_mmu_set_spte inside the episode, with the model's value before it (legacy/shadow MMU: no old value is printed). */
export interface EpisodeSet {
  gfn: number;
  level: number;
  spte: bigint;
  line: number;
  /** The model's SPTE before this set, when another actor had set it since the last host activity (an ioctl, a marker). */
  prev?: { spte: bigint; actor: string; line: number; ts: number };
}

export interface Episode {
  vcpu: number;
  lane: string;
  pid: number;
  exitLine: number;
  exitTs: number;
  exitReason: string;
  faultLine: number;
  faultTs: number;
  /** The faulting address (a GPA under NPT/EPT, a GVA with shadow paging). */
  address: number;
  errorCode: number;
  /** The error code decoded for the fault's source (EPT exit qualification, #NPF or guest #PF error code): decoders/x86Vendor.ts. */
  access: X86FaultAccess;
  fast: { line: number; spurious: boolean; fixed: boolean; oldSpte: bigint; newSpte: bigint } | undefined;
  requested: { gfn: number; pfn: number; level: number; line: number }[];
  sets: EpisodeSet[];
  changes: EpisodeChange[];
  splits: { gfn: number; level: number; spte: bigint; errno: number; line: number; ts: number }[];
  newPages: number;
  /** Outcome under the what-if configuration, decided at the first decisive event (undefined = as real). */
  whatIf: string | undefined;
  /** True when the what-if replaces the real handling (the real findings of this episode do not apply). */
  whatIfReplaces: boolean;
  /** Legacy MMU: the fault replaced a huge mapping by a smaller one (inferred from kvm_mmu_set_spte levels). */
  hugeDropped?: { gfn: number; level: number; line: number };
  /** Index of the marker segment the fault belongs to. */
  segment: number;
}

/** A write access: bit 1 in both the EPT exit qualification and the PFERR layout. */
export function isWriteFault(ep: Episode): boolean {
  return ep.access.access === 'write';
}

/** The faulting entry was present (false also when the vendor, hence the bit layout, is unknown). */
export function isPresentFault(ep: Episode): boolean {
  return ep.access.present === true;
}

/** The 4 KiB gfn the episode is about: the faulting GPA, or with shadow paging the gfn KVM requested. */
export function episodeGfn(ep: Episode, shadowPaging: boolean): number {
  if (shadowPaging && ep.requested.length > 0) return ep.requested[0].gfn;
  return Math.floor(ep.address / 4096);
}

const STRUCTURAL: ReadonlySet<SpteTransition> = new Set(['link', 'zap', 'unlink', 'split', 'collapse', 'relink', 'nonpresent', 'unchanged']);


export interface OutcomeContext {
  /** The TDP MMU is in use (kvm_tdp_mmu_spte_changed seen). */
  tdp: boolean;
  /** For the shadow/legacy MMU: was the (gfn, level) already set in this segment. */
  setBefore(gfn: number, level: number): boolean;
}

/**
 * The outcome label of a closed episode (ground-truth vocabulary): fast_fixed, fast_spurious, slow_map,
 * slow_unwp, slow_modify(x), slow_spurious, slow_set_first/again, none; `fast_fail+` and `+split` decorate.
 */
export function episodeOutcome(ep: Episode, gfn: number, ctx: OutcomeContext): string {
  let out: string | undefined;
  if (ep.fast) {
    if (ep.fast.spurious) out = 'fast_spurious';
    else if (ep.fast.fixed) out = 'fast_fixed';
  }
  if (out === undefined) {
    const leafChanges = ep.changes.filter((c) => !STRUCTURAL.has(c.transition) && c.gfn === alignGfn(gfn, c.level)).map((c) => transitionLabel(c.transition));
    const ownSets = ep.sets.filter((s) => s.gfn === alignGfn(gfn, s.level));
    if (ctx.tdp || ep.changes.length > 0) {
      if (leafChanges.length > 0) {
        if (leafChanges.includes('map')) out = 'slow_map';
        else if (leafChanges.includes('unwp')) out = 'slow_unwp';
        else out = `slow_modify(${[...new Set(leafChanges)].sort().join('/')})`;
      } else if (ownSets.length > 0) out = 'slow_spurious';
      else out = 'none';
    } else if (ownSets.length > 0) {
      const last = ownSets[ownSets.length - 1];
      out = ctx.setBefore(last.gfn, last.level) ? 'slow_set_again' : 'slow_set_first';
    } else out = 'none';
    if (ep.fast) out = `fast_fail+${out}`;
  }
  if (ep.splits.length > 0) out += '+split';
  return out;
}

// Plain data produced by a replay and consumed by the CLI, the language server and the timeline:
// the model configuration, findings (one per spurious fault or redundant CMO, with a stable code),
// counters, and timeline marks. Nothing here depends on how the trace was read.

export type Granule = 4096 | 16384 | 65536;
export type BbmLevel = 0 | 1 | 2;
import type { KernelProfile } from './kernels';
export type { KernelProfile };
export type Arch = 'arm64' | 'x86';

export interface ModelConfig {
  arch: Arch | 'auto';
  granule: Granule;
  ipaBits: number;
  bbmLevel: BbmLevel;
  fwb: boolean | 'auto';
  dic: boolean | 'auto';
  idc: boolean | 'auto';
  tlbiRange: boolean | 'auto';
  /** Eager-split chunk size in bytes; 0 = disabled, 'auto' = as the trace shows. */
  eagerSplitChunk: number | 'auto';
  kernel: KernelProfile;
  /** Ignore kprobe and function-tracer lines: show what inference from tracepoints alone concludes. */
  tracepointsOnly: boolean;
  /** Event names replayed as if absent (`--ignore-event`). */
  ignoreEvents: string[];
  /** Host backing used for inference when no map probe shows the size: bytes per mapping. */
  backingPageSize: number | 'auto';
  /** IPA ranges that must stay mapped (seed 004: SPE buffers). */
  pinned: { start: number; size: number; label?: string }[];
}

export type FindingClass =
  | 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'S7' | 'S8' | 'S9'
  | 'C1' | 'C2' | 'C3' | 'C4' | 'C5' | 'C6' | 'C7'
  | 'X1' | 'X2' | 'X3' // x86-specific: SPTE rewrite after another vCPU's install, lost split race (-16), fast-path failure
  | 'P1' // touches a pinned range
  | 'H1' // refault caused by a host-side unmap (MMU notifier): the cost of the host action
  | 'L1'; // a fault that waited for kvm->mmu_lock behind a writer (src/core/lock)

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface RelatedLine {
  line: number;
  message: string;
}

export interface Finding {
  /** Stable identifier: class then a slug, e.g. `S1-lost-race`. */
  code: string;
  cls: FindingClass;
  severity: Severity;
  line: number;
  ts: number;
  /** vCPU label (`vCPU 2 (kvmtest-308)`) or host actor label. */
  vcpu: string;
  ipa: { start: number; size: number } | undefined;
  /** One plain sentence. */
  message: string;
  related: RelatedLine[];
  /** true: the trace shows it (probes); false: inferred from the model. */
  observed: boolean;
  /** vCPU time from the fault's kvm_exit to the vCPU's next kvm_entry, ns. */
  costNs: number | undefined;
}

export interface Counters {
  faults: {
    total: number;
    byClass: Partial<Record<FindingClass, number>>;
    /** `translation/L3`, `permission/L2`, `access-flag/L3`, x86: `npf/...` */
    byKindLevel: Record<string, number>;
    perVcpu: Record<string, number>;
  };
  cmo: {
    dcacheCleanBytes: number;
    icacheInvalBytes: number;
    redundantBytesByClass: Partial<Record<FindingClass, number>>;
    /** Calls per CMO finding class (exact, unlike the capped findings list). */
    callsByClass?: Partial<Record<FindingClass, number>>;
    calls: number;
  };
  tlbi: { ipa: number; ipaNsh: number; range: number; vmid: number };
  splits: { fault: number; eager: number };
  /**
   * What splitting costs beyond its TLB invalidations, counted by the model for the configuration
   * replayed (arm64; zero where a replay does not model it): the page-table pages allocated (by
   * every map and split), the time blocks spent split into smaller mappings, per block size ('2M',
   * '1G': a 1 GiB block split into 2 MiB blocks and those into pages counts under both), summed over
   * the splits of that size from the split to the coalesce or the end of the trace (the TLB reach
   * lost), the lock-hold
   * chunks of eager splitting (KVM drops and retakes kvm->mmu_lock between chunks,
   * kvm_mmu_split_huge_pages()), and the hold of the eager splits the trace itself times
   * (kvm_pgtable_stage2_split probe to its return), which a what-if never invents.
   */
  splitCosts: { tablePages: number; splitNsByBlockSize: Record<string, { splits: number; ns: number }>; eagerChunks: number; timedEager: { chunks: number; blocks: number; ns: number } };
  coalesces: number;
  /**
   * Break-before-make windows. `untimed`: those of `count` that no line times, the eager splits'
   * (one per block split, stage2_try_break_pte()) when no break/make probe shows them; they add
   * nothing to `totalNs`.
   */
  invalidWindows: { count: number; totalNs: number; untimed: number };
  costNsByClass: Partial<Record<FindingClass, number>>;
  /** Faults and findings per 2 MiB IPA region (`0x40200000`), capped at 10000 regions. */
  perRegion?: Record<string, { faults: number; byClass: Partial<Record<FindingClass, number>> }>;
}

/** What the timeline draws; the query layer bins these, the webview never sees them raw. */
export type MarkKind = 'fault' | 'window' | 'split' | 'coalesce' | 'cmo' | 'tlbi' | 'marker' | 'host';

export interface Mark {
  ts: number;
  endTs?: number;
  /** Lane id: a vCPU label or `host`. */
  lane: string;
  kind: MarkKind;
  cls?: FindingClass;
  line: number;
  ipa?: number;
  size?: number;
  label?: string;
}

/** What a trace lets one analysis do: observed from its events, inferred, or not at all, and what to record to do better. */
/** Whether a trace supports an analysis, and what to add when it does not (issue: trace sufficiency). */
export interface CoverageItem {
  analysis: 'lost-races' | 'invalid-windows' | 'splitting' | 'cmo-redundancy' | 'tlb-cost' | 'access-flag' | 'pinned-ranges';
  support: 'observed' | 'inferred' | 'none';
  why: string;
  add: string[];
}

/** The model's view of one IPA at one moment (for hovers). */
export interface EntryState {
  ipa: number;
  level: number;
  leaf: 'page' | 'block' | 'table' | 'invalid' | 'locked';
  size: number;
  perms: string; // 'rwx', 'r--', ...
  mappedAtLine: number | undefined;
  mappedBy: string | undefined;
  invalidWindowOpen: boolean;
  lastCmoLine: number | undefined;
  observed: boolean;
}

// The arm64 replay's records: a vCPU's fault episode (kvm_exit to kvm_entry), the decision its
// rules reach, the CMOs it makes, the break-before-make windows, and the small shared helpers.
import type { Finding, FindingClass } from '../../domain/types';
import type { EsrInfo, Stage2ProbeArgs } from '../../parse/types';
import { type Phase, type WindowRecord } from '../replayer';
import type { RecordingManifest } from '../../record/traceEvidence';

export interface FaultInfo {
  line: number;
  ts: number;
  ipa: number;
  esr: EsrInfo;
  write: boolean;
  exec: boolean;
  /** The guest PC: a retried access is the same instruction. */
  pc: bigint;
}

export interface Episode {
  exitTs: number;
  exitLine: number;
  runStartTs: number;
  runStartLine: number;
  fault?: FaultInfo;
  mmio: boolean;
  resolved: boolean;
  pendingMap?: { ipa: number; size: number; prot: number | undefined; line: number };
  pendingRelax?: { ipa: number; prot: number | undefined; line: number };
  fnTryLeaf: number;
  fnMakePte: number;
  fnMap: boolean;
  sawLocked: boolean;
  /** The map was applied at its leaf's successful break (the entry locked for it), before its return. */
  appliedAtBreak: boolean;
  observedDcache: number;
  observedIcache: number;
  /** The CMO probe lines of this episode (clean_dcache_guest_page / invalidate_icache_guest_page). */
  cmoProbes: { kind: 'dcache' | 'icache'; line: number; ts: number; size: number }[] | undefined;
  /** Classification decided at resolution; emitted at close (costNs needs the kvm_entry). */
  decision?: Decision;
}

export interface Decision {
  cls?: FindingClass;
  observed: boolean;
  message: string;
  related: { line: number; message: string }[];
  ipa: { start: number; size: number } | undefined;
  avoided: boolean;
  /** Fault kind/level as this replay's configuration would see it (`permission/L3`). */
  effKindLevel: string | undefined;
  cmos: PendingCmo[];
  /** Extra findings tied to this fault (S7 pair, C3 of a pre-5.14 clean). */
  extra?: Finding[];
  /** The invalid window (S2) whose cost this fault adds to. */
  win?: WindowEntry;
  /** S1 against a leaf whose W the model only assumed: the leaf, for the revision to S4. */
  lostTo?: { base: number; size: number; line: number; actor: number };
}

/**
 * An S1 whose loser's write may still show that the entry lacked W: its next stage-2 fault decides.
 * Everything the finding touched is kept so that the revision can move it to S4 in every count.
 */
export interface PendingLostRace {
  /** Index in `findings`, -1 when the finding was only counted (past the per-class cap). */
  findingIndex: number;
  /** Index of the fault's timeline mark, -1 when the store dropped it. */
  markIndex: number;
  line: number;
  ts: number;
  ipa: number;
  page: number;
  pc: bigint;
  costNs: number;
  phase: Phase;
  leaf: NonNullable<Decision['lostTo']>;
  related: { line: number; message: string }[];
}

export interface PendingCmo {
  kind: 'dcache' | 'icache';
  ipa: number;
  size: number;
  line: number;
  ts: number;
  lane: string;
  /** The fault's map changed nothing (pre-5.14 CMO before the map). */
  onNoChange: boolean;
  reclean: boolean;
  /** For a re-clean (C4): bytes of the block that were mapped before the collapse. */
  mappedBefore?: number;
  observed: boolean;
  /** An I-cache invalidation seen in a data (not instruction) fault: C5 unless DIC. */
  dataFault?: boolean;
  /** The fault's map was of device (non-cacheable) memory: C6. */
  nonCacheable?: boolean;
}

export interface VcpuState {
  key: string;
  task: string;
  pid: number;
  vcpuIndex: number | undefined;
  lastEntryTs: number;
  lastEntryLine: number;
  ep: Episode | undefined;
  lastBreak?: { ipa: number; level: number; old: bigint; ts: number; line: number };
  /** This vCPU's fault-path map applied at its leaf's break, until its make (stage2_make_pte returns). */
  mapInFlight?: { line: number; level: number };
  /** The map the model assumed (no map probes) for this vCPU's last fault: its retry shows it never took. */
  prevAssumedMap?: { line: number; faultLine: number; pc: bigint; page: number };
  openWindow?: WindowEntry;
  isVcpu: boolean;
  /** vCPU index seen on a non-vCPU line of this task, applied once it runs a vCPU. */
  pendingIndex?: number;
  pendingHostMap?: { ipa: number; size: number; prot: number; line: number };
  pendingSplit?: { ipa: number; size: number; ts: number };
  /** A fault that the probes show ended without a map while an MMU-notifier unmap was in flight (S6). */
  retried?: { line: number; page: number; unmapLine: number; beganBefore: boolean };
  /** The last kvm_set_way_flush of this vCPU while no kvm_toggle_cache turned its caches on since (C7). */
  setWayFlush?: { line: number };
  /** This vCPU's last fault was an S1 against an assumed-writable leaf (settled by its next fault). */
  pendingLostRace?: PendingLostRace;
}

export interface WindowEntry extends WindowRecord {
  ownerKey: string;
  /** Observed in the trace but not present under this replay's configuration. */
  avoidedHere: boolean;
  /** The break failed (cmpxchg lost): not a window at all. */
  dropped?: boolean;
}

export const HOST = 'host';
export const DATA_MAP_GENERATION = 65536;

/** A kprobe without decoded stage-2 arguments (shared: never written). */
export const NO_ARGS: Readonly<Stage2ProbeArgs> = Object.freeze({});
export const MAX_CMO_RECORDS = 50_000;

/** `translation/L3` etc., built once per (class, level): this runs several times per fault. */
export const KIND_LEVEL = new Map<string, string[]>();

export function kindLevel(esr: EsrInfo): string {
  let byLevel = KIND_LEVEL.get(esr.faultClass);
  if (byLevel === undefined) KIND_LEVEL.set(esr.faultClass, (byLevel = []));
  const i = esr.level ?? 4;
  return byLevel[i] ?? (byLevel[i] = `${esr.faultClass}/L${esr.level ?? '?'}`);
}

/** Moves one count from class `from` to class `to` (a revised verdict), dropping a count that reaches 0. */
export function moveClass(byClass: Partial<Record<FindingClass, number>>, from: FindingClass, to: FindingClass): void {
  const left = (byClass[from] ?? 1) - 1;
  if (left > 0) byClass[from] = left;
  else delete byClass[from];
  byClass[to] = (byClass[to] ?? 0) + 1;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export interface Arm64ReplayOptions {
  /** Re-judge faults against this configuration (what-if) instead of taking the trace's ESR as given. */
  whatIf?: boolean;
  /** The recording script's manifest so far (src/core/record/traceEvidence.ts): its `cpu-features`
   * marker settles FWB, DIC, IDC, range TLBI and hardware AF where the configuration says 'auto'. */
  recording?: () => RecordingManifest | undefined;
}

/** CPU features as the recording script's `stage2-lens: cpu-features fwb=1 ...` marker states them. */
export interface MarkerFeatures {
  fwb?: boolean;
  dic?: boolean;
  idc?: boolean;
  tlbiRange?: boolean;
  haf?: boolean;
}

export const FROM_MARKER = "from the recording script's cpu-features marker";

export function markerBit(v: string | undefined): boolean | undefined {
  return v === '1' ? true : v === '0' ? false : undefined;
}

// The arm64 replay: drives the stage-2 model from trace events in order. It correlates per-vCPU
// fault episodes (kvm_exit -> kvm_guest_fault -> probe/function lines -> kvm_entry on one task),
// applies host actions (unmap, write-protect, eager split, aging) and classifies every stage-2
// fault and cache maintenance call into the classes of domain.md 11 (S1-S9, C1-C7, H1), using
// what probes show where they show it and the model where they do not (labelled observed/inferred).
// Under a what-if configuration (FEAT_BBM level, eager split, FWB, DIC, kernel era) the same
// faults are re-judged against that configuration's model: avoided, converted, or kept. 'auto'
// CPU features come from the recording script's `stage2-lens: cpu-features` marker when present.
// S6 needs map probes, S8 the ESR's S1PTW bit, C5/C6 the CMO probes, C7 kvm_set_way_flush.
// Without map probes a fault's map is assumed read-write: a write fault that lost the race to such a
// map is S1 until the loser's retry takes a write permission fault on it, which revises it to S4.
import type { CoverageItem, EntryState } from '../api';
import type { Counters, Finding, FindingClass, ModelConfig } from '../analysis/types';
import { MarkStore } from '../analysis/markStore';
import { findingEntry } from '../catalog/findings';
import type { Decoded, EsrInfo, Stage2ProbeArgs, TraceEvent } from '../parse/types';
import { computeGeometry, formatSize, levelSize, type Geometry } from '../model/geometry';
import { detectKernel, kernelBehaviour, noKernelEvidence, type KernelEvidence } from '../model/kernelProfile';
import { PageTable, PROT_R as R_BIT, PROT_W as W_BIT, PROT_X as X_BIT, PROT_DEVICE as DEVICE_BIT, type OpResult } from '../model/pageTable';
import { emptyCounters, type Phase, type ReplayOutput, type Replayer, type WindowRecord } from './replayer';
import type { RecordingManifest } from '../record/traceEvidence';
import { DataMapStore } from './dataMapStore';
import { CleanTiming } from './cleanTiming';
import { ReplayErrors } from './replayErrors';
import { AssumedWriteMaps } from './assumedWriteMaps';
import { REC_MAP, REC_PERMS_CLEAR_W, REC_PERMS_SET, REC_SPLIT, REC_UNMAP, StateHistory } from './stateHistory';

interface FaultInfo {
  line: number;
  ts: number;
  ipa: number;
  esr: EsrInfo;
  write: boolean;
  exec: boolean;
  /** The guest PC: a retried access is the same instruction. */
  pc: bigint;
}

interface Episode {
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
  observedDcache: number;
  observedIcache: number;
  /** The CMO probe lines of this episode (clean_dcache_guest_page / invalidate_icache_guest_page). */
  cmoProbes: { kind: 'dcache' | 'icache'; line: number; ts: number; size: number }[] | undefined;
  /** Classification decided at resolution; emitted at close (costNs needs the kvm_entry). */
  decision?: Decision;
}

interface Decision {
  cls?: FindingClass;
  observed: boolean;
  message: string;
  related: { line: number; message: string }[];
  avoid: string[];
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
interface PendingLostRace {
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

interface PendingCmo {
  kind: 'dcache' | 'icache';
  ipa: number;
  size: number;
  line: number;
  ts: number;
  lane: string;
  /** The fault's map changed nothing (pre-5.14 CMO before the map). */
  onNoChange: boolean;
  reclean: boolean;
  observed: boolean;
  /** An I-cache invalidation seen in a data (not instruction) fault: C5 unless DIC. */
  dataFault?: boolean;
  /** The fault's map was of device (non-cacheable) memory: C6. */
  nonCacheable?: boolean;
}

interface VcpuState {
  key: string;
  task: string;
  pid: number;
  vcpuIndex: number | undefined;
  lastEntryTs: number;
  lastEntryLine: number;
  ep: Episode | undefined;
  lastBreak?: { ipa: number; level: number; old: bigint; ts: number; line: number };
  openWindow?: WindowEntry;
  isVcpu: boolean;
  /** vCPU index seen on a non-vCPU line of this task, applied once it runs a vCPU. */
  pendingIndex?: number;
  pendingHostMap?: { ipa: number; size: number; prot: number; line: number };
  pendingSplit?: { ipa: number; size: number };
  /** A fault that the probes show ended without a map while an MMU-notifier unmap was in flight (S6). */
  retried?: { line: number; page: number; unmapLine: number };
  /** The last kvm_set_way_flush of this vCPU while no kvm_toggle_cache turned its caches on since (C7). */
  setWayFlush?: { line: number };
  /** This vCPU's last fault was an S1 against an assumed-writable leaf (settled by its next fault). */
  pendingLostRace?: PendingLostRace;
}

interface WindowEntry extends WindowRecord {
  ownerKey: string;
  /** Observed in the trace but not present under this replay's configuration. */
  avoidedHere: boolean;
  /** The break failed (cmpxchg lost): not a window at all. */
  dropped?: boolean;
}

// Module-local copies: the bundled CommonJS output reads imported bindings through getters, on every use.
const PROT_R = R_BIT;
const PROT_W = W_BIT;
const PROT_X = X_BIT;
const PROT_DEVICE = DEVICE_BIT;

const HOST = 'host';
const DATA_MAP_GENERATION = 65536;

/** A kprobe without decoded stage-2 arguments (shared: never written). */
const NO_ARGS: Readonly<Stage2ProbeArgs> = Object.freeze({});
/** Findings past the per-class cap are counted, never shown: they need no advice. */
const NO_AVOID: string[] = [];
const MAX_FINDINGS_PER_CLASS = 5_000;
const MAX_CMO_RECORDS = 50_000;

/** `translation/L3` etc., built once per (class, level): this runs several times per fault. */
const KIND_LEVEL = new Map<string, string[]>();

function kindLevel(esr: EsrInfo): string {
  let byLevel = KIND_LEVEL.get(esr.faultClass);
  if (byLevel === undefined) KIND_LEVEL.set(esr.faultClass, (byLevel = []));
  const i = esr.level ?? 4;
  return byLevel[i] ?? (byLevel[i] = `${esr.faultClass}/L${esr.level ?? '?'}`);
}

/** Moves one count from class `from` to class `to` (a revised verdict), dropping a count that reaches 0. */
function moveClass(byClass: Partial<Record<FindingClass, number>>, from: FindingClass, to: FindingClass): void {
  const left = (byClass[from] ?? 1) - 1;
  if (left > 0) byClass[from] = left;
  else delete byClass[from];
  byClass[to] = (byClass[to] ?? 0) + 1;
}

function hex(n: number): string {
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
interface MarkerFeatures {
  fwb?: boolean;
  dic?: boolean;
  idc?: boolean;
  tlbiRange?: boolean;
  haf?: boolean;
}

const FROM_MARKER = "from the recording script's cpu-features marker";

function markerBit(v: string | undefined): boolean | undefined {
  return v === '1' ? true : v === '0' ? false : undefined;
}

export function createArm64Replayer(config: ModelConfig, options: Arm64ReplayOptions = {}): Replayer {
  return new Arm64Replayer(config, options);
}

class Arm64Replayer implements Replayer {
  private readonly geom: Geometry;
  private readonly pt: PageTable;
  private readonly counters: Counters = emptyCounters();
  private readonly findings: Finding[] = [];
  private readonly marks = new MarkStore();
  private readonly tasks = new Map<number, VcpuState>();
  private readonly tasksByKey = new Map<string, VcpuState>();
  private lastState: VcpuState | undefined;
  /** Exact per-class counts and costs (stored findings are capped per class on huge traces). */
  private readonly classCount = new Map<FindingClass, number>();
  private readonly classCost = new Map<FindingClass, number>();
  private findingsDropped = 0;
  private readonly regions = new Map<number, { faults: number; byClass: Partial<Record<FindingClass, number>> }>();
  private readonly actorKeys: string[] = [HOST];
  private readonly actorIndex = new Map<string, number>([[HOST, 0]]);
  private readonly history: StateHistory;
  private readonly windowsByRegion = new Map<number, WindowEntry[]>();
  private readonly windows: WindowEntry[] = [];
  private readonly splitOnFault = new Map<number, { line: number; actor: string }>();
  private readonly hostUnmaps = new Map<number, { line: number; size: number }>();
  /** Data-fault maps without X by base, in two generations (the older one dropped whole when the newer fills). */
  private readonly dataMapsWithoutX: DataMapStore;
  /** Fault maps modelled with W that no probe showed (lost races against them are provisional S1). */
  private readonly assumedWrite: AssumedWriteMaps;
  /** Indices in `findings` of findings revised away while their class was past the cap (removed at the end). */
  private readonly revisedAway = new Set<number>();
  private readonly pendingCmos: PendingCmo[] = [];
  /** Pages mapped by a stage-1 walk's translation fault (ESR.S1PTW), awaiting its permission fault (S8). */
  private readonly s1ptwMaps = new Map<number, number>();
  /** Past MAX_CMO_RECORDS: sums by flag code (icache 16, onNoChange 8, reclean 4, dataFault 2, nonCacheable 1). */
  private readonly cmoOverflow = new Map<number, { count: number; bytes: number }>();
  private readonly phases: Phase[] = [];
  private readonly avoidedFaults: { line: number; costNs: number; cls?: string }[] = [];
  private readonly evidence: KernelEvidence = noKernelEvidence();
  private readonly regionSize: number;
  /** Bytes per entry by level (index level + 1). */
  private readonly levelSizes: number[] = [];
  private readonly cfg: ModelConfig;
  private readonly whatIf: boolean;
  private readonly recording: (() => RecordingManifest | undefined) | undefined;
  private marker: MarkerFeatures = {};
  private readonly behaviour;
  private sawBreakProbes = false;
  private sawCmoProbes = false;
  /** The recording script defined a map probe: a fault without a map line really had none. */
  private mapProbesDeclared = false;
  /** The observed replay (no what-if, kernel as the trace shows): CMO probe lines replace the model's CMOs. */
  private readonly cmoFromProbes: boolean;
  private sawMapProbes = false;
  private sawWrprotect = false;
  /** Line of a data fault's s2_map with execute permission: KVM maps data faults executable only with DIC (user_mem_abort()). */
  private dicEvidence: number | undefined;
  private readonly cleanTiming = new CleanTiming();
  private readonly errors = new ReplayErrors();
  private tlbiRangeSeen = false;
  private eagerInferredDone = false;
  private lastTs = 0;
  private lastNotifierUnmapLine = 0;
  private sawUnmapProbes = false;
  /** A write-protect's caller flushes once per batch (GET_DIRTY_LOG / memslot): one TLBI per run of wrprotects. */
  private wpFlushPending = false;
  private maxLine = 0;

  constructor(config: ModelConfig, options: Arm64ReplayOptions) {
    this.cfg = config;
    this.whatIf = options.whatIf ?? false;
    this.recording = options.recording;
    this.cmoFromProbes = !this.whatIf && config.kernel === 'auto';
    this.geom = computeGeometry(config.granule, config.ipaBits);
    const kernel = config.kernel === 'auto' ? '6.6' : config.kernel;
    this.behaviour = kernelBehaviour(kernel);
    this.pt = new PageTable(this.geom, {
      fwb: config.fwb === true,
      dic: config.dic === true,
      tlbiRange: config.tlbiRange === true || (config.tlbiRange === 'auto' && this.behaviour.rangeTlbi),
      bbmLevel: config.bbmLevel,
      localRelaxTlbi: this.behaviour.localRelaxTlbi,
      cmoInPgtable: !this.behaviour.cmoInFaultPath,
      tableBreakFlushesVmid: this.behaviour.tableBreakFlushesVmid,
    });
    for (let l = -1; l <= 3; l++) this.levelSizes.push(levelSize(this.geom, l));
    this.regionSize = this.sizeAt(2);
    this.history = new StateHistory(this.regionSize);
    this.dataMapsWithoutX = new DataMapStore(this.geom.granule, DATA_MAP_GENERATION);
    this.assumedWrite = new AssumedWriteMaps(this.geom.granule, DATA_MAP_GENERATION);
    this.phases.push({ label: 'start of trace', line: 1, faults: 0, faultsByKindLevel: {}, byClass: {} });
  }

  private sizeAt(level: number): number {
    return this.levelSizes[level + 1] ?? levelSize(this.geom, level);
  }

  // ---- actors and lanes ----

  private state(ev: TraceEvent): VcpuState {
    // vCPU threads print in bursts: the last task answers most lookups without the map.
    const last = this.lastState;
    if (last !== undefined && last.pid === ev.pid) return last;
    // Keyed by pid (a number) on the hot path; the task name only labels the lane.
    let s = this.tasks.get(ev.pid);
    if (!s) {
      const key = `${ev.task}-${ev.pid}`;
      s = {
        key, task: ev.task, pid: ev.pid, vcpuIndex: undefined, lastEntryTs: ev.ts, lastEntryLine: ev.line, ep: undefined, isVcpu: false,
        // Optional fields present from the start (one hidden class for every task).
        lastBreak: undefined, openWindow: undefined, pendingIndex: undefined, pendingHostMap: undefined, pendingSplit: undefined, retried: undefined, setWayFlush: undefined,
        pendingLostRace: undefined,
      };
      this.tasks.set(ev.pid, s);
      this.tasksByKey.set(key, s);
    }
    this.lastState = s;
    return s;
  }

  private actor(key: string): number {
    let i = this.actorIndex.get(key);
    if (i === undefined) {
      i = this.actorKeys.length;
      this.actorKeys.push(key);
      this.actorIndex.set(key, i);
    }
    return i;
  }

  private laneLabel(key: string): string {
    if (key === HOST) return HOST;
    const s = this.tasksByKey.get(key);
    if (s?.vcpuIndex !== undefined) return `vCPU ${s.vcpuIndex} (${key})`;
    // QEMU names its vCPU threads `CPU <n>/KVM`.
    const m = s ? /^CPU (\d+)\/KVM$/.exec(s.task) : null;
    if (m) return `vCPU ${m[1]} (${key})`;
    return key;
  }

  // ---- event intake ----

  event(ev: TraceEvent): void {
    if (ev.ts > this.lastTs) this.lastTs = ev.ts;
    if (ev.line > this.maxLine) this.maxLine = ev.line;
    const d = ev.decoded;
    if (!d) return;
    try {
      this.dispatch(ev, d);
    } catch (e) {
      // A malformed combination of events must never stop the replay: the event is skipped, and counted.
      this.errors.note(ev.line, e);
    }
  }

  private dispatch(ev: TraceEvent, d: Decoded): void {
    switch (d.kind) {
      case 'arm64.kvm_exit': {
        const s = this.state(ev);
        s.isVcpu = true;
        if (s.ep) this.close(s, ev);
        s.ep = this.newEpisode(s, ev);
        return;
      }
      case 'arm64.kvm_entry': {
        this.wpFlushPending = false;
        const s = this.state(ev);
        s.isVcpu = true;
        if (s.ep) this.close(s, ev);
        s.lastEntryTs = ev.ts;
        s.lastEntryLine = ev.line;
        return;
      }
      case 'arm64.kvm_guest_fault': {
        const s = this.state(ev);
        s.isVcpu = true;
        if (!s.ep || s.ep.fault) {
          if (s.ep) this.close(s, ev);
          s.ep = this.newEpisode(s, ev);
        }
        const esr = d.esrInfo;
        const s1ptw = esr.s1ptw;
        const isIabt = esr.ec === 0x20;
        const write = esr.faultClass === 'permission' ? esr.wnr || s1ptw : esr.wnr && !s1ptw && !isIabt;
        s.ep.fault = { line: ev.line, ts: ev.ts, ipa: d.ipa, esr, write, exec: isIabt && !s1ptw, pc: d.pc };
        if (s.pendingLostRace) this.settleLostRace(s, s.ep.fault);
        this.onFaultArrival(s, s.ep.fault);
        return;
      }
      case 'arm64.kvm_access_fault':
        return;
      case 'kvm.kvm_mmio': {
        const s = this.state(ev);
        if (s.ep) s.ep.mmio = true;
        if (s.vcpuIndex === undefined && d.type === 'write') s.vcpuIndex = Number(d.val & 0xffn);
        return;
      }
      case 'kvm.kvm_userspace_exit': {
        const s = this.state(ev);
        if (s.ep && d.reason.includes('MMIO')) s.ep.mmio = true;
        return;
      }
      case 'kvm.vcpu_index': {
        const s = this.state(ev);
        // kvm_get_timer_map on the VMM's main thread lists every vCPU; only a vCPU thread's own line counts.
        if (s.isVcpu || s.ep) s.vcpuIndex = d.vcpu;
        else s.pendingIndex = d.vcpu;
        return;
      }
      case 'kvm.kvm_unmap_hva_range':
        this.lastNotifierUnmapLine = ev.line;
        this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, label: 'MMU-notifier unmap' });
        return;
      case 'kvm.kvm_age_hva':
        this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, label: 'MMU-notifier age' });
        return;
      case 'arm64.kvm_set_way_flush':
        this.setWayFlush(ev);
        return;
      case 'arm64.kvm_toggle_cache': {
        // Caches on: KVM clears HCR_EL2.TVM, so the next set/way op flushes again, legitimately.
        if (d.now) this.state(ev).setWayFlush = undefined;
        if (d.was !== d.now) this.marks.push({ ts: ev.ts, lane: this.state(ev).key, kind: 'cmo', line: ev.line, label: `full-VM flush (caches ${d.now ? 'on' : 'off'})` });
        return;
      }
      case 'marker':
        if (d.text.includes('cpu-features')) this.applyCpuFeatures();
        else if (d.text.includes('probe s2_map') && !this.cfg.tracepointsOnly) this.mapProbesDeclared = this.recording?.()?.probes.some((p) => p.op === 'map') ?? false;
        this.marks.push({ ts: ev.ts, lane: HOST, kind: 'marker', line: ev.line, label: d.text.slice(0, 120) });
        this.phases.push({ label: d.text.slice(0, 160), line: ev.line, faults: 0, faultsByKindLevel: {}, byClass: {} });
        return;
      case 'kprobe':
        this.kprobe(ev, d);
        return;
      case 'kretprobe':
        this.kretprobe(ev, d);
        return;
      case 'function':
        this.functionLine(ev, d.op);
        return;
      case 'funcgraph':
        if (d.phase === 'exit' && d.op === 'map' && d.retval !== undefined) this.mapReturned(this.state(ev), ev, d.retval);
        else if (d.phase !== 'exit') this.functionLine(ev, d.op);
        return;
      default:
        return;
    }
  }

  /** kvm_set_way_flush fires only when HCR_EL2.TVM was clear, right before stage2_flush_vm(): a second one
   * from a vCPU whose caches were never turned on in between means TVM was lost (domain.md 11, C7). */
  private setWayFlush(ev: TraceEvent): void {
    const s = this.state(ev);
    const prev = s.setWayFlush;
    s.setWayFlush = { line: ev.line };
    this.marks.push({ ts: ev.ts, lane: s.key, kind: 'cmo', cls: prev ? 'C7' : undefined, line: ev.line, label: 'full-VM flush (set/way)' });
    if (!prev) return;
    const k = findingEntry('C7');
    this.pushFinding({
      code: k.code, cls: 'C7', severity: k.severity, line: ev.line, ts: ev.ts, vcpu: s.key, ipa: undefined,
      message: 'Full-VM cache flush for a set/way operation again, although this vCPU already had one and never turned its caches on since (HCR_EL2.TVM should still have been set).',
      related: [{ line: prev.line, message: 'the previous set/way flush of this vCPU' }],
      avoid: ['keep trapping VM registers (HCR_EL2.TVM) until the guest turns its caches on', 'FWB (set/way operations need no flush)'],
      observed: true, costNs: undefined,
    });
  }

  /** Takes the CPU features the recording script saw (dmesg / ID registers) for every 'auto' setting. */
  private applyCpuFeatures(): void {
    const f = this.recording?.()?.cpuFeatures;
    if (!f) return;
    const m: MarkerFeatures = {
      fwb: markerBit(f.fwb), dic: markerBit(f.dic), idc: markerBit(f.idc), tlbiRange: markerBit(f.tlbirange), haf: markerBit(f.hafdbs),
    };
    this.marker = m;
    if (this.cfg.fwb === 'auto' && m.fwb !== undefined) this.pt.features.fwb = m.fwb;
    if (this.cfg.dic === 'auto' && m.dic !== undefined) this.pt.features.dic = m.dic;
    if (this.cfg.tlbiRange === 'auto' && m.tlbiRange !== undefined) this.pt.features.tlbiRange = m.tlbiRange || this.tlbiRangeSeen;
  }

  private newEpisode(s: VcpuState, ev: TraceEvent): Episode {
    if (s.vcpuIndex === undefined && s.pendingIndex !== undefined) s.vcpuIndex = s.pendingIndex;
    return {
      exitTs: ev.ts,
      exitLine: ev.line,
      runStartTs: s.lastEntryTs,
      runStartLine: s.lastEntryLine,
      mmio: false,
      resolved: false,
      fnTryLeaf: 0,
      fnMakePte: 0,
      fnMap: false,
      sawLocked: false,
      observedDcache: 0,
      observedIcache: 0,
      cmoProbes: undefined,
      // Every field present from the start: one hidden class for all episodes keeps the hot paths monomorphic.
      fault: undefined,
      pendingMap: undefined,
      pendingRelax: undefined,
      decision: undefined,
    };
  }

  // ---- probes ----

  private kprobe(ev: TraceEvent, d: Extract<Decoded, { kind: 'kprobe' }>): void {
    const s = this.state(ev);
    const a = d.s2 ?? NO_ARGS;
    switch (d.op) {
      case 'map':
        this.sawMapProbes = true;
        if (a.ipa !== undefined && a.size !== undefined) {
          if (s.ep && s.ep.fault) s.ep.pendingMap = { ipa: a.ipa, size: a.size, prot: a.prot, line: ev.line };
          else s.pendingHostMap = { ipa: a.ipa, size: a.size, prot: a.prot ?? PROT_R | PROT_W, line: ev.line };
          if (a.prot !== undefined && s.ep?.fault && !s.ep.fault.exec && a.prot & PROT_X && !(a.prot & PROT_DEVICE)) this.dicEvidence ??= ev.line;
        }
        return;
      case 'relax':
        if (a.ipa !== undefined && s.ep) s.ep.pendingRelax = { ipa: a.ipa, prot: a.prot, line: ev.line };
        return;
      case 'unmap':
        this.sawUnmapProbes = true;
        if (a.ipa !== undefined && a.size !== undefined) this.hostUnmap(ev, s, a.ipa, a.size);
        return;
      case 'wrprotect':
        if (a.ipa !== undefined && a.size !== undefined) this.hostWrprotect(ev, s, a.ipa, a.size);
        return;
      case 'split':
        if (a.ipa !== undefined && a.size !== undefined) {
          this.evidence.eagerSplits ??= ev.line;
          // Applied at the return, so that the per-block break probes inside it still see the blocks.
          if (this.cfg.eagerSplitChunk !== 0) s.pendingSplit = { ipa: a.ipa, size: a.size };
        }
        return;
      case 'mkyoung':
        if (a.ipa !== undefined) this.pt.setAccessFlag(a.ipa, true);
        return;
      case 'age':
        if (a.ipa !== undefined && a.size !== undefined && a.mkold) this.pt.clearYoungRange(a.ipa, a.size);
        return;
      case 'tlbi-ipa-nsh':
        this.evidence.nshTlbi ??= ev.line;
        return;
      case 'tlbi-range':
        this.noteRangeTlbi(ev.line);
        return;
      case 'dcache-clean':
        this.cleanTiming.entered(ev.pid, ev.ts, a.size);
        if (s.ep) s.ep.observedDcache++;
        if (s.ep && s.ep.fault && !s.ep.resolved) {
          // Before the map probe: <= 5.13's user_mem_abort(); inside it: 5.14+'s stage2_map_walker_try_leaf().
          if (s.ep.pendingMap) this.evidence.dcacheInsideMap ??= ev.line;
          else this.evidence.dcacheBeforeMap ??= ev.line;
        }
        this.cmoProbe(s, ev, 'dcache', a.size);
        return;
      case 'icache-inval':
        if (s.ep) s.ep.observedIcache++;
        this.cmoProbe(s, ev, 'icache', a.size);
        return;
      case 'try-break':
        this.sawBreakProbes = true;
        if (a.ipa !== undefined && a.level !== undefined && a.oldDesc !== undefined) {
          const size = this.sizeAt(a.level);
          s.lastBreak = { ipa: Math.floor(a.ipa / size) * size, level: a.level, old: a.oldDesc, ts: ev.ts, line: ev.line };
          // The entry may already be locked before the return probe fires: open the window now.
          if ((a.oldDesc & 1n) === 1n && a.level < 3) this.openObservedWindow(s, ev, s.lastBreak);
        }
        return;
      default:
        return;
    }
  }

  private kretprobe(ev: TraceEvent, d: Extract<Decoded, { kind: 'kretprobe' }>): void {
    const s = this.state(ev);
    switch (d.op) {
      case 'map':
        if (d.ret !== undefined) this.mapReturned(s, ev, d.ret);
        return;
      case 'relax':
        if (s.ep && s.ep.fault && !s.ep.resolved) this.resolve(s, ev, { relaxRet: d.ret ?? 0 });
        return;
      case 'split': {
        const p = s.pendingSplit;
        s.pendingSplit = undefined;
        if (p) this.eagerSplit(ev, this.hostKey(s), p.ipa, p.size, true);
        return;
      }
      case 'try-break': {
        const b = s.lastBreak;
        if (!b) return;
        const ok = d.ret ?? Number(d.args.ok ?? '0');
        if (ok !== 1 && s.openWindow && s.openWindow.line === b.line) {
          // The cmpxchg lost: no window after all.
          s.openWindow.dropped = true;
          s.openWindow.avoidedHere = true;
          s.openWindow = undefined;
        }
        if (ok === 0 && b.old === 0x400n && s.ep) {
          s.ep.sawLocked = true;
          this.evidence.lockedBreaks ??= ev.line;
        }
        s.lastBreak = undefined;
        return;
      }
      case 'dcache-clean':
        this.cleanTiming.returned(ev.pid, ev.ts, ev.line);
        return;
      case 'make-pte': {
        const w = s.openWindow;
        if (w) {
          w.endTs = ev.ts;
          s.openWindow = undefined;
        }
        return;
      }
      default:
        return;
    }
  }

  /** A CMO probe line: the observed replay classifies these calls themselves rather than the model's prediction. */
  private cmoProbe(s: VcpuState, ev: TraceEvent, kind: 'dcache' | 'icache', size: number | undefined): void {
    this.sawCmoProbes = true;
    if (!this.cmoFromProbes) return;
    const bytes = size ?? this.geom.granule;
    if (s.ep && s.ep.fault) {
      const list = (s.ep.cmoProbes ??= []);
      if (list.length < 64) list.push({ kind, line: ev.line, ts: ev.ts, size: bytes });
      return;
    }
    // Outside a fault (host-side map, or no fault line seen): the model has no IPA for it.
    const ipa = s.pendingHostMap?.ipa ?? 0;
    this.addCmo({ kind, ipa, size: bytes, line: ev.line, ts: ev.ts, lane: this.hostKey(s), onNoChange: false, reclean: false, observed: true });
  }

  private functionLine(ev: TraceEvent, op: string | undefined): void {
    if (!op) return;
    const s = this.state(ev);
    const ep = s.ep;
    switch (op) {
      case 'map':
        if (ep) ep.fnMap = true;
        return;
      case 'try-leaf':
        if (ep) ep.fnTryLeaf++;
        return;
      case 'make-pte':
        if (ep) ep.fnMakePte++;
        return;
      case 'dcache-clean':
        if (ep && !this.sawMapProbes) ep.observedDcache++;
        if (ep?.fault && ep.fnMap) this.evidence.dcacheInsideMap ??= ev.line;
        return;
      case 'icache-inval':
        if (ep && !this.sawMapProbes) ep.observedIcache++;
        return;
      case 'tlbi-range':
        this.noteRangeTlbi(ev.line);
        return;
      default:
        return;
    }
  }

  private noteRangeTlbi(line: number): void {
    this.evidence.rangeTlbi ??= line;
    if (!this.tlbiRangeSeen) {
      this.tlbiRangeSeen = true;
      if (this.cfg.tlbiRange === 'auto') this.pt.features.tlbiRange = true;
    }
  }

  private hostKey(s: VcpuState): string {
    return s.ep ? s.key : HOST;
  }

  private mapReturned(s: VcpuState, ev: TraceEvent, ret: number): void {
    if (s.ep && s.ep.fault && !s.ep.resolved) {
      this.resolve(s, ev, { mapRet: ret });
      return;
    }
    const m = s.pendingHostMap;
    s.pendingHostMap = undefined;
    if (m && ret === 0) {
      const r = this.pt.map(m.ipa, m.size, m.prot, { line: m.line, actor: this.actor(HOST) });
      this.account(r, ev, HOST, m.ipa, m.size, false);
      this.history.add(REC_MAP, m.ipa, m.size, m.line, r.level ?? 3, m.prot, this.actor(HOST));
    }
  }

  // ---- BBM windows ----

  private openObservedWindow(s: VcpuState, ev: TraceEvent, b: NonNullable<VcpuState['lastBreak']>): void {
    const isTable = (b.old & 3n) === 3n;
    const kind = isTable ? 'coalesce' : 'split';
    const size = this.sizeAt(b.level);
    // Would this replay's configuration open this window? FEAT_BBM 1/2 does size changes without one;
    // an eager split already turned the block into a table, so the fault path does not split it.
    const look = this.pt.lookup(b.ipa);
    const presentHere =
      this.cfg.bbmLevel === 0 &&
      (!this.whatIf ||
      (kind === 'coalesce' ? this.pt.validAtLevel(b.ipa, b.level) && !(look.kind === 'leaf' && look.level === b.level) : look.kind === 'leaf' && look.level === b.level));
    const w: WindowEntry = {
      kind,
      owner: s.key,
      ownerKey: s.key,
      ipa: b.ipa,
      size,
      level: b.level,
      ts: b.ts,
      endTs: undefined,
      line: b.line,
      observed: true,
      faults: 0,
      costNs: 0,
      avoidedHere: !presentHere,
    };
    // An inferred window of the same owner (opened at its fault, before the break probe showed up) is superseded.
    if (s.openWindow && !s.openWindow.observed) {
      s.openWindow.dropped = true;
      s.openWindow.avoidedHere = true;
    }
    s.openWindow = w;
    this.addWindow(w);
    void ev;
  }

  private addWindow(w: WindowEntry): void {
    this.windows.push(w);
    const first = Math.floor(w.ipa / this.regionSize);
    const last = Math.floor((w.ipa + w.size - 1) / this.regionSize);
    for (let r = first; r <= last && r - first < 4096; r++) {
      let l = this.windowsByRegion.get(r);
      if (!l) this.windowsByRegion.set(r, (l = []));
      l.push(w);
    }
  }

  /** Another actor's window over ipa at `level` that overlaps the vCPU's run interval. */
  private findWindow(ipa: number, level: number | undefined, from: number, to: number, self: string): WindowEntry | undefined {
    const l = this.windowsByRegion.get(Math.floor(ipa / this.regionSize));
    if (!l) return undefined;
    for (let j = l.length - 1; j >= 0; j--) {
      const w = l[j];
      if (w.ownerKey === self || w.dropped) continue;
      if (ipa < w.ipa || ipa >= w.ipa + w.size) continue;
      if (level !== undefined && w.level !== level) continue;
      const end = w.endTs ?? Infinity;
      if (w.ts <= to && end >= from) return w;
    }
    return undefined;
  }

  // ---- host actions ----

  private hostUnmap(ev: TraceEvent, s: VcpuState, ipa: number, size: number): void {
    const key = this.hostKey(s);
    const before = this.pt.leaves.length;
    void before;
    const removedBlock = this.pt.lookup(ipa);
    const r = this.pt.unmap(ipa, size, { line: ev.line, actor: this.actor(key) });
    this.account(r, ev, key, ipa, size, false);
    this.history.add(REC_UNMAP, removedBlock.kind === 'leaf' ? Math.min(ipa, removedBlock.base) : ipa, removedBlock.kind === 'leaf' ? Math.max(size, removedBlock.size) : size, ev.line, removedBlock.level, 0, this.actor(key));
    if (r.result !== 'noop') {
      const span = removedBlock.kind === 'leaf' ? { base: Math.min(ipa, removedBlock.base), size: Math.max(size, removedBlock.size) } : { base: ipa, size };
      for (let reg = Math.floor(span.base / this.regionSize); reg * this.regionSize < span.base + span.size; reg++) {
        const prev = this.hostUnmaps.get(reg);
        if (!prev || prev.line < ev.line) this.hostUnmaps.set(reg, { line: ev.line, size: span.size });
      }
      const label = removedBlock.kind === 'leaf' && removedBlock.size > size
        ? `unmap ${formatSize(size)} at ${hex(ipa)} removed the whole ${formatSize(removedBlock.size)} block`
        : `unmap ${formatSize(size)} at ${hex(ipa)}`;
      this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, ipa: span.base, size: span.size, label });
    }
    this.checkPinned(ev, key, ipa, size, 'unmap');
  }

  private hostWrprotect(ev: TraceEvent, s: VcpuState, ipa: number, size: number): void {
    const key = this.hostKey(s);
    this.sawWrprotect = true;
    const r = this.pt.wrprotect(ipa, size, { line: ev.line, actor: this.actor(key) }, { flush: !this.wpFlushPending });
    if (r.result === 'ok') this.wpFlushPending = true;
    this.account(r, ev, key, ipa, size, false);
    this.history.add(REC_PERMS_CLEAR_W, ipa, size, ev.line, 0, 0, this.actor(key));
    this.marks.push({ ts: ev.ts, lane: HOST, kind: 'host', line: ev.line, ipa, size, label: `write-protect ${formatSize(size)} at ${hex(ipa)}` });
    this.checkPinned(ev, key, ipa, size, 'write-protect');
    // What-if eager split on a trace without it: the kernel splits right after write-protecting (6.3).
    if (this.whatIf && typeof this.cfg.eagerSplitChunk === 'number' && this.cfg.eagerSplitChunk > 0 && this.evidence.eagerSplits === undefined) {
      this.eagerSplit(ev, key, ipa, size, false);
    }
  }

  private eagerSplit(ev: TraceEvent, key: string, ipa: number, size: number, observed: boolean): void {
    const r = this.pt.split(ipa, size, { line: ev.line, actor: this.actor(key) });
    if (r.splits === 0) return;
    this.account(r, ev, key, ipa, size, true);
    for (const w of r.windows) this.history.add(REC_SPLIT, w.ipa, w.size, ev.line, 3, 0, this.actor(key));
    for (const w of r.bbmAvoided) this.history.add(REC_SPLIT, w.ipa, w.size, ev.line, 3, 0, this.actor(key));
    this.marks.push({ ts: ev.ts, lane: HOST, kind: 'split', line: ev.line, ipa, size, label: `eager split of ${r.splits} block(s)${observed ? '' : ' (what-if)'}` });
    this.checkPinned(ev, key, ipa, size, 'split');
  }

  private checkPinned(ev: TraceEvent, key: string, ipa: number, size: number, what: string): void {
    for (const p of this.cfg.pinned) {
      if (ipa < p.start + p.size && ipa + size > p.start) {
        this.pushFinding({
          code: findingEntry('P1').code, cls: 'P1', severity: 'warning', line: ev.line, ts: ev.ts, vcpu: key,
          ipa: { start: ipa, size },
          message: `A ${what} touches the pinned range ${p.label ?? hex(p.start)} (${formatSize(p.size)} at ${hex(p.start)}).`,
          related: [], avoid: ['keep pinned ranges out of host-side changes'], observed: true, costNs: undefined,
        });
      }
    }
  }

  // ---- accounting ----

  private account(r: OpResult, ev: TraceEvent, key: string, ipa: number, size: number, eager: boolean): void {
    const t = this.counters.tlbi;
    t.ipa += r.tlbi.ipa;
    t.ipaNsh += r.tlbi.ipaNsh;
    t.range += r.tlbi.range;
    t.vmid += r.tlbi.vmid;
    if (eager) this.counters.splits.eager += r.splits;
    else this.counters.splits.fault += r.splits;
    this.counters.coalesces += r.coalesces;
    const lane = key;
    const tl = r.tlbi.ipa + r.tlbi.ipaNsh + r.tlbi.range + r.tlbi.vmid;
    if (tl > 0 && (r.splits > 0 || r.coalesces > 0 || r.tlbi.range + r.tlbi.vmid > 0)) {
      this.marks.push({ ts: ev.ts, lane, kind: 'tlbi', line: ev.line, ipa, size, label: `${tl} TLBI` });
    }
    if (r.coalesces > 0) this.marks.push({ ts: ev.ts, lane, kind: 'coalesce', line: ev.line, ipa, size, label: `table -> ${formatSize(size)} block` });
    if (r.splits > 0 && !eager) this.marks.push({ ts: ev.ts, lane, kind: 'split', line: ev.line, ipa, size, label: 'block split in the fault path' });
  }

  // ---- faults ----

  private onFaultArrival(s: VcpuState, f: FaultInfo): void {
    const ph = this.phases[this.phases.length - 1];
    ph.faults++;
    if (!this.whatIf) ph.faultsByKindLevel[kindLevel(f.esr)] = (ph.faultsByKindLevel[kindLevel(f.esr)] ?? 0) + 1;
    // Inferred windows (no break probes): a write fault on a write-protected block will split it;
    // the window opens now and closes when the owner re-enters the guest.
    if (this.sawBreakProbes || f.esr.faultClass !== 'permission' || !f.write) return;
    const look = this.pt.lookup(f.ipa);
    if (look.kind === 'leaf' && look.level < 3 && !(look.prot & PROT_W)) {
      if (this.whatIf && typeof this.cfg.eagerSplitChunk === 'number' && this.cfg.eagerSplitChunk > 0) return;
      if (this.cfg.bbmLevel > 0) return;
      const w: WindowEntry = {
        kind: 'split', owner: s.key, ownerKey: s.key, ipa: look.base, size: look.size, level: look.level, ts: f.ts, endTs: undefined,
        line: f.line, observed: false, faults: 0, costNs: 0, avoidedHere: false,
      };
      s.openWindow = w;
      this.addWindow(w);
    }
  }

  private resolve(s: VcpuState, ev: TraceEvent | undefined, obs: { mapRet?: number; relaxRet?: number }): void {
    const ep = s.ep!;
    const f = ep.fault!;
    const page = Math.floor(f.ipa / this.geom.granule) * this.geom.granule;
    const retried = s.retried;
    s.retried = undefined;
    // S6: the probes show every map; a fault handled without one while kvm_unmap_hva_range came in
    // (after this fault's exit) bailed out on mmu_invalidate_retry(): no model change, and the vCPU
    // faults again on the same page.
    const noMapSeen = (this.sawMapProbes || this.mapProbesDeclared) && !ep.mmio && !ep.pendingMap && !ep.pendingRelax && !ep.fnMap && obs.mapRet === undefined && obs.relaxRet === undefined;
    if (noMapSeen && this.lastNotifierUnmapLine > ep.exitLine && f.esr.faultClass === 'translation') {
      ep.resolved = true;
      ep.decision = { observed: true, message: '', related: [], avoid: NO_AVOID, ipa: { start: page, size: this.geom.granule }, avoided: false, effKindLevel: kindLevel(f.esr), cmos: [], extra: undefined, win: undefined, lostTo: undefined };
      s.retried = { line: f.line, page, unmapLine: this.lastNotifierUnmapLine };
      return;
    }
    const s1ptwMapBefore = f.esr.s1ptw && f.esr.faultClass === 'permission' ? this.s1ptwMaps.get(page) : undefined;
    this.resolveFault(s, ev, obs);
    const dec = ep.decision!;
    if (dec.avoided) return;
    if (retried && retried.page === page) {
      dec.related.unshift({ line: retried.unmapLine, message: 'the MMU-notifier unmap that was in flight' }, { line: retried.line, message: 'the first fault, dropped without a map' });
      this.setClass(dec, 'S6', true, `Repeated fault at ${hex(f.ipa)}: the previous fault on this page mapped nothing because an MMU-notifier invalidation was in flight (mmu_invalidate_retry), so the vCPU faulted again.`, ['fewer host-side invalidations of guest memory (THP splits, MADV_DONTNEED, migration)']);
      return;
    }
    if (f.esr.s1ptw && f.esr.faultClass === 'translation' && this.s1ptwMaps.size < 65536) this.s1ptwMaps.set(page, f.line);
    if (s1ptwMapBefore !== undefined && !dec.cls) {
      this.s1ptwMaps.delete(page);
      dec.related.push({ line: s1ptwMapBefore, message: 'the stage-1 walk\'s translation fault that mapped the table page read-only' });
      this.setClass(dec, 'S8', true, `Stage-1 table walk at ${hex(f.ipa)} faulted a second time, now for write permission: the guest's hardware access-flag/dirty update writes its page table, which the first (translation) fault mapped read-only (expected by design).`, ['map stage-1 walk faults writable on the first fault (the kernel treats only permission S1PTW faults as writes)']);
    }
  }

  private resolveFault(s: VcpuState, ev: TraceEvent | undefined, obs: { mapRet?: number; relaxRet?: number }): void {
    const ep = s.ep!;
    const f = ep.fault!;
    ep.resolved = true;
    const line = ev?.line ?? f.line;
    const key = s.key;
    const actor = this.actor(key);
    const esr = f.esr;
    const L = esr.level;
    const dec: Decision = { observed: false, message: '', related: [], avoid: NO_AVOID, ipa: undefined, avoided: false, effKindLevel: kindLevel(esr), cmos: [], extra: undefined, win: undefined, lostTo: undefined };
    ep.decision = dec;
    const page = this.geom.granule;
    const pageBase = Math.floor(f.ipa / page) * page;
    const need = PROT_R | (f.write ? PROT_W : 0) | (f.exec ? PROT_X : 0);
    const mapEagain = obs.mapRet === -11 || (obs.mapRet === undefined && ep.fnMap && ep.fnTryLeaf > 0 && ep.fnMakePte === 0);
    const probeSaysMapped = obs.mapRet === 0 || (obs.mapRet === undefined && ep.fnMap && ep.fnMakePte > 0);
    const observedOutcome = obs.mapRet !== undefined || obs.relaxRet !== undefined || ep.fnMap;

    if (ep.mmio) {
      dec.effKindLevel = kindLevel(esr);
      return;
    }
    if (esr.faultClass === 'access-flag') {
      this.pt.setAccessFlag(f.ipa, true);
      const why = this.marker.haf ? 'although the recording script saw FEAT_HAFDBS (hardware access-flag updates are not enabled for stage 2 here)' : 'and this CPU does not set the access flag in hardware';
      this.setClass(dec, 'S9', true, `Access-flag fault at ${hex(f.ipa)}: the host had aged the page ${why}.`, ['FEAT_HAFDBS (hardware access flag)', 'less aggressive page aging']);
      dec.ipa = { start: pageBase, size: page };
      return;
    }
    let look = this.pt.lookup(f.ipa);
    let faultClass = esr.faultClass;
    let level = L;

    if (faultClass === 'translation') {
      const win = this.findWindow(f.ipa, L, ep.runStartTs, ep.exitTs, key);
      if (win) {
        win.faults++;
        dec.ipa = { start: win.ipa, size: win.size };
        dec.related.push({ line: win.line, message: `${this.laneLabel(win.ownerKey)} ${win.kind === 'coalesce' ? 'collapsed the table into a block' : 'split the block'} here (invalid window)` });
        if (win.avoidedHere) {
          dec.avoided = true;
          dec.effKindLevel = undefined;
          return;
        }
        this.setClass(dec, 'S2', win.observed, `Translation fault at ${hex(f.ipa)} while ${this.laneLabel(win.ownerKey)} held the level-${win.level} entry invalid for break-before-make (${win.kind}).`, ['FEAT_BBM level 2', 'FEAT_BBM level 1 (nT bit)', win.kind === 'split' ? 'eager split (KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE)' : 'avoid re-coalescing while the block is hot']);
        dec.win = win;
        return;
      }
      if (!this.sawUnmapProbes && this.lastNotifierUnmapLine > 0 && (look.kind === 'leaf' || this.pt.validAtLevel(f.ipa, L ?? 3)) && this.leafLineAt(f.ipa, look) < this.lastNotifierUnmapLine && this.lastNotifierUnmapLine < f.line) {
        // An MMU-notifier unmap (host VA, not translatable without the memslots) came after this
        // mapping: the refault is explained by it; the model drops the covering leaf.
        const cover = look.kind === 'leaf' ? look : this.pt.lookup(f.ipa);
        const span = cover.kind === 'leaf' ? { base: cover.base, size: cover.size } : { base: Math.floor(f.ipa / this.regionSize) * this.regionSize, size: this.regionSize };
        this.pt.unmap(span.base, span.size, { line: this.lastNotifierUnmapLine, actor: 0 });
        for (let reg = Math.floor(span.base / this.regionSize); reg * this.regionSize < span.base + span.size; reg++)
          this.hostUnmaps.set(reg, { line: this.lastNotifierUnmapLine, size: span.size });
        this.splitOnFault.delete(Math.floor(span.base / this.regionSize));
        look = this.pt.lookup(f.ipa);
      }
      // Level rule: a walk stopping at level L although the model holds a valid entry there can only
      // have met an invalid (locked) entry: another actor's break-before-make window.
      if (!this.sawBreakProbes && L !== undefined && L < 3 && this.pt.validAtLevel(f.ipa, L)) {
        // Entries written after this vCPU entered the guest mean a plain race on a fresh table, not a window.
        const atL = this.pt.entryAt(f.ipa, L);
        const fresh = atL !== undefined && atL.line >= ep.runStartLine;
        const tableHere = atL?.kind === 'table' && !(look.kind === 'leaf' && look.line >= ep.runStartLine);
        const oldLeaf = look.kind === 'leaf' && look.level === L && look.line < ep.runStartLine && look.actor !== actor;
        if (!fresh && (tableHere || oldLeaf)) {
          const size = this.sizeAt(L);
          const base = Math.floor(f.ipa / size) * size;
          const restr = this.splitOnFault.get(Math.floor(base / this.regionSize));
          dec.ipa = { start: base, size };
          if (restr) dec.related.push({ line: restr.line, message: `${this.laneLabel(restr.actor)} restructured this block` });
          if (this.cfg.bbmLevel > 0 || (this.whatIf && !this.inferredWindowNear(f.ipa, ep, key))) {
            dec.avoided = true;
            dec.effKindLevel = undefined;
            return;
          }
          this.setClass(dec, 'S2', false, `Translation fault at level ${L} on ${hex(f.ipa)} although the model holds a valid level-${L} entry: only another actor's break-before-make window explains it.`, ['FEAT_BBM level 2', 'FEAT_BBM level 1 (nT bit)']);
          return;
        }
      }
      if (look.kind === 'leaf' && obs.mapRet === 0 && !this.whatIf && look.level === 3) {
        // The map probe says this fault wrote the entry (a map over an identical valid entry returns
        // -EAGAIN): the model's page is stale, left over from an earlier VM at the same IPA or removed
        // by something the trace does not show. Forget it silently; the fault maps afresh below.
        this.pt.unmap(look.base, look.size, { line: look.line, actor: look.actor });
        const reg = Math.floor(look.base / this.regionSize);
        this.hostUnmaps.delete(reg);
        this.splitOnFault.delete(reg);
        look = this.pt.lookup(f.ipa);
      }
      if (look.kind === 'leaf') {
        if ((look.prot & need) === need || mapEagain) {
          if (this.whatIf && look.line < ep.runStartLine && !mapEagain) {
            dec.avoided = true;
            dec.effKindLevel = undefined;
            return;
          }
          // A what-if replays a fault on an entry that lacks the access as the permission fault it
          // would be, unless the trace shows the map lost a race (-EAGAIN): then the entry appeared
          // during this fault in any configuration, and it is the same S4 as recorded.
          if (!((look.prot & need) === need) && this.whatIf && !mapEagain) {
            faultClass = 'permission';
            level = look.level;
          } else {
            dec.ipa = { start: look.base, size: look.size };
            const already = (look.prot & need) === need;
            // A write that lost to a map whose W the model only assumed: S1 unless the retry shows otherwise.
            if (already && f.write && !f.exec && !esr.s1ptw && this.assumedWrite.isAssumed(look.base, look.line))
              dec.lostTo = { base: look.base, size: look.size, line: look.line, actor: look.actor };
            if (!this.listing(already ? 'S1' : 'S4')) {
              this.setClass(dec, already ? 'S1' : 'S4', mapEagain, '', NO_AVOID);
              this.cmoInFaultPath(dec, f, ev, key, look.size, true);
              return;
            }
            dec.related.push({ line: look.line, message: `${this.laneLabel(this.actorKeys[look.actor])} mapped it here` });
            this.setClass(dec, already ? 'S1' : 'S4', mapEagain, already
              ? `Lost race: ${this.laneLabel(this.actorKeys[look.actor])} ${look.line > f.line ? 'mapped' : 'had already mapped'} ${hex(look.base)} (${formatSize(look.size)})${look.line > f.line ? ' while this fault was being handled' : ''}, so this fault's map changed nothing.`
              : `Translation fault on ${hex(look.base)} whose entry differed only in permissions; the map returned -EAGAIN and the access will fault again.`,
              already ? ['nothing practical (concurrent first touch); pre-faulting the memory'] : ['mapping with the final permissions on the first fault']);
            this.cmoInFaultPath(dec, f, ev, key, look.size, true);
            return;
          }
        } else if (this.whatIf) {
          faultClass = 'permission';
          level = look.level;
        } else {
          dec.ipa = { start: look.base, size: look.size };
          dec.related.push({ line: look.line, message: 'mapped here with fewer permissions' });
          this.setClass(dec, 'S4', mapEagain, `Translation fault on ${hex(look.base)} whose entry differed only in permissions; the map returned -EAGAIN and the access will fault again.`, ['mapping with the final permissions on the first fault']);
          return;
        }
      }
    }

    if (faultClass === 'translation') {
      if (mapEagain) {
        // The probes say another vCPU won although the model has not seen its map yet.
        if (!this.listing('S1')) this.setClass(dec, 'S1', true, '', NO_AVOID);
        else this.setClass(dec, 'S1', true, `Lost race on ${hex(pageBase)}: the map returned -EAGAIN because another vCPU had just installed the entry.`, ['nothing practical (concurrent first touch); pre-faulting the memory']);
        dec.ipa = { start: pageBase, size: page };
        this.cmoInFaultPath(dec, f, ev, key, page, true);
        return;
      }
      const pm = ep.pendingMap;
      let size = pm?.size ?? this.inferSize(f, look);
      if (this.whatIf && pm && size > page && this.inLoggingRegion(f.ipa)) size = page;
      let prot = pm?.prot ?? PROT_R | PROT_W | (f.exec || this.pt.features.dic ? PROT_X : 0);
      if (this.cfg.dic === true && !(prot & PROT_DEVICE)) prot |= PROT_X;
      if (this.cfg.dic === false && this.whatIf && !f.exec && pm?.prot !== undefined) prot &= ~PROT_X;
      const base = Math.floor(f.ipa / size) * size;
      this.cmoInFaultPath(dec, f, ev, key, size, false);
      const r = this.pt.map(base, size, prot, { line, actor });
      this.applyMapResult(r, dec, f, ev, s, base, size, prot, pm !== undefined || probeSaysMapped);
      if (r.result === 'ok') {
        if (pm?.prot === undefined && prot & PROT_W) this.assumedWrite.remember(base, line);
        const reg = Math.floor(base / this.regionSize);
        const sp = this.splitOnFault.get(reg);
        const un = this.hostUnmaps.get(reg);
        if (sp && size < this.regionSize && r.splits === 0) {
          dec.ipa = { start: base, size };
          if (!this.listing('S5')) this.setClass(dec, 'S5', observedOutcome, '', NO_AVOID);
          else {
            dec.related.push({ line: sp.line, message: `${this.laneLabel(sp.actor)} split the block in the fault path here` });
            this.setClass(dec, 'S5', observedOutcome, `Sibling translation fault at ${hex(base)}: the block was split in the fault path and the rest of it was left unmapped.`, ['eager split at 2 MiB (KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE)', 'FEAT_BBM level 2 with a full split']);
          }
        } else if (un && (!sp || un.line > sp.line)) {
          dec.ipa = { start: base, size };
          dec.related.push({ line: un.line, message: `host unmap (MMU notifier) removed the mapping here` });
          this.setClass(dec, 'H1', observedOutcome, `Refault at ${hex(base)} (${formatSize(size)}) after the host unmapped the ${formatSize(un.size)} that covered it.`, ['avoid host-side unmaps of guest memory (THP splits, MADV_DONTNEED)']);
        }
        if (!f.exec && !(prot & PROT_X)) this.dataMapsWithoutX.remember(base, f.line, f.ts, key, size);
      }
      return;
    }

    if (faultClass === 'permission') {
      if (mapEagain && !this.whatIf) {
        // The probes say the map changed nothing (another vCPU held or had changed the entry): no model change.
        dec.ipa = { start: look.base, size: look.size || page };
        return;
      }
      if (look.kind !== 'leaf') {
        // The model missed the mapping (made before the trace started): reconcile at the fault's level.
        const lv = level ?? 3;
        const size = this.sizeAt(lv);
        const base = Math.floor(f.ipa / size) * size;
        this.pt.map(base, size, PROT_R | (f.exec ? 0 : PROT_X & 0), { line: f.line, actor: 0 });
        look = this.pt.lookup(f.ipa);
      } else if (level !== undefined && look.level > level && !this.sawMapProbes) {
        // The fault's level says the leaf is bigger than the model thought: a block mapped earlier.
        const size = this.sizeAt(level);
        const base = Math.floor(f.ipa / size) * size;
        this.pt.unmap(base, size, { line: f.line, actor: 0 });
        this.pt.map(base, size, PROT_R, { line: look.line, actor: look.actor });
        look = this.pt.lookup(f.ipa);
      }
      if (this.whatIf) dec.effKindLevel = `permission/L${look.level}`;
      const pm = ep.pendingMap;
      if (pm && pm.size > look.size) {
        // Logging off again: a permission fault on a page maps the whole block over the table.
        const base = Math.floor(f.ipa / pm.size) * pm.size;
        const prot = pm.prot ?? PROT_R | PROT_W;
        const r = this.pt.map(base, pm.size, prot, { line, actor });
        this.splitOnFault.delete(Math.floor(base / this.regionSize));
        this.hostUnmaps.delete(Math.floor(base / this.regionSize));
        this.applyMapResult(r, dec, f, ev, s, base, pm.size, prot, true);
        return;
      }
      if ((look.prot & need) === need) {
        if (this.whatIf && look.line < ep.runStartLine) {
          dec.avoided = true;
          dec.effKindLevel = undefined;
          return;
        }
        if (this.sawWrprotect && obs.relaxRet !== undefined) {
          dec.ipa = { start: look.base, size: look.size };
          this.setClass(dec, 'S3', true, `Permission fault at ${hex(f.ipa)} although the entry already allowed the access: a stale TLB entry, dropped by a local TLBI.`, ['nothing (architecturally required local TLBI)']);
        }
        this.relax(f, ev, key, look, need, dec);
        return;
      }
      if (f.write && !(look.prot & PROT_W) && look.level < 3) {
        // Dirty logging on a block: split in the fault path (or, under eager split, split it now).
        if (this.whatIf && typeof this.cfg.eagerSplitChunk === 'number' && this.cfg.eagerSplitChunk > 0) {
          if (ev) this.lazyEagerSplit(ev, look.base, look.size);
          look = this.pt.lookup(f.ipa);
          dec.effKindLevel = `permission/L${look.level}`;
          this.relax(f, ev, key, look, need, dec);
          return;
        }
        const prot = (ep.pendingMap?.prot ?? PROT_R | PROT_W) | (look.prot & PROT_X);
        const r = this.pt.map(pageBase, page, prot | PROT_W, { line, actor });
        this.splitOnFault.set(Math.floor(look.base / this.regionSize), { line: f.line, actor: key });
        this.applyMapResult(r, dec, f, ev, s, pageBase, page, prot | PROT_W, true);
        return;
      }
      if (f.exec && !(look.prot & PROT_X)) {
        const data = this.dataMapsWithoutX.take(look.base);
        dec.ipa = { start: look.base, size: look.size };
        // One finding per lazily granted execute permission: the data fault before it was needed (it mapped the
        // page), so it is the related line, not a second S7. user_mem_abort() (arch/arm64/kvm/mmu.c) maps a data
        // fault without X when !cpus_have_final_cap(ARM64_HAS_CACHE_DIC) and adds X only on an exec fault.
        if (data) dec.related.push({ line: data.line, message: `the data fault: ${this.laneLabel(data.lane)} mapped ${hex(data.ipa)} without execute permission here` });
        this.setClass(dec, 'S7', observedOutcome || obs.relaxRet !== undefined, `Execute permission fault at ${hex(f.ipa)} right after a data-fault mapping: KVM adds X lazily (expected without DIC).`, ['CTR_EL0.DIC (maps are executable from the start)']);
      }
      this.relax(f, ev, key, look, need, dec);
      return;
    }
  }

  /** Line of the leaf covering ipa, or of the deepest valid table entry above it. */
  private leafLineAt(ipa: number, look: ReturnType<PageTable['lookup']>): number {
    if (look.kind === 'leaf') return look.line;
    for (let l = 3; l >= this.geom.startLevel; l--) {
      const e = this.pt.entryAt(ipa, l);
      if (e && e.kind !== 'invalid') return e.line;
    }
    return 0;
  }

  private inferredWindowNear(ipa: number, ep: Episode, self: string): boolean {
    return this.findWindow(ipa, undefined, ep.runStartTs, ep.exitTs, self) !== undefined;
  }

  private inLoggingRegion(ipa: number): boolean {
    const look = this.pt.lookup(ipa);
    return look.kind === 'table' || this.splitOnFault.has(Math.floor(ipa / this.regionSize)) || (look.kind === 'invalid' && look.level === 3);
  }

  private lazyEagerSplit(ev: TraceEvent, base: number, size: number): void {
    // Without a visible dirty-log enable, the what-if splits every write-protected block at the first sign of logging.
    void this.eagerInferredDone;
    this.eagerInferredDone = true;
    this.eagerSplit(ev, HOST, base, size, false);
  }

  private inferSize(f: FaultInfo, look: ReturnType<PageTable['lookup']>): number {
    const b = this.cfg.backingPageSize;
    if (typeof b === 'number' && b > 0) return b;
    void f;
    void look;
    return this.geom.granule;
  }

  private relax(f: FaultInfo, ev: TraceEvent | undefined, key: string, look: ReturnType<PageTable['lookup']>, need: number, dec: Decision): void {
    const line = ev?.line ?? f.line;
    const r = this.pt.relax(f.ipa, need, { line, actor: this.actor(key) });
    this.counters.tlbi.ipa += r.tlbi.ipa;
    this.counters.tlbi.ipaNsh += r.tlbi.ipaNsh;
    if (r.result === 'ok') this.history.add(REC_PERMS_SET, look.base, look.size, line, look.level, look.prot | need, this.actor(key));
    for (const c of r.cmos) dec.cmos.push({ kind: c.kind, ipa: c.ipa, size: c.size, line, ts: f.ts, lane: key, onNoChange: false, reclean: false, observed: false });
    if (!dec.ipa) dec.ipa = { start: look.base, size: look.size };
  }

  /** <= 5.13: the abort path cleans (and for exec faults invalidates) before mapping, whatever the map then does. */
  private cmoInFaultPath(dec: Decision, f: FaultInfo, ev: TraceEvent | undefined, key: string, size: number, noChange: boolean): void {
    if (!this.behaviour.cmoInFaultPath) return;
    const base = Math.floor(f.ipa / size) * size;
    const line = ev?.line ?? f.line;
    dec.cmos.push({ kind: 'dcache', ipa: base, size, line, ts: f.ts, lane: key, onNoChange: noChange, reclean: false, observed: false });
    if (f.exec) dec.cmos.push({ kind: 'icache', ipa: base, size, line, ts: f.ts, lane: key, onNoChange: noChange, reclean: false, observed: false });
  }

  private applyMapResult(r: OpResult, dec: Decision, f: FaultInfo, ev: TraceEvent | undefined, s: VcpuState, base: number, size: number, prot: number, observed: boolean): void {
    const line = ev?.line ?? f.line;
    const key = s.key;
    const actor = this.actor(key);
    const evt = ev ?? ({ line, ts: f.ts } as TraceEvent);
    this.account(r, evt, key, base, size, false);
    if (r.result === 'ok') {
      this.history.add(REC_MAP, base, size, line, r.level ?? 3, prot, actor);
      const restructured = r.splits > 0 || r.coalesces > 0;
      for (const c of r.cmos) {
        dec.cmos.push({ kind: c.kind, ipa: c.ipa, size: c.size, line, ts: f.ts, lane: key, onNoChange: false, reclean: c.kind === 'dcache' && r.coalesces > 0, observed });
        this.history.addCmo(c.ipa, line);
      }
      if (restructured) {
        if (r.splits > 0) this.splitOnFault.set(Math.floor(base / this.regionSize), { line: f.line, actor: key });
        this.checkPinned(evt, key, base, size, r.splits > 0 ? 'split' : 'coalesce');
      }
      // Inferred windows (no break probes): [fault, owner's next kvm_entry].
      if (!this.sawBreakProbes) {
        for (const need of r.windows) {
          if (s.openWindow && s.openWindow.ipa === need.ipa) continue;
          const w: WindowEntry = {
            kind: need.kind, owner: key, ownerKey: key, ipa: need.ipa, size: need.size, level: need.level, ts: f.ts, endTs: undefined,
            line: f.line, observed: false, faults: 0, costNs: 0, avoidedHere: false,
          };
          s.openWindow = w;
          this.addWindow(w);
        }
      }
    }
    void observed;
  }

  private setClass(dec: Decision, cls: FindingClass, observed: boolean, message: string, avoid: string[]): void {
    dec.cls = cls;
    dec.observed = observed;
    dec.message = message;
    dec.avoid = avoid;
  }

  /** Episode end (kvm_entry, next kvm_exit, or end of trace): resolve if probes did not, emit the finding. */
  private close(s: VcpuState, endEv: TraceEvent): void {
    const endTs = endEv.ts;
    const ep = s.ep;
    s.ep = undefined;
    if (!ep) return;
    if (s.openWindow && !s.openWindow.observed) {
      s.openWindow.endTs = endTs;
      s.openWindow = undefined;
    }
    if (!ep.fault) return;
    if (!ep.resolved) {
      s.ep = ep;
      this.resolve(s, endEv, {});
      s.ep = undefined;
    }
    const f = ep.fault;
    const dec = ep.decision!;
    const cost = Math.max(0, endTs - ep.exitTs);
    const lane = s.key;
    this.counters.faults.total += dec.avoided ? 0 : 1;
    if (dec.avoided) {
      this.avoidedFaults.push({ line: f.line, costNs: cost, cls: dec.cls });
      return;
    }
    const eff = dec.effKindLevel ?? kindLevel(f.esr);
    this.counters.faults.byKindLevel[eff] = (this.counters.faults.byKindLevel[eff] ?? 0) + 1;
    this.counters.faults.perVcpu[lane] = (this.counters.faults.perVcpu[lane] ?? 0) + 1;
    this.bumpRegion(f.ipa, dec.cls);
    const ph = this.phaseOf(f.line);
    if (this.whatIf) ph.faultsByKindLevel[eff] = (ph.faultsByKindLevel[eff] ?? 0) + 1;
    if (dec.cls) {
      ph.byClass[dec.cls] = (ph.byClass[dec.cls] ?? 0) + 1;
      const w = dec.win;
      if (w) w.costNs += cost;
    }
    if (this.cmoFromProbes && this.sawCmoProbes) this.observedCmos(ep, dec, f, lane);
    else {
      const seen = ep.observedDcache + ep.observedIcache > 0;
      for (const c of dec.cmos) {
        if (seen) c.observed = true;
        this.addCmo(c);
      }
    }
    if (dec.extra) for (const x of dec.extra) this.pushFinding(x);
    let markIndex = -1;
    if (this.marks.wouldDrop('fault', dec.cls)) this.marks.countDropped(ep.exitTs);
    else if (this.marks.push({ ts: ep.exitTs, endTs, lane, kind: 'fault', cls: dec.cls, line: f.line, ipa: f.ipa, size: this.geom.granule, label: eff })) markIndex = this.marks.length - 1;
    this.inPinned(f, lane, cost);
    if (!dec.cls) return;
    let findingIndex = -1;
    if (!this.countOnly(dec.cls, cost)) {
      const k = findingEntry(dec.cls);
      findingIndex = this.pushFinding({
        code: k.code, cls: dec.cls, severity: k.severity, line: f.line, ts: f.ts, vcpu: lane,
        ipa: dec.ipa ?? { start: f.ipa, size: this.geom.granule }, message: dec.message, related: dec.related, avoid: dec.avoid,
        observed: dec.observed, costNs: cost,
      });
    }
    const leaf = dec.lostTo;
    if (leaf && dec.cls === 'S1') {
      s.pendingLostRace = {
        findingIndex, markIndex, line: f.line, ts: f.ts, ipa: f.ipa, page: Math.floor(f.ipa / this.geom.granule) * this.geom.granule, pc: f.pc,
        costNs: cost, phase: ph, leaf, related: dec.related,
      };
    }
  }

  /**
   * The vCPU's next stage-2 fault after an S1 against an assumed-writable leaf. After -EAGAIN
   * user_mem_abort returns 0 and the vCPU re-enters at the same instruction, so the retried write is
   * this vCPU's next access to the page: a write permission fault there, same PC, proves the entry
   * lacked W, i.e. this vCPU's map (with W) differed from it only in permissions: S4, two faults for
   * one access. Only the loser's own retry counts: another vCPU's write permission fault shows the
   * entry lacked W as well (the stage-2 table is per VM), but if it relaxed the entry before the
   * loser retried, the loser took one fault only (a plain lost race), and another vCPU's fault is
   * not bound to the race in time (an untraced write-protect could explain it).
   */
  private settleLostRace(s: VcpuState, f: FaultInfo): void {
    const p = s.pendingLostRace!;
    s.pendingLostRace = undefined;
    if (f.esr.faultClass !== 'permission' || !f.write || f.esr.s1ptw || f.pc !== p.pc) return;
    if (Math.floor(f.ipa / this.geom.granule) * this.geom.granule !== p.page) return;
    const look = this.pt.lookup(f.ipa);
    if (look.kind !== 'leaf' || look.base !== p.leaf.base || look.size !== p.leaf.size) return;
    if (look.line === p.leaf.line) {
      // The model's belief becomes what the retry showed: read-only since that map, so this fault's
      // handling relaxes it (a real change, with its TLBI) and hovers in between show r--. Blocks keep
      // their W: a read-only block is what the model takes for dirty logging, which splits on write.
      if (look.prot & PROT_W && look.level === 3) {
        this.pt.wrprotect(look.base, look.size, { line: look.line, actor: look.actor }, { flush: false });
        this.history.add(REC_PERMS_CLEAR_W, look.base, look.size, look.line, look.level, 0, look.actor);
      }
      this.assumedWrite.markReadOnly(look.base, look.line);
    } else if (!this.assumedWrite.provenReadOnly(look.base, p.leaf.line)) {
      // The leaf changed since the race and nothing showed that map lacked W.
      return;
    }
    this.reviseToS4(p, s.key, f.line);
  }

  /** Moves a pending S1 to S4 everywhere it was counted: class counts and costs, phase, region, mark, finding. */
  private reviseToS4(p: PendingLostRace, lane: string, permLine: number): void {
    const s1 = (this.classCount.get('S1') ?? 1) - 1;
    const s1Cost = (this.classCost.get('S1') ?? p.costNs) - p.costNs;
    if (s1 > 0) {
      this.classCount.set('S1', s1);
      this.classCost.set('S1', s1Cost);
    } else {
      this.classCount.delete('S1');
      this.classCost.delete('S1');
    }
    const n = (this.classCount.get('S4') ?? 0) + 1;
    this.classCount.set('S4', n);
    this.classCost.set('S4', (this.classCost.get('S4') ?? 0) + p.costNs);
    moveClass(p.phase.byClass, 'S1', 'S4');
    const region = this.regions.get(Math.floor(p.ipa / this.regionSize));
    if (region) moveClass(region.byClass, 'S1', 'S4');
    if (p.markIndex >= 0) this.marks.setClsAt(p.markIndex, 'S4');
    const listed = n <= MAX_FINDINGS_PER_CLASS;
    if (!listed) {
      // Past the S4 cap the revised finding is only counted, like any other S4 there.
      if (p.findingIndex >= 0) {
        this.revisedAway.add(p.findingIndex);
        this.findingsDropped++;
      }
      return;
    }
    const k = findingEntry('S4');
    const winner = this.laneLabel(this.actorKeys[p.leaf.actor] ?? HOST);
    const fd: Finding = {
      code: k.code, cls: 'S4', severity: k.severity, line: p.line, ts: p.ts, vcpu: lane,
      ipa: { start: p.leaf.base, size: p.leaf.size },
      message: `Translation fault on ${hex(p.leaf.base)} whose entry differed only in permissions: ${winner}'s map of it lacked write permission (this vCPU's retried write took a permission fault at line ${permLine}), so this fault's map changed nothing (-EAGAIN) and the write faulted again.`,
      related: [
        p.related.find((r) => r.line === p.leaf.line) ?? { line: p.leaf.line, message: `${winner} mapped it here` },
        { line: permLine, message: "the retried write's permission fault: the entry lacked W" },
      ],
      avoid: ['mapping with the final permissions on the first fault'],
      observed: false, costNs: p.costNs,
    };
    if (p.findingIndex >= 0) this.findings[p.findingIndex] = fd;
    else {
      // The S1 was past its cap (counted, not listed); as an S4 it is listed.
      this.findings.push(fd);
      this.findingsDropped--;
    }
  }

  /** With CMO probes the trace shows every call: each one is a record, placed and flagged by the model's view of the fault. */
  private observedCmos(ep: Episode, dec: Decision, f: FaultInfo, lane: string): void {
    // The n-th call of a kind pairs with the model's n-th prediction (its line, so that what-if lanes,
    // which keep the model's records, compare line for line); calls the model did not predict stand alone.
    let nextD = 0;
    let nextI = 0;
    for (const p of ep.cmoProbes ?? []) {
      let model: PendingCmo | undefined;
      const cmos = dec.cmos;
      let j = p.kind === 'dcache' ? nextD : nextI;
      while (j < cmos.length && cmos[j].kind !== p.kind) j++;
      if (j < cmos.length) model = cmos[j];
      if (p.kind === 'dcache') nextD = j + 1;
      else nextI = j + 1;
      const size = model?.size ?? p.size;
      const ipa = model?.ipa ?? Math.floor(f.ipa / size) * size;
      const pm = ep.pendingMap;
      const onNoChange = model?.onNoChange ?? false;
      const reclean = model?.reclean ?? false;
      const dataFault = p.kind === 'icache' && !f.exec;
      const nonCacheable = pm?.prot !== undefined && (pm.prot & PROT_DEVICE) !== 0;
      // Past the record cap only the sums are kept: no record object is built.
      if (this.pendingCmos.length >= MAX_CMO_RECORDS) {
        this.overflowCmo(p.kind, onNoChange, reclean, dataFault, nonCacheable, p.size);
        continue;
      }
      this.addCmo({
        kind: p.kind, ipa, size: p.size, line: model?.line ?? p.line, ts: model?.ts ?? p.ts, lane, onNoChange, reclean, observed: true,
        dataFault, nonCacheable,
      });
    }
  }

  private inPinned(f: FaultInfo, lane: string, cost: number): void {
    const pinned = this.cfg.pinned;
    if (pinned.length === 0) return;
    for (const p of pinned) {
      if (f.ipa >= p.start && f.ipa < p.start + p.size) {
        this.pushFinding({
          code: findingEntry('P1').code, cls: 'P1', severity: 'warning', line: f.line, ts: f.ts, vcpu: lane, ipa: { start: f.ipa, size: this.geom.granule },
          message: `Stage-2 fault inside the pinned range ${p.label ?? hex(p.start)}.`, related: [], avoid: ['keep the range mapped (pin it)'], observed: true, costNs: cost,
        });
      }
    }
  }

  /** Whether findings of this class are still listed (below the per-class cap): if not, no message is built. */
  private listing(cls: FindingClass): boolean {
    return (this.classCount.get(cls) ?? 0) < MAX_FINDINGS_PER_CLASS;
  }

  /** Past the per-class cap a finding is only counted: true when it was (no object is built for it). */
  private countOnly(cls: FindingClass, costNs: number | undefined): boolean {
    const n = this.classCount.get(cls) ?? 0;
    if (n < MAX_FINDINGS_PER_CLASS) return false;
    this.classCount.set(cls, n + 1);
    if (costNs !== undefined) this.classCost.set(cls, (this.classCost.get(cls) ?? 0) + costNs);
    this.findingsDropped++;
    return true;
  }

  /** Counts the finding and lists it below the per-class cap: its index in `findings`, else -1. */
  private pushFinding(fd: Finding): number {
    const n = (this.classCount.get(fd.cls) ?? 0) + 1;
    this.classCount.set(fd.cls, n);
    if (fd.costNs !== undefined) this.classCost.set(fd.cls, (this.classCost.get(fd.cls) ?? 0) + fd.costNs);
    if (n > MAX_FINDINGS_PER_CLASS) {
      this.findingsDropped++;
      return -1;
    }
    return this.findings.push(fd) - 1;
  }

  private bumpRegion(ipa: number, cls: FindingClass | undefined): void {
    const key = Math.floor(ipa / this.regionSize);
    let r = this.regions.get(key);
    if (!r) {
      if (this.regions.size >= 10_000) return;
      r = { faults: 0, byClass: {} };
      this.regions.set(key, r);
    }
    r.faults++;
    if (cls) r.byClass[cls] = (r.byClass[cls] ?? 0) + 1;
  }

  /** CMO records are classified at the end (FWB/DIC may be learnt late); beyond a cap only their sums are kept. */
  private addCmo(c: PendingCmo): void {
    if (this.pendingCmos.length < MAX_CMO_RECORDS) {
      this.pendingCmos.push(c);
      return;
    }
    this.overflowCmo(c.kind, c.onNoChange, c.reclean, c.dataFault === true, c.nonCacheable === true, c.size);
  }

  private overflowCmo(kind: 'dcache' | 'icache', onNoChange: boolean, reclean: boolean, dataFault: boolean, nonCacheable: boolean, size: number): void {
    // The five flags as a number: no key string per call (huge traces overflow on most CMOs).
    const code = (kind === 'icache' ? 16 : 0) | (onNoChange ? 8 : 0) | (reclean ? 4 : 0) | (dataFault ? 2 : 0) | (nonCacheable ? 1 : 0);
    let agg = this.cmoOverflow.get(code);
    if (agg === undefined) this.cmoOverflow.set(code, (agg = { count: 0, bytes: 0 }));
    agg.count++;
    agg.bytes += size;
  }

  private phaseOf(line: number): Phase {
    for (let i = this.phases.length - 1; i >= 0; i--) if (this.phases[i].line <= line) return this.phases[i];
    return this.phases[0];
  }

  peekFindings(): Finding[] {
    const live = this.revisedAway.size === 0 ? this.findings : this.findings.filter((_, i) => !this.revisedAway.has(i));
    return live.map((f) => ({ ...f, vcpu: this.laneLabel(f.vcpu) }));
  }

  // ---- the end ----

  finish(): ReplayOutput {
    const end = { line: this.maxLine, ts: this.lastTs } as TraceEvent;
    for (const s of this.tasks.values()) if (s.ep) this.close(s, end);
    if (this.revisedAway.size > 0) {
      let j = 0;
      for (let i = 0; i < this.findings.length; i++) if (!this.revisedAway.has(i)) this.findings[j++] = this.findings[i];
      this.findings.length = j;
      this.revisedAway.clear();
    }
    // What ran, and what proves it: only lines of the trace count (probes, function-tracer lines,
    // the recording script's cpu-features marker); otherwise "unknown" and the value the model used.
    if (!this.sawMapProbes) this.evidence.dcacheBeforeMap = undefined; // without map probes "before the map" is unknowable
    const detected: string[] = [];
    const k = detectKernel(this.evidence);
    const ranKernel = this.behaviour.profile;
    const at = (line: number | undefined): string => (line !== undefined ? `line ${line}: ` : '');
    if (this.cfg.kernel === 'auto') {
      detected.push(k.era === undefined
        ? `kernel: unknown (${k.why}); the model replays ${ranKernel} behaviour`
        : `kernel: ${k.era}${k.bound === 'at-least' ? ' or later' : ' or earlier'} (${at(k.line)}${k.why}); the model replays ${ranKernel} behaviour`);
    }
    const m = this.marker;
    const onOff = (b: boolean): string => (b ? 'on' : 'off');
    const timing = this.cleanTiming.verdict();
    const fwb = this.cfg.fwb === 'auto' ? m.fwb ?? timing.fwb ?? false : this.cfg.fwb;
    const dic = this.cfg.dic === 'auto' ? m.dic ?? this.dicEvidence !== undefined : this.cfg.dic;
    const idc = this.cfg.idc === 'auto' ? m.idc ?? true : this.cfg.idc;
    if (this.cfg.fwb === 'auto')
      detected.push(m.fwb !== undefined ? `fwb: ${onOff(fwb)} (${FROM_MARKER})`
        : timing.fwb !== undefined ? `fwb: ${onOff(timing.fwb)} (${at(timing.line)}${timing.measured})`
        : `fwb: unknown (${timing.measured ?? 'no line of the trace shows it: with FWB clean_dcache_guest_page returns at once, so only its duration can (record-script --probes full times it)'}); the model assumes off: pass --fwb if the CPU has it`);
    if (this.cfg.dic === 'auto')
      detected.push(m.dic !== undefined ? `dic: ${onOff(dic)} (${FROM_MARKER})` : this.dicEvidence !== undefined ? `dic: on (${at(this.dicEvidence)}a data fault mapped its page executable, which KVM does only with DIC)` : 'dic: unknown (no data fault is seen mapping its page executable); the model assumes off');
    if (this.cfg.idc === 'auto' && m.idc !== undefined) detected.push(`idc: ${onOff(idc)} (${FROM_MARKER})`);
    if (this.cfg.tlbiRange === 'auto')
      detected.push(this.tlbiRangeSeen ? `tlbiRange: on (${at(this.evidence.rangeTlbi)}a range TLBI)` : m.tlbiRange !== undefined ? `tlbiRange: ${onOff(m.tlbiRange)} (${FROM_MARKER})` : `tlbiRange: unknown (no range TLBI line in the trace); the model assumes ${onOff(this.pt.features.tlbiRange)} (kernel ${ranKernel})`);
    if (m.haf !== undefined) detected.push(`hardware access flag: ${onOff(m.haf)} (${FROM_MARKER}${m.haf ? ': access-flag faults are not expected' : ''})`);
    if (this.cfg.eagerSplitChunk === 'auto') detected.push(this.evidence.eagerSplits !== undefined ? `eagerSplit: on (${at(this.evidence.eagerSplits)}kvm_pgtable_stage2_split)` : 'eagerSplit: none in the trace (no kvm_pgtable_stage2_split line); the model replays none');
    this.classifyCmos(fwb, dic);
    if (this.regions.size) {
      const per: NonNullable<Counters['perRegion']> = {};
      for (const k of [...this.regions.keys()].sort((x, y) => x - y)) per[hex(k * this.regionSize)] = this.regions.get(k)!;
      this.counters.perRegion = per;
    }

    // Windows: counters and marks.
    for (const w of this.windows) {
      if (w.avoidedHere) continue;
      this.counters.invalidWindows.count++;
      const end = w.endTs ?? w.ts;
      this.counters.invalidWindows.totalNs += Math.max(0, end - w.ts);
      this.marks.push({ ts: w.ts, endTs: end, lane: w.ownerKey, kind: 'window', line: w.line, ipa: w.ipa, size: w.size, label: `${w.kind} window (${w.faults} ${w.faults === 1 ? 'fault' : 'faults'})` });
      this.history.addWindow({ ipa: w.ipa, size: w.size, startLine: w.line, endLine: undefined });
    }
    const byClass = this.counters.faults.byClass;
    for (const [cls, n] of this.classCount) {
      if (cls[0] === 'C') (this.counters.cmo.callsByClass ??= {})[cls] = n;
      if (cls[0] === 'S' || cls === 'H1' || cls === 'P1') {
        byClass[cls] = n;
        const cost = this.classCost.get(cls);
        if (cost !== undefined) this.counters.costNsByClass[cls] = cost;
      }
    }
    if (this.findingsDropped) detected.push(`findings: ${this.findingsDropped} beyond ${MAX_FINDINGS_PER_CLASS} per class are counted but not listed`);
    const dropNote = this.marks.droppedNote();
    if (dropNote) detected.push(dropNote);
    // Labels: a vCPU's index may be learnt after its first findings.
    for (const fd of this.findings) fd.vcpu = this.laneLabel(fd.vcpu);
    this.marks.renameLanes((key) => this.laneLabel(key));
    const perVcpu: Record<string, number> = {};
    for (const [kk, v] of Object.entries(this.counters.faults.perVcpu)) perVcpu[this.laneLabel(kk)] = v;
    this.counters.faults.perVcpu = perVcpu;
    this.findings.sort((a, b) => a.line - b.line);
    const lanes = [...this.tasks.values()]
      .filter((s) => s.isVcpu)
      .sort((a, b) => (a.vcpuIndex ?? 1e9) - (b.vcpuIndex ?? 1e9) || a.pid - b.pid)
      .map((s) => ({ id: this.laneLabel(s.key), label: this.laneLabel(s.key) }));
    lanes.push({ id: HOST, label: 'host' });
    const windows: WindowRecord[] = this.windows.filter((w) => !w.avoidedHere).map((w) => ({ kind: w.kind, owner: this.laneLabel(w.ownerKey), ipa: w.ipa, size: w.size, level: w.level, ts: w.ts, endTs: w.endTs, line: w.line, observed: w.observed, faults: w.faults, costNs: w.costNs }));
    const resolved: ModelConfig = {
      ...this.cfg,
      arch: 'arm64',
      fwb,
      dic,
      idc,
      tlbiRange: this.pt.features.tlbiRange,
      eagerSplitChunk: this.cfg.eagerSplitChunk === 'auto' ? (this.evidence.eagerSplits !== undefined ? this.regionSize : 0) : this.cfg.eagerSplitChunk,
      kernel: ranKernel,
    };
    const coverage: CoverageItem[] = [
      { analysis: 'lost-races', support: this.sawMapProbes ? 'observed' : 'inferred', why: this.sawMapProbes ? 'map return values (-EAGAIN) show each lost race' : 'inferred from repeated faults on pages the model already maps', add: this.sawMapProbes ? [] : ['kretprobe on kvm_pgtable_stage2_map (ret=$retval)'] },
      { analysis: 'invalid-windows', support: this.sawBreakProbes ? 'observed' : 'inferred', why: this.sawBreakProbes ? 'stage2_try_break_pte / stage2_make_pte probes bound each window' : 'inferred from fault levels and the owner\'s fault episode', add: this.sawBreakProbes ? [] : ['kprobes on stage2_try_break_pte and stage2_make_pte (+ kretprobes)'] },
    ];
    const geom = this.geom;
    const history = this.history;
    return {
      findings: this.findings,
      counters: this.counters,
      marks: this.marks,
      lanes,
      detected,
      config: resolved,
      coverage,
      phases: this.phases,
      avoidedFaults: this.avoidedFaults,
      windows,
      internalErrors: this.errors.result(),
      stateAt: (line: number, ipa: number): EntryState | undefined =>
        history.stateAt(line, ipa, (a) => this.laneLabel(this.actorKeys[a] ?? HOST), (lvl) => levelSize(geom, lvl)),
    };
  }

  private cmoClass(kind: 'dcache' | 'icache', onNoChange: boolean, reclean: boolean, fwb: boolean, dic: boolean, dataFault = false, nonCacheable = false): FindingClass | undefined {
    if (onNoChange) return 'C3';
    if (nonCacheable) return 'C6';
    if (kind === 'dcache' && fwb) return 'C1';
    if (kind === 'icache' && dic) return 'C2';
    if (kind === 'icache' && dataFault) return 'C5';
    if (reclean) return 'C4';
    return undefined;
  }

  private classifyCmos(fwb: boolean, dic: boolean): void {
    const c = this.counters.cmo;
    for (const [code, agg] of this.cmoOverflow) {
      const kind = code & 16 ? 'icache' : 'dcache';
      const cls = this.cmoClass(kind, (code & 8) !== 0, (code & 4) !== 0, fwb, dic, (code & 2) !== 0, (code & 1) !== 0);
      c.calls += agg.count;
      const effective = (kind === 'dcache' && !fwb) || (kind === 'icache' && !dic);
      if (kind === 'dcache' && effective) c.dcacheCleanBytes += agg.bytes;
      if (kind === 'icache' && effective) c.icacheInvalBytes += agg.bytes;
      if (cls) {
        c.redundantBytesByClass[cls] = (c.redundantBytesByClass[cls] ?? 0) + agg.bytes;
        this.classCount.set(cls, (this.classCount.get(cls) ?? 0) + agg.count);
        this.findingsDropped += agg.count;
      }
    }
    for (const p of this.pendingCmos) {
      c.calls++;
      let cls: FindingClass | undefined;
      let message = '';
      let avoid: string[] = [];
      if (p.onNoChange) {
        cls = 'C3';
        message = `${p.kind === 'dcache' ? 'D-cache clean' : 'I-cache invalidation'} of ${formatSize(p.size)} at ${hex(p.ipa)} in a fault whose map changed nothing (pre-5.14 abort path).`;
        avoid = ['kernel 5.14 or later (CMOs only when a PTE is written)'];
      } else if (p.nonCacheable) {
        cls = 'C6';
        message = `${p.kind === 'dcache' ? 'D-cache clean' : 'I-cache invalidation'} of ${formatSize(p.size)} at ${hex(p.ipa)} on a device (non-cacheable) mapping: kernels since 5.14 never do this (an anomaly).`;
        avoid = ['skip cache maintenance for non-cacheable mappings (kvm_pgtable_stage2_map checks the memory type)'];
      } else if (p.kind === 'dcache' && fwb) {
        cls = 'C1';
        message = `clean_dcache_guest_page of ${formatSize(p.size)} at ${hex(p.ipa)} returns at once: FWB makes stage-2 memory attributes override the guest's.`;
        avoid = ['skip the call when FWB is present'];
      } else if (p.kind === 'icache' && dic) {
        cls = 'C2';
        message = `invalidate_icache_guest_page of ${formatSize(p.size)} at ${hex(p.ipa)} reduces to an ISB: CTR_EL0.DIC is set.`;
        avoid = ['skip the call when DIC is set'];
      } else if (p.kind === 'icache' && p.dataFault) {
        cls = 'C5';
        message = `invalidate_icache_guest_page of ${formatSize(p.size)} at ${hex(p.ipa)} in a data fault: without DIC only instruction faults need an executable mapping.`;
        avoid = ['map data faults without execute permission (add X on the instruction fault)', 'CTR_EL0.DIC'];
      } else if (p.reclean) {
        cls = 'C4';
        message = `D-cache clean of the whole ${formatSize(p.size)} block at ${hex(p.ipa)} after a table collapse, although most of it was already mapped and cleaned.`;
        avoid = ['skip CMOs when collapsing a table of already-cleaned pages'];
      }
      const effective = (p.kind === 'dcache' && !fwb) || (p.kind === 'icache' && !dic);
      if (p.kind === 'dcache' && effective) c.dcacheCleanBytes += p.size;
      if (p.kind === 'icache' && effective) c.icacheInvalBytes += p.size;
      this.marks.push({ ts: p.ts, lane: p.lane, kind: 'cmo', cls, line: p.line, ipa: p.ipa, size: p.size, label: p.kind === 'dcache' ? 'D-cache clean' : 'I-cache inval' });
      if (!cls) continue;
      c.redundantBytesByClass[cls] = (c.redundantBytesByClass[cls] ?? 0) + p.size;
      const k = findingEntry(cls);
      this.pushFinding({ code: k.code, cls, severity: k.severity, line: p.line, ts: p.ts, vcpu: p.lane, ipa: { start: p.ipa, size: p.size }, message, related: [], avoid, observed: p.observed, costNs: undefined });
    }
  }
}

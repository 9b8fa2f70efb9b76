// The arm64 replay's state (the model, the per-task episodes, the finding sink, what the trace has
// shown so far) and the lookups every layer uses: actors, lanes, sizes, phases, regions. The replay
// is one object built in layers, each in its own file and each extending the one before:
// replayState -> windows -> cmoAccounting -> hostActions -> faultRules -> intake -> arm64Replayer.
import type { Counters, FindingClass, ModelConfig } from '../../domain/types';
import { MarkStore } from '../../marks/markStore';
import type { TraceEvent } from '../../parse/types';
import { computeGeometry, formatSize, levelSize, type Geometry } from '../../model/arm64/geometry';
import { kernelBehaviour, noKernelEvidence, type KernelEvidence } from '../../model/arm64/kernelProfile';
import { PageTable } from '../../model/arm64/pageTable';
import { emptyCounters, type Phase } from '../replayer';
import type { RecordingManifest } from '../../record/traceEvidence';
import { DataMapStore } from './dataMapStore';
import { CleanTiming } from './cleanTiming';
import { ReplayErrors } from '../replayErrors';
import { FindingSink } from '../findingSink';
import { AssumedWriteMaps } from './assumedWriteMaps';
import { StateHistory } from './stateHistory';
import { HOST, DATA_MAP_GENERATION, type Decision, type PendingCmo, type VcpuState, type WindowEntry, type Arm64ReplayOptions, type MarkerFeatures } from './types';

export class Arm64ReplayState {
  protected readonly geom: Geometry;
  protected readonly pt: PageTable;
  protected readonly counters: Counters = emptyCounters();
  protected readonly sink = new FindingSink();
  protected readonly marks = new MarkStore();
  protected readonly tasks = new Map<number, VcpuState>();
  protected readonly tasksByKey = new Map<string, VcpuState>();
  protected lastState: VcpuState | undefined;
  protected readonly regions = new Map<number, { faults: number; byClass: Partial<Record<FindingClass, number>> }>();
  protected readonly actorKeys: string[] = [HOST];
  protected readonly actorIndex = new Map<string, number>([[HOST, 0]]);
  protected readonly history: StateHistory;
  protected readonly windowsByRegion = new Map<number, WindowEntry[]>();
  protected readonly windows: WindowEntry[] = [];
  protected readonly splitOnFault = new Map<number, { line: number; actor: string }>();
  protected readonly hostUnmaps = new Map<number, { line: number; size: number }>();
  /** Data-fault maps without X by base, in two generations (the older one dropped whole when the newer fills). */
  protected readonly dataMapsWithoutX: DataMapStore;
  /** Fault maps modelled with W that no probe showed (lost races against them are provisional S1). */
  protected readonly assumedWrite: AssumedWriteMaps;
  protected readonly pendingCmos: PendingCmo[] = [];
  /** Pages mapped by a stage-1 walk's translation fault (ESR.S1PTW), awaiting its permission fault (S8). */
  protected readonly s1ptwMaps = new Map<number, number>();
  /** Past MAX_CMO_RECORDS: sums by flag code (icache 16, onNoChange 8, reclean 4, dataFault 2, nonCacheable 1). */
  protected readonly cmoOverflow = new Map<number, { count: number; bytes: number; mappedBefore: number }>();
  protected readonly phases: Phase[] = [];
  protected readonly avoidedFaults: { line: number; costNs: number; cls?: string }[] = [];
  protected readonly evidence: KernelEvidence = noKernelEvidence();
  protected readonly regionSize: number;
  /** Bytes per entry by level (index level + 1). */
  protected readonly levelSizes: number[] = [];
  protected readonly cfg: ModelConfig;
  protected readonly whatIf: boolean;
  protected readonly recording: (() => RecordingManifest | undefined) | undefined;
  /**
   * The what-if replays eager splitting the trace does not show: it splits each block when dirty
   * logging write-protects it, so the fault path has nothing to split. A trace that shows eager
   * splits (kvm_pgtable_stage2_split) is replayed as it ran, fault-path splits included: the
   * kernel still splits there a block made after logging started.
   */
  protected eagerWhatIf(): boolean {
    return this.whatIf && typeof this.cfg.eagerSplitChunk === 'number' && this.cfg.eagerSplitChunk > 0 && this.evidence.eagerSplits === undefined;
  }
  protected marker: MarkerFeatures = {};
  protected readonly behaviour;
  protected sawBreakProbes = false;
  protected sawCmoProbes = false;
  /** The recording script defined a map probe: a fault without a map line really had none. */
  protected mapProbesDeclared = false;
  /** The observed replay (no what-if, kernel as the trace shows): CMO probe lines replace the model's CMOs. */
  protected readonly cmoFromProbes: boolean;
  protected sawMapProbes = false;
  protected sawWrprotect = false;
  /** Line of a data fault's s2_map with execute permission: KVM maps data faults executable only with DIC (user_mem_abort()). */
  protected dicEvidence: number | undefined;
  protected readonly cleanTiming = new CleanTiming();
  protected readonly errors = new ReplayErrors();
  protected tlbiRangeSeen = false;
  protected lastTs = 0;
  /** Blocks split and not mapped as blocks of their size again, by `size:base` (Counters.splitCosts.splitNsByBlockSize). */
  protected readonly splitSince = new Map<string, { base: number; size: number; ts: number }>();
  protected lastNotifierUnmapLine = 0;
  /**
   * The last MMU-notifier invalidation (kvm_unmap_hva_range, traced at the top of
   * kvm_mmu_notifier_invalidate_range_start()), its first s2_unmap line (under the write lock, so after
   * kvm_mmu_invalidate_begin()), and a bound on its end: a fault-path map or relax probe after that
   * unmap line, whose mmu_invalidate_retry() then passed (include/linux/kvm_host.h).
   */
  protected notifier: { line: number; unmapLine: number | undefined; endedBy: number | undefined } | undefined;
  /**
   * Fault-path maps applied at their leaf's break, by the line of that break probe: when the entry was
   * certainly locked for the map (stage2_try_break_pte returned 1) and made (stage2_make_pte returned;
   * undefined until then). Another vCPU's fault between the two met the entry locked, not the winner's
   * new entry. Oldest dropped past 4096.
   */
  protected readonly mapsMadeAt = new Map<number, { lockedTs: number; madeTs: number | undefined }>();
  protected sawUnmapProbes = false;
  /** A write-protect's caller flushes once per batch (GET_DIRTY_LOG / memslot): one TLBI per run of wrprotects. */
  protected wpFlushPending = false;
  protected maxLine = 0;

  protected splitStarted(base: number, size: number, ts: number): void {
    const k = `${size}:${base}`;
    if (!this.splitSince.has(k)) this.splitSince.set(k, { base, size, ts });
  }

  /** A block of `size` mapped at `base` again: it and every smaller split block inside it are whole again. */
  protected splitEnded(base: number, size: number, ts: number): void {
    for (const [k, s] of this.splitSince) {
      if (s.base >= base && s.base + s.size <= base + size) {
        this.addSplitTime(s, ts);
        this.splitSince.delete(k);
      }
    }
  }

  protected addSplitTime(s: { size: number; ts: number }, until: number): void {
    const bySize = this.counters.splitCosts.splitNsByBlockSize;
    const e = (bySize[formatSize(s.size)] ??= { splits: 0, ns: 0 });
    e.splits++;
    e.ns += until - s.ts;
  }

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

  protected sizeAt(level: number): number {
    return this.levelSizes[level + 1] ?? levelSize(this.geom, level);
  }

  protected state(ev: TraceEvent): VcpuState {
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
        pendingLostRace: undefined, mapInFlight: undefined, prevAssumedMap: undefined,
      };
      this.tasks.set(ev.pid, s);
      this.tasksByKey.set(key, s);
    }
    this.lastState = s;
    return s;
  }

  protected actor(key: string): number {
    let i = this.actorIndex.get(key);
    if (i === undefined) {
      i = this.actorKeys.length;
      this.actorKeys.push(key);
      this.actorIndex.set(key, i);
    }
    return i;
  }

  protected laneLabel(key: string): string {
    if (key === HOST) return HOST;
    const s = this.tasksByKey.get(key);
    if (s?.vcpuIndex !== undefined) return `vCPU ${s.vcpuIndex} (${key})`;
    // QEMU names its vCPU threads `CPU <n>/KVM`.
    const m = s ? /^CPU (\d+)\/KVM$/.exec(s.task) : null;
    if (m) return `vCPU ${m[1]} (${key})`;
    return key;
  }

  protected hostKey(s: VcpuState): string {
    return s.ep ? s.key : HOST;
  }

  protected phaseOf(line: number): Phase {
    for (let i = this.phases.length - 1; i >= 0; i--) if (this.phases[i].line <= line) return this.phases[i];
    return this.phases[0];
  }

  protected bumpRegion(ipa: number, cls: FindingClass | undefined): void {
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

  protected setClass(dec: Decision, cls: FindingClass, observed: boolean, message: string): void {
    dec.cls = cls;
    dec.observed = observed;
    dec.message = message;
  }
}

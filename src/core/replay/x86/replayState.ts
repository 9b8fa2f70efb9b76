// The x86 replay's state (the SPTE model, open fault episodes per thread, segments between markers,
// what the trace has shown so far, the finding sink) and the lookups every layer uses. The replay is
// one object built in layers, each in its own file and each extending the one before, as on arm64:
// replayState -> hostActions -> faultRules -> intake -> x86Replayer.
import { ignoredEventNames } from '../../model/modelConfig';
import { ReplayErrors } from '../replayErrors';
import type { Counters, Finding, ModelConfig } from '../../domain/types';
import { MarkStore } from '../../marks/markStore';
import { findingEntry } from '../../catalog/findings';
import { FindingSink } from '../findingSink';
import { emptyCounters } from '../replayer';
import { alignGfn } from '../../model/x86/geometry';
import { decodeSpte, SPTE_HUGE } from '../../model/x86/spte';
import { SpteTable } from '../../model/x86/spteTable';
import { type Episode } from './episode';
import { EagerSplitWhatIf } from './eagerSplitWhatIf';
import { SegmentState } from './segmentTally';
import { FaultSourceTracker } from '../../parse/decoders/x86Vendor';
import { FlavourDetector } from './mmuFlavour';
import { resolveEagerMode, type HostRun, type Lane } from './types';

export class X86ReplayState {
  protected readonly ignore: Set<string>;
  protected readonly whatIf: EagerSplitWhatIf;
  protected readonly flavour = new FlavourDetector();
  protected readonly table = new SpteTable('npt');
  /** Which hardware path (EPT violation, #NPF, intercepted guest #PF) each kvm_page_fault came from. */
  protected readonly faultSources = new FaultSourceTracker();
  /** A fault exit on a thread whose vCPU is not known yet (old kvm_exit formats print no vcpu): its episode opens at the kvm_page_fault. */
  protected readonly pendingExit = new Map<number, { line: number; ts: number; reason: string }>();
  protected formatFixed = false;

  protected readonly counters: Counters = emptyCounters();
  protected readonly sink = new FindingSink();
  protected readonly errors = new ReplayErrors();
  protected readonly marks = new MarkStore();

  protected readonly lanesByPid = new Map<number, Lane>();
  protected readonly laneOrder: Lane[] = [];
  protected readonly open = new Map<number, Episode>();
  protected readonly segments: SegmentState[] = [];
  protected hostRun: HostRun | undefined;
  protected lastUnmapTs = -Infinity;
  protected loggingOn = false;
  protected clearDirtyContext = false;
  protected eagerFromMarker: 'Y' | 'N' | undefined;
  protected fastSeen = 0;
  protected inferredFastFaults = 0;
  protected untracedProtects = 0;
  /** Last marker or host-thread MMU event: where an untraced write-protect may have happened. */
  protected lastHostTs = -Infinity;
  protected hostSplits = 0;
  protected faultSplits = 0;
  protected hostHugeWp = 0;
  protected hugeRecovered = 0;
  protected readonly fastPathFailures: Record<string, number> = {};
  /** Huge regions write-protected by a host ioctl: where, and whether MMU-writable was cleared (provenance for X3). */
  protected readonly hugeProtects = new Map<number, { line: number; clearedMmuWritable: boolean; clear: boolean }>();
  /** Huge regions whose page-table pointer a host zap removed (recovery after logging stops). */
  protected readonly collapsible = new Set<number>();
  /** Legacy/shadow MMU: huge regions a fault dropped for 4 KiB mappings (a later huge set_spte there is a recovery). */
  protected readonly droppedHuge = new Set<number>();
  /** Last successful split line per huge region (the winner, for X2). */
  protected readonly lastSplit = new Map<number, { line: number; lane: string }>();
  /** Threads whose last event was a kvm_flush_remote_tlbs_range probe: a kvm_flush_remote_tlbs next is its fallback. */
  protected readonly rangeFlushPending = new Set<number>();
  protected remoteFlushes = 0;

  constructor(protected readonly config: ModelConfig) {
    this.ignore = ignoredEventNames(config);
    this.whatIf = new EagerSplitWhatIf(resolveEagerMode(config));
    this.newSegment('(start)', 0, 0);
  }

  protected regionKey(gfn: number, level: number): number {
    return alignGfn(gfn, level) * 8 + level;
  }

  protected newSegment(label: string, line: number, ts: number): void {
    this.segments.push(new SegmentState(label, line, ts));
  }
  protected seg(): SegmentState {
    return this.segments[this.segments.length - 1];
  }

  protected laneFor(pid: number, task: string, vcpu: number | undefined): Lane | undefined {
    let lane = this.lanesByPid.get(pid);
    if (!lane && vcpu !== undefined) {
      lane = { id: `vCPU ${vcpu} (${task}-${pid})`, vcpu, pid };
      this.lanesByPid.set(pid, lane);
      this.laneOrder.push(lane);
    }
    return lane;
  }

  protected addFinding(f: Omit<Finding, 'severity' | 'code'> & { code?: string }, segIndex: number): void {
    const kind = findingEntry(f.cls);
    this.counters.faults.byClass[f.cls] = (this.counters.faults.byClass[f.cls] ?? 0) + 1;
    if (f.costNs !== undefined) this.counters.costNsByClass[f.cls] = (this.counters.costNsByClass[f.cls] ?? 0) + f.costNs;
    const s = this.segments[segIndex]?.summary;
    if (s) s.findings[f.cls] = (s.findings[f.cls] ?? 0) + 1;
    // Listed up to the shared per-class cap (findingSink.ts); the counters above count every one.
    if (this.sink.countOnly(f.cls, f.costNs)) return;
    this.sink.push({ ...f, code: f.code ?? kind.code, severity: kind.severity });
  }


  protected shadowPaging(): boolean {
    return this.flavour.result().flavour === 'shadow';
  }

  /** Each vCPU's previous fault: a real retry followed by a refault of the same page is one fault in the what-if. */
  protected readonly lastFault = new Map<string, { gfn: number; retried: boolean; whatIfDone: boolean }>();


  /** The level of the SPTE a fast_page_fault read: PS marks a huge page (KVM leaves bit 7 clear in 4 KiB NPT/EPT SPTEs). */
  protected faultLeafLevel(gfn: number, spte: bigint): number {
    if ((spte & SPTE_HUGE) === 0n) return 1;
    const l3 = this.table.get(gfn, 3);
    return l3 && decodeSpte(l3.spte, 3, this.table.format).huge ? 3 : 2;
  }
}

// The x86 replay: drives the SPTE model (src/core/model/x86) from kvm/kvmmmu events, correlates
// per-vCPU fault episodes (kvm_exit -> kvm_page_fault -> MMU events -> kvm_entry), classifies each
// fault's outcome (fast fixed/spurious, slow map/unprotect/rewrite, retry, split) and turns them into
// findings: S1 lost races, S5 fault-path splits, X1 SPTE rewrites, X2 lost split races (errno -16),
// X3 fast-path failures; remote TLB flush probes are counted (counters.tlbi). Settings used:
// ModelConfig.eagerSplitChunk (0 = as if kvm.eager_page_split=N, > 0 = as if Y, 'auto' = as the
// trace shows) and ignoreEvents (lines replayed as if absent).
import { ignoredEventNames } from '../../analysis/modelConfig';
import { ReplayErrors } from '../replayErrors';
import type { CoverageItem, EntryState } from '../../api';
import type { Counters, Finding, FindingClass, ModelConfig } from '../../analysis/types';
import { MarkStore } from '../../analysis/markStore';
import { findingEntry } from '../../catalog/findings';
import { FindingSink } from '../findingSink';
import type { TraceEvent } from '../../parse/types';
import { emptyCounters, type Replayer, type ReplayOutput } from '../replayer';
import { alignGfn, bytesPerEntry, gpaBitsForRootLevel, levelSizeWords, pagesPerEntry } from '../../model/x86/geometry';
import { classifyTransition, decodeSpte, hexSpte, SPTE_HUGE, sptePerms, transitionLabel, type SpteInfo } from '../../model/x86/spte';
import { SpteTable } from '../../model/x86/spteTable';
import { episodeGfn, episodeOutcome, isPresentFault, isWriteFault, type Episode } from './episode';
import { EagerSplitWhatIf, type EagerMode } from './eagerSplitWhatIf';
import { inc, SegmentState, type X86SegmentSummary } from './segmentTally';

export type { X86SegmentSummary } from './segmentTally';
import { decodeFaultCode, faultSourceLabel, FaultSourceTracker } from '../../parse/decoders/x86Vendor';
import { FlavourDetector, flavourCoverage, type FlavourResult } from './mmuFlavour';

export interface X86Details {
  flavour: FlavourResult;
  segments: X86SegmentSummary[];
  eagerSplit: {
    /** What the trace shows: huge pages split by the ioctl (Y), in the fault path (N), or unknown. */
    trace: 'Y' | 'N' | 'unknown';
    replayed: EagerMode;
    hostSplits: number;
    faultSplits: number;
    hostHugeWriteProtects: number;
    divergentRegions: number;
  };
  /** X3 fast-path failures by cause. */
  fastPathFailures: Record<string, number>;
  hugePagesRecovered: number;
  inferredFastFaults: number;
}

export interface X86ReplayOutput extends ReplayOutput {
  x86: X86Details;
}

export interface X86Replayer extends Replayer {
  finish(): X86ReplayOutput;
}

interface Lane {
  id: string;
  vcpu: number;
  pid: number;
}

interface HostRun {
  pid: number;
  segment: number;
  line: number;
  ts: number;
  endTs: number;
  counts: Map<string, number>;
}

/** A fault mark carries one class: the most specific of its findings. */
const MARK_PRIORITY: FindingClass[] = ['X2', 'S5', 'X3', 'X1', 'S6', 'S1'];
const FAULT_EXIT = /^(npf|NPF|EXIT_NPF|EPT_VIOLATION|EPT_MISCONFIG|ept_violation|PF excp|PF|EXCEPTION_NMI)/;

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function resolveEagerMode(cfg: ModelConfig): EagerMode {
  if (cfg.eagerSplitChunk === 'auto') return 'as-trace';
  return cfg.eagerSplitChunk > 0 ? 'on' : 'off';
}

export function createX86Replayer(config: ModelConfig): X86Replayer {
  const ignore = ignoredEventNames(config);
  const whatIf = new EagerSplitWhatIf(resolveEagerMode(config));
  const flavour = new FlavourDetector();
  const table = new SpteTable('npt');
  /** Which hardware path (EPT violation, #NPF, intercepted guest #PF) each kvm_page_fault came from. */
  const faultSources = new FaultSourceTracker();
  /** A fault exit on a thread whose vCPU is not known yet (old kvm_exit formats print no vcpu): its episode opens at the kvm_page_fault. */
  const pendingExit = new Map<number, { line: number; ts: number; reason: string }>();
  let formatFixed = false;

  const counters: Counters = emptyCounters();
  const sink = new FindingSink();
  const findings: Finding[] = sink.findings;
  const errors = new ReplayErrors();
  const marks = new MarkStore();

  const lanesByPid = new Map<number, Lane>();
  const laneOrder: Lane[] = [];
  const open = new Map<number, Episode>();
  const segments: SegmentState[] = [];
  let hostRun: HostRun | undefined;
  let lastUnmapTs = -Infinity;
  let loggingOn = false;
  let clearDirtyContext = false;
  let eagerFromMarker: 'Y' | 'N' | undefined;
  let fastSeen = 0;
  let inferredFastFaults = 0;
  let untracedProtects = 0;
  /** Last marker or host-thread MMU event: where an untraced write-protect may have happened. */
  let lastHostTs = -Infinity;
  let hostSplits = 0;
  let faultSplits = 0;
  let hostHugeWp = 0;
  let hugeRecovered = 0;
  const fastPathFailures: Record<string, number> = {};
  /** Huge regions write-protected by a host ioctl: where, and whether MMU-writable was cleared (provenance for X3). */
  const hugeProtects = new Map<number, { line: number; clearedMmuWritable: boolean; clear: boolean }>();
  /** Huge regions whose page-table pointer a host zap removed (recovery after logging stops). */
  const collapsible = new Set<number>();
  /** Legacy/shadow MMU: huge regions a fault dropped for 4 KiB mappings (a later huge set_spte there is a recovery). */
  const droppedHuge = new Set<number>();
  /** Last successful split line per huge region (the winner, for X2). */
  const lastSplit = new Map<number, { line: number; lane: string }>();
  /** Threads whose last event was a kvm_flush_remote_tlbs_range probe: a kvm_flush_remote_tlbs next is its fallback. */
  const rangeFlushPending = new Set<number>();
  let remoteFlushes = 0;

  function regionKey(gfn: number, level: number): number {
    return alignGfn(gfn, level) * 8 + level;
  }

  function newSegment(label: string, line: number, ts: number): void {
    segments.push(new SegmentState(label, line, ts));
  }
  newSegment('(start)', 0, 0);
  const seg = (): SegmentState => segments[segments.length - 1];

  function laneFor(pid: number, task: string, vcpu: number | undefined): Lane | undefined {
    let lane = lanesByPid.get(pid);
    if (!lane && vcpu !== undefined) {
      lane = { id: `vCPU ${vcpu} (${task}-${pid})`, vcpu, pid };
      lanesByPid.set(pid, lane);
      laneOrder.push(lane);
    }
    return lane;
  }

  function addFinding(f: Omit<Finding, 'severity' | 'code'> & { code?: string }, segIndex: number): void {
    const kind = findingEntry(f.cls);
    counters.faults.byClass[f.cls] = (counters.faults.byClass[f.cls] ?? 0) + 1;
    if (f.costNs !== undefined) counters.costNsByClass[f.cls] = (counters.costNsByClass[f.cls] ?? 0) + f.costNs;
    const s = segments[segIndex]?.summary;
    if (s) s.findings[f.cls] = (s.findings[f.cls] ?? 0) + 1;
    // Listed up to the shared per-class cap (findingSink.ts); the counters above count every one.
    if (sink.countOnly(f.cls, f.costNs)) return;
    sink.push({ ...f, code: f.code ?? kind.code, severity: kind.severity });
  }

  function flushHostRun(): void {
    if (!hostRun) return;
    const parts = [...hostRun.counts].map(([k, v]) => `${k}×${v}`).join(', ');
    marks.push({ ts: hostRun.ts, endTs: hostRun.endTs, lane: 'host', kind: 'host', line: hostRun.line, label: parts });
    hostRun = undefined;
  }

  function noteHost(ev: TraceEvent, what: string): void {
    lastHostTs = ev.ts;
    const segIndex = segments.length - 1;
    if (!hostRun || hostRun.pid !== ev.pid || hostRun.segment !== segIndex) {
      flushHostRun();
      hostRun = { pid: ev.pid, segment: segIndex, line: ev.line, ts: ev.ts, endTs: ev.ts, counts: new Map() };
    }
    hostRun.endTs = ev.ts;
    hostRun.counts.set(what, (hostRun.counts.get(what) ?? 0) + 1);
  }

  function onMarker(ev: TraceEvent, text: string): void {
    flushHostRun();
    lastHostTs = ev.ts;
    // Faults still open belong to the old segment and close later: keep its page lists until then.
    if (![...open.values()].some((e) => e.segment === segments.length - 1)) seg().close();
    newSegment(text.replace(/^kvmtest:\s*/, '').trim(), ev.line, ev.ts);
    const eager = /eager_page_split\s*(?:<-|=)\s*([YN])/.exec(text);
    if (eager) eagerFromMarker = eager[1] as 'Y' | 'N';
    clearDirtyContext = /CLEAR_DIRTY_LOG/.test(text);
    if (/LOG_DIRTY_PAGES/.test(text)) loggingOn = true;
    else if (/flags=0\b/.test(text)) loggingOn = false;
    marks.push({ ts: ev.ts, lane: 'host', kind: 'marker', line: ev.line, label: text.slice(0, 120) });
  }

  function openEpisode(lane: Lane, ev: TraceEvent, reason: string): Episode {
    const ep: Episode = {
      vcpu: lane.vcpu, lane: lane.id, pid: ev.pid, exitLine: ev.line, exitTs: ev.ts, exitReason: reason,
      faultLine: 0, faultTs: ev.ts, address: 0, errorCode: 0, access: { source: undefined, access: undefined, present: undefined }, fast: undefined, requested: [], sets: [], changes: [], splits: [], newPages: 0,
      whatIf: undefined, whatIfReplaces: false, segment: segments.length - 1,
    };
    open.set(ev.pid, ep);
    return ep;
  }

  const shadowPaging = (): boolean => flavour.result().flavour === 'shadow';

  /** Each vCPU's previous fault: a real retry followed by a refault of the same page is one fault in the what-if. */
  const lastFault = new Map<string, { gfn: number; retried: boolean; whatIfDone: boolean }>();

  /** Decide the what-if outcome at the episode's first decisive event (trace order = kernel decision order). */
  function decideWhatIf(ep: Episode): void {
    if (!whatIf.active || ep.whatIf !== undefined || ep.faultLine === 0) return;
    const gfn = episodeGfn(ep, shadowPaging());
    const prev = lastFault.get(ep.lane);
    if (prev && prev.gfn === gfn && prev.retried && prev.whatIfDone && whatIf.regionOf(gfn)) {
      ep.whatIf = 'avoided';
      ep.whatIfReplaces = true;
      return;
    }
    const d = whatIf.decide(gfn, isWriteFault(ep));
    if (d) {
      ep.whatIf = d;
      ep.whatIfReplaces = true;
    } else ep.whatIf = '';
  }

  /** The level of the SPTE a fast_page_fault read: PS marks a huge page (KVM leaves bit 7 clear in 4 KiB NPT/EPT SPTEs). */
  function faultLeafLevel(gfn: number, spte: bigint): number {
    if ((spte & SPTE_HUGE) === 0n) return 1;
    const l3 = table.get(gfn, 3);
    return l3 && decodeSpte(l3.spte, 3, table.format).huge ? 3 : 2;
  }

  function x3Cause(ep: Episode, gfn: number): { cause: string; message: string; related: { line: number; message: string }[] } {
    const fast = ep.fast!;
    const level = faultLeafLevel(gfn, fast.oldSpte);
    const info: SpteInfo = decodeSpte(fast.oldSpte, level, table.format);
    const related: { line: number; message: string }[] = [];
    const region2 = regionKey(gfn, 2);
    const protect = hugeProtects.get(region2) ?? hugeProtects.get(regionKey(gfn, 3));
    if (protect) related.push({ line: protect.line, message: protect.clear ? 'KVM_CLEAR_DIRTY_LOG write-protected the huge SPTE here' : 'the dirty-log ioctl write-protected the huge SPTE here' });
    if (!info.present)
      return { cause: 'not-present', message: 'the SPTE was not present: the fast path only fixes present SPTEs, so the fault took the slow path', related };
    if (info.huge)
      return {
        cause: 'huge-page-under-dirty-logging',
        message: !info.mmuWritable && protect?.clear
          ? `the ${levelSizeWords(level)} SPTE ${hexSpte(fast.oldSpte)} was write-protected by KVM_CLEAR_DIRTY_LOG (manual protect: kvm_mmu_slot_gfn_write_protect, which also clears MMU-writable), and the fast path cannot make a huge page writable while the slot is logged: the slow path split it, and the 4 KiB children inherit the missing MMU-writable`
          : `the ${levelSizeWords(level)} SPTE ${hexSpte(fast.oldSpte)} is write-protected for dirty logging, and the fast path cannot make a huge page writable while the slot is logged: the slow path ${flavour.tdpChanges === 0 ? 'dropped it and mapped 4 KiB (legacy MMU: no split)' : 'split it'}`,
        related,
      };
    if (!info.mmuWritable) {
      const inherited = protect?.clearedMmuWritable ?? false;
      return {
        cause: inherited ? 'not-mmu-writable-inherited-from-split' : 'not-mmu-writable',
        message: inherited
          ? `the 4 KiB SPTE ${hexSpte(fast.oldSpte)} lacks MMU-writable: it was split from a huge SPTE that ${protect?.clear ? 'KVM_CLEAR_DIRTY_LOG (manual protect) write-protected with kvm_mmu_slot_gfn_write_protect' : 'was write-protected'}, which also clears MMU-writable, and split children inherit it; only the slow path may make it writable`
          : `the SPTE ${hexSpte(fast.oldSpte)} lacks MMU-writable (write-protected by the MMU, not only for dirty logging): only the slow path may make it writable`,
        related,
      };
    }
    if (info.writable)
      return { cause: 'spte-changed', message: 'the SPTE already allowed the write but the fast path did not finish (the SPTE changed under it)', related };
    return { cause: 'other', message: `the fast path gave up on SPTE ${hexSpte(fast.oldSpte)}`, related };
  }

  function closeEpisode(ep: Episode, endTs: number): void {
    open.delete(ep.pid);
    if (ep.faultLine === 0) return; // an exit without a page fault: not a fault episode
    const segIndex = ep.segment;
    const s = segments[segIndex];
    const shadow = shadowPaging();
    const gfn = episodeGfn(ep, shadow);
    const tdp = flavour.tdpChanges > 0;
    let outcome = episodeOutcome(ep, gfn, { tdp, setBefore: (g, l) => s.setSeen.has(alignGfn(g, l) * 8 + l) });
    // Only the fault's own gfn counts as set (the ground truth's rule): the legacy MMU's prefetch of neighbours
    // (direct_pte_prefetch) does not make a later fault on a neighbour a repeat; X1 below tells that race apart.
    for (const set of ep.sets) if (set.gfn === alignGfn(gfn, set.level)) s.setSeen.add(alignGfn(set.gfn, set.level) * 8 + set.level);
    const write = isWriteFault(ep);
    const costNs = Math.max(0, endTs - ep.exitTs);
    const quiet = !ep.fast && ep.changes.length === 0 && ep.sets.length === 0 && ep.requested.length === 0 && ep.splits.length === 0;
    let inferred = false;
    let fixerLine: number | undefined;
    // Nothing traced but a present fault: with fast_page_fault absent, the model tells what the fast path did.
    if (quiet && isPresentFault(ep) && (fastSeen === 0 || ignore.has('fast_page_fault')) && !shadow) {
      const leaf = table.leaf(gfn);
      const info = leaf ? decodeSpte(leaf.spte, leaf.level, table.format) : undefined;
      if (leaf && info?.present) {
        const allowed = !write || info.writable;
        const rec = leaf.record;
        // The TDP MMU traces every write-protect, so an allowing SPTE means another vCPU fixed it (its TLB may still
        // hold the old entry). The legacy MMU does not trace its rmap write-protects: an SPTE fixed before the last
        // host activity (an ioctl, a marker) may have been protected again since.
        const fixedSinceProtect = tdp || (rec !== undefined && rec.ts > lastHostTs && rec.actor !== ep.lane);
        if (allowed && fixedSinceProtect) {
          outcome = 'fast_spurious';
          inferred = true;
          fixerLine = rec?.line;
        } else if (write && (info.mmuWritable || allowed)) {
          // Allowed but not fixed since the exit: a write-protection the trace does not show (the legacy MMU's rmap protect).
          if (allowed) untracedProtects++;
          outcome = 'fast_fixed';
          inferred = true;
          table.set(leaf.gfn, leaf.level, leaf.spte | 2n, ep.faultLine, endTs, ep.lane, true);
        }
        if (inferred) inferredFastFaults++;
      }
    }
    if (!ep.whatIf && whatIf.active && ep.whatIf === undefined) decideWhatIf(ep);
    const whatIfOutcome = ep.whatIfReplaces && ep.whatIf ? ep.whatIf : outcome;
    lastFault.set(ep.lane, { gfn, retried: /none/.test(outcome), whatIfDone: ep.whatIfReplaces && /^fast_(fixed|spurious)$/.test(whatIfOutcome) });

    s.addFault(gfn, outcome, whatIfOutcome);
    // The last open fault of an earlier segment settles that segment (its page lists are freed).
    if (segIndex < segments.length - 1 && ![...open.values()].some((e) => e.segment === segIndex)) s.close();
    if (whatIfOutcome !== 'avoided') {
      // Counters describe the replayed configuration: a fault the what-if avoids is not counted.
      counters.faults.total++;
      inc(counters.faults.perVcpu, ep.lane);
      const leafNow = table.leaf(gfn);
      const a = ep.access;
      const source = a.source === undefined ? 'unknown-source' : faultSourceLabel(a.source);
      const presence = a.present === undefined ? 'presence-unknown' : a.present ? 'present' : 'not-present';
      const kind = `${source}/${presence}-${a.access ?? 'read-or-fetch'}/L${leafNow?.level ?? 1}`;
      inc(counters.faults.byKindLevel, kind);
    }

    const vcpuLabel = ep.lane;
    const ipa = { start: gfn * 4096, size: 4096 };
    let markCls: FindingClass | undefined;
    const base = { line: ep.faultLine, ts: ep.faultTs, vcpu: vcpuLabel, ipa, costNs };
    const emit = (f: Omit<Finding, 'severity' | 'code' | 'line' | 'ts' | 'vcpu' | 'ipa' | 'costNs'> & { code?: string }): void => {
      if (markCls === undefined || MARK_PRIORITY.indexOf(f.cls) < MARK_PRIORITY.indexOf(markCls)) markCls = f.cls;
      addFinding({ ...base, ...f }, segIndex);
    };

    if (ep.whatIfReplaces && ep.whatIf) {
      // The what-if replaces this fault's handling: findings of the virtual outcome only.
      const d = ep.whatIf;
      if (d === 'fast_spurious')
        emit({ cls: 'S1', message: `what-if (eager split ${whatIf.mode}): another vCPU would already have made gfn ${hex(gfn)} writable; the fast path finds nothing to do (lost race)`, related: [], observed: false });
      else if (d === 'fast_fail+slow_unwp+split') {
        emit({ cls: 'X3', message: `what-if (eager split off): the write-protected huge SPTE covering gfn ${hex(gfn)} cannot be fixed by the fast path under dirty logging`, related: [], observed: false });
        emit({ cls: 'S5', message: `what-if (eager split off): this fault would split the huge page covering gfn ${hex(gfn)} in the fault path`, related: [], observed: false });
      } else if (d === 'fast_fail+slow_unwp')
        emit({ cls: 'X3', message: `what-if: the 4 KiB SPTE for gfn ${hex(gfn)} would lack MMU-writable (inherited from its huge parent), so the fast path would fail`, related: [], observed: false });
    } else {
      // Real handling, as the trace shows it (or as inferred).
      if (outcome === 'fast_spurious') {
        const leaf = table.leaf(gfn);
        const by = leaf?.record?.actor;
        const related = fixerLine !== undefined || leaf?.record ? [{ line: fixerLine ?? leaf!.record!.line, message: `${by ?? 'another vCPU'} made the SPTE writable here` }] : [];
        emit({
          cls: 'S1',
          message: inferred
            ? `lost race (inferred, fast_page_fault absent): the model SPTE for gfn ${hex(gfn)} already allowed the ${write ? 'write' : 'access'} when ${vcpuLabel} faulted`
            : `lost race: fast_page_fault found the SPTE for gfn ${hex(gfn)} already allowing the access (RET_PF_SPURIOUS, another vCPU fixed it first)`,
          related, observed: !inferred,
        });
      } else if (/slow_spurious/.test(outcome)) {
        emit({ cls: 'S1', message: `lost race: the slow path computed the SPTE already installed for gfn ${hex(gfn)} (RET_PF_SPURIOUS)`, related: [], observed: true });
      } else if (/^(fast_fail\+)?none$/.test(outcome) && ep.splits.length === 0) {
        const leaf = table.leaf(gfn);
        const rec = leaf?.record;
        if (rec && rec.ts >= ep.exitTs && rec.actor !== ep.lane) {
          emit({
            cls: 'S1',
            message: `lost race (retry): ${rec.actor} changed the SPTE for gfn ${hex(gfn)} while ${vcpuLabel} was handling its fault; the fault returned RET_PF_RETRY and the guest re-ran`,
            related: [{ line: rec.line, message: `${rec.actor} installed the SPTE here` }], observed: true,
          });
        } else if (lastUnmapTs >= ep.exitTs) {
          emit({ cls: 'S6', message: `fault on gfn ${hex(gfn)} retried while an MMU-notifier invalidation was in flight`, related: [], observed: false });
        }
      }
      const rewrite = ep.changes.find((c) => c.gfn === alignGfn(gfn, c.level) && ['clear-dirty', 'clear-accessed', 'other', 'set-dirty', 'set-accessed'].includes(c.transition));
      const rewriteInfo = rewrite;
      if (rewriteInfo && rewriteInfo.prevBy && rewriteInfo.prevBy !== ep.lane && rewriteInfo.prevBy !== 'host') {
        const ago = rewriteInfo.prevTs !== undefined ? ` ${Math.round((rewriteInfo.ts - rewriteInfo.prevTs) / 1000)} µs earlier` : '';
        emit({
          cls: 'X1',
          message: `duplicate fault: ${vcpuLabel} re-made the SPTE for gfn ${hex(gfn)} that ${rewriteInfo.prevBy} had installed${ago} (${hexSpte(rewriteInfo.oldSpte)} -> ${hexSpte(rewriteInfo.newSpte)}: ${transitionLabel(rewriteInfo.transition)}; make_spte() does not set Dirty when the old SPTE is already writable)`,
          related: rewriteInfo.prevLine !== undefined ? [{ line: rewriteInfo.prevLine, message: `${rewriteInfo.prevBy} installed the SPTE here` }, { line: rewriteInfo.line, message: 'the rewrite' }] : [{ line: rewriteInfo.line, message: 'the rewrite' }],
          observed: true,
        });
      }
      // The legacy/shadow MMU prints no old value: the model's previous set_spte tells a rewrite of another vCPU's SPTE.
      const legacyRewrite = !tdp && ep.changes.length === 0 ? ep.sets.find((st) => st.gfn === alignGfn(gfn, st.level) && st.prev !== undefined && st.prev.actor !== 'host') : undefined;
      if (legacyRewrite?.prev) {
        const p = legacyRewrite.prev;
        const t = classifyTransition(p.spte, legacyRewrite.spte, legacyRewrite.level, table.format);
        const when = p.ts > ep.exitTs ? `${Math.round((p.ts - ep.exitTs) / 1000)} µs after this fault's exit` : `${Math.round((ep.exitTs - p.ts) / 1000)} µs before this fault's exit`;
        const change = t === 'unchanged' ? 'the same value printed' : transitionLabel(t);
        emit({
          cls: 'X1',
          message: `duplicate fault: ${vcpuLabel} set the SPTE for gfn ${hex(gfn)} again; ${p.actor} had set it ${when} (${hexSpte(p.spte)} -> ${hexSpte(legacyRewrite.spte)}: ${change}). ${shadow ? 'Shadow paging' : 'Legacy MMU'}: kvm_mmu_set_spte fires only when the SPTE changes but prints only the new value, read when the event fires; the old value is the earlier set_spte's`,
          related: [{ line: p.line, message: `${p.actor} set the SPTE here` }, { line: legacyRewrite.line, message: 'the rewrite' }],
          observed: true,
        });
      }
      if (ep.fast && !ep.fast.fixed && !ep.fast.spurious) {
        const c = x3Cause(ep, gfn);
        fastPathFailures[c.cause] = (fastPathFailures[c.cause] ?? 0) + 1;
        emit({ cls: 'X3', message: `fast path failed, slow path took over: ${c.message}`, related: [{ line: ep.fast.line, message: 'fast_page_fault: spurious 0 fixed 0' }, ...c.related], observed: true });
      }
      if (ep.hugeDropped) {
        const h = ep.hugeDropped;
        emit({
          cls: 'S5',
          message: `${vcpuLabel} dropped the ${levelSizeWords(h.level)} mapping at gfn ${hex(h.gfn)} and mapped ${levelSizeWords(h.level - 1)} (${shadow ? 'shadow paging' : 'legacy MMU'}, inferred: no split events without the TDP MMU): each of its ${pagesPerEntry(h.level)} pages faults again, through the slow path`,
          related: [{ line: h.line, message: 'the small mapping inside the huge one' }],
          observed: false,
        });
      }
      for (const sp of ep.splits) {
        const rk = regionKey(sp.gfn, sp.level);
        if (sp.errno === -16) {
          const winner = lastSplit.get(rk);
          emit({
            cls: 'X2',
            message: `split race lost: ${vcpuLabel} tried to split the ${levelSizeWords(sp.level)} page at gfn ${hex(sp.gfn)} in the fault path, but ${winner?.lane ?? 'another vCPU'} split it first (errno -16, -EBUSY); the fault is retried`,
            related: winner ? [{ line: winner.line, message: `${winner.lane} split it here` }, { line: sp.line, message: 'kvm_mmu_split_huge_page errno -16' }] : [{ line: sp.line, message: 'kvm_mmu_split_huge_page errno -16' }],
            observed: true,
          });
        } else if (sp.errno === 0) {
          // Sibling faults: other vCPUs' faults in the same huge page that were in flight during the split.
          const related: { line: number; message: string }[] = [{ line: sp.line, message: 'kvm_mmu_split_huge_page' }];
          for (const other of open.values()) {
            if (other.faultLine === 0) continue;
            const og = episodeGfn(other, shadow);
            if (alignGfn(og, sp.level) === alignGfn(sp.gfn, sp.level) && other.exitTs <= sp.ts) related.push({ line: other.faultLine, message: `${other.lane} faulted in the same huge page during the split` });
          }
          emit({
            cls: 'S5',
            message: `${vcpuLabel} split the ${levelSizeWords(sp.level)} page at gfn ${hex(sp.gfn)} in the fault path (dirty logging): the split (page-table allocation under the vCPU) sits in this fault's latency${related.length > 1 ? `, and ${related.length - 1} other vCPU fault(s) on the same huge page were in flight meanwhile (they fail the fast path or lose the split race)` : ''}`,
            related, observed: true,
          });
        }
      }
    }
    marks.push({ ts: ep.exitTs, endTs, lane: ep.lane, kind: 'fault', cls: markCls, line: ep.faultLine, ipa: gfn * 4096, size: 4096, label: whatIfOutcome });
  }

  function onSpteChange(ev: TraceEvent, gfn: number, level: number, oldSpte: bigint, newSpte: bigint): void {
    if (!formatFixed) {
      table.format = flavour.result().format;
      formatFixed = flavour.eptExits + flavour.npfExits > 0;
    }
    const transition = classifyTransition(oldSpte, newSpte, level, table.format);
    const sum = seg().summary;
    inc(sum.transitions, `L${level}:${transitionLabel(transition)}`);
    const ep = open.get(ev.pid);
    const lane = lanesByPid.get(ev.pid);
    const actor = lane?.id ?? 'host';
    const prev = table.get(gfn, level);
    table.set(gfn, level, newSpte, ev.line, ev.ts, actor, false, transition === 'split' ? oldSpte : undefined);
    if (transition === 'split' || (transition === 'map' && level > 1)) table.dropBelow(gfn, level, ev.line);
    const rk = regionKey(gfn, level);
    if (transition === 'split') {
      if (ep && ep.faultLine !== 0) {
        faultSplits++;
        whatIf.onFaultSplit(gfn);
        lastSplit.set(rk, { line: ev.line, lane: actor });
        marks.push({ ts: ev.ts, lane: actor, kind: 'split', line: ev.line, ipa: alignGfn(gfn, level) * 4096, size: bytesPerEntry(level), label: 'fault-path split' });
      } else {
        hostSplits++;
        marks.push({ ts: ev.ts, lane: 'host', kind: 'split', line: ev.line, ipa: alignGfn(gfn, level) * 4096, size: bytesPerEntry(level), label: 'eager split' });
      }
    }
    if (ep && ep.faultLine !== 0) {
      const change = { gfn: alignGfn(gfn, level), level, oldSpte, newSpte, transition, line: ev.line, ts: ev.ts, prevBy: prev?.installedBy, prevLine: prev?.installedLine, prevTs: prev?.installedTs };
      ep.changes.push(change);
      if (transition === 'map' && level > 1 && collapsible.delete(rk)) {
        hugeRecovered++;
        counters.coalesces++;
        marks.push({ ts: ev.ts, lane: actor, kind: 'coalesce', line: ev.line, ipa: alignGfn(gfn, level) * 4096, size: bytesPerEntry(level), label: 'huge page recovered' });
      }
      if (transition !== 'link' && transition !== 'unchanged') decideWhatIf(ep);
    } else {
      // A host-side change (an ioctl thread, the NX-recovery thread, or a vCPU thread outside a fault).
      noteHost(ev, `L${level} ${transitionLabel(transition)}`);
      if (level >= 2 && transition === 'wrprot') {
        hostHugeWp++;
        const o = decodeSpte(oldSpte, level, table.format);
        const n = decodeSpte(newSpte, level, table.format);
        hugeProtects.set(rk, { line: ev.line, clearedMmuWritable: o.mmuWritable && !n.mmuWritable, clear: clearDirtyContext });
        loggingOn = true;
      }
      if (level === 1 && transition === 'wrprot') loggingOn = true;
      if (level >= 2 && transition === 'unlink') collapsible.add(rk);
      whatIf.onHostChange(gfn, level, transition, ev.line, clearDirtyContext);
    }
  }

  function event(ev: TraceEvent): void {
    // The facade already drops ignored events; kept for replays driven directly (tests, benches).
    if (ignore.has(ev.name)) return;
    try {
      dispatch(ev);
    } catch (e) {
      // A trace is untrusted: an inconsistent combination of events skips that event (counted), never the replay.
      errors.note(ev.line, e);
    }
  }

  /**
   * A remote TLB flush probe (record-script --probes full). kvm_flush_remote_tlbs_range falls back to
   * kvm_flush_remote_tlbs when the arch has no ranged flush (x86 without Hyper-V): that pair is one whole-VM flush.
   */
  function onRemoteFlush(pid: number, symbol: string): void {
    remoteFlushes++;
    if (/^kvm_(arch_)?flush_remote_tlbs_range/.test(symbol)) {
      counters.tlbi.range++;
      rangeFlushPending.add(pid);
      return;
    }
    if (rangeFlushPending.delete(pid)) counters.tlbi.range--;
    counters.tlbi.vmid++;
  }

  function dispatch(ev: TraceEvent): void {
    flavour.observe(ev);
    const d = ev.decoded;
    if (!d) return;
    if (rangeFlushPending.size > 0 && !(d.kind === 'kprobe' && d.op === 'flush-remote-tlbs')) rangeFlushPending.delete(ev.pid);
    switch (d.kind) {
      case 'kprobe':
        if (d.op === 'flush-remote-tlbs') onRemoteFlush(ev.pid, d.symbol);
        break;
      case 'marker':
        onMarker(ev, d.text);
        break;
      case 'x86.kvm_exit': {
        faultSources.exit(ev.pid, d.reason, d.vendor);
        const lane = laneFor(ev.pid, ev.task, d.vcpu);
        const prev = open.get(ev.pid);
        if (prev) closeEpisode(prev, ev.ts);
        pendingExit.delete(ev.pid);
        const reason = d.reason.split(' ')[0] === 'PF' ? 'PF excp' : d.reason.split(' ')[0];
        if (FAULT_EXIT.test(d.reason)) {
          if (lane) openEpisode(lane, ev, reason);
          else pendingExit.set(ev.pid, { line: ev.line, ts: ev.ts, reason });
        }
        break;
      }
      case 'x86.kvm_page_fault': {
        const lane = laneFor(ev.pid, ev.task, d.vcpu);
        if (!lane) break;
        let ep = open.get(ev.pid);
        if (ep && ep.faultLine !== 0) {
          // A second fault before re-entry (e.g. after an emulated retry): close the first, keep the exit.
          const reason = ep.exitReason;
          const exitLine = ep.exitLine;
          const exitTs = ep.exitTs;
          closeEpisode(ep, ev.ts);
          ep = openEpisode(lane, ev, reason);
          ep.exitLine = exitLine;
          ep.exitTs = exitTs;
        }
        if (!ep) {
          const pending = pendingExit.get(ev.pid);
          pendingExit.delete(ev.pid);
          ep = openEpisode(lane, ev, pending?.reason ?? 'unknown'); // kvm_exit ignored or absent when no pending exit
          if (pending) {
            ep.exitLine = pending.line;
            ep.exitTs = pending.ts;
          }
        }
        ep.faultLine = ev.line;
        ep.faultTs = ev.ts;
        ep.segment = segments.length - 1;
        ep.address = d.address;
        ep.errorCode = d.errorCode;
        ep.access = decodeFaultCode(d.errorCode, faultSources.fault(ev.pid));
        break;
      }
      case 'x86.fast_page_fault': {
        fastSeen++;
        const sum = seg().summary;
        sum.fast.total++;
        if (d.spurious) sum.fast.spurious++;
        else if (d.fixed) sum.fast.fixed++;
        else sum.fast.neither++;
        const ep = open.get(ev.pid);
        if (ep) {
          ep.fast = { line: ev.line, spurious: d.spurious, fixed: d.fixed, oldSpte: d.oldSpte, newSpte: d.newSpte };
          decideWhatIf(ep);
        }
        if (d.fixed) {
          const gfn = ep && ep.faultLine !== 0 ? episodeGfn(ep, false) : Math.floor(d.gva / 4096);
          const level = faultLeafLevel(gfn, d.oldSpte);
          table.set(gfn, level, d.newSpte, ev.line, ev.ts, lanesByPid.get(ev.pid)?.id ?? 'host');
        }
        break;
      }
      case 'x86.kvm_mmu_spte_requested': {
        const ep = open.get(ev.pid);
        if (ep) ep.requested.push({ gfn: d.gfn, pfn: d.pfn, level: d.level, line: ev.line });
        break;
      }
      case 'x86.kvm_mmu_set_spte': {
        const ep = open.get(ev.pid);
        if (ep) {
          const before = flavour.tdpChanges === 0 ? table.get(d.gfn, d.level) : undefined;
          const actor = lanesByPid.get(ev.pid)?.id ?? 'host';
          const fresh = before && before.ts > lastHostTs && before.actor !== actor && decodeSpte(before.spte, d.level, table.format).present;
          ep.sets.push({ gfn: d.gfn, level: d.level, spte: d.spte, line: ev.line, prev: fresh ? { spte: before.spte, actor: before.actor, line: before.line, ts: before.ts } : undefined });
          decideWhatIf(ep);
        }
        // The TDP MMU's real old/new pairs come from kvm_tdp_mmu_spte_changed; set_spte may print a newer value.
        if (flavour.tdpChanges === 0) {
          const actor = lanesByPid.get(ev.pid)?.id ?? 'host';
          if (d.level < 3) {
            // The legacy MMU never splits: a 4 KiB set_spte inside a huge mapping means the huge SPTE was dropped.
            const huge = table.get(d.gfn, d.level + 1);
            if (huge && decodeSpte(huge.spte, d.level + 1, table.format).huge) {
              table.set(d.gfn, d.level + 1, 0n, ev.line, ev.ts, actor, true);
              faultSplits++;
              if (ep && ep.faultLine !== 0) ep.hugeDropped = { gfn: huge.gfn, level: d.level + 1, line: ev.line };
              droppedHuge.add(regionKey(huge.gfn, d.level + 1));
              marks.push({ ts: ev.ts, lane: actor, kind: 'split', line: ev.line, ipa: huge.gfn * 4096, size: bytesPerEntry(d.level + 1), label: `huge page dropped, refaulted small (${shadowPaging() ? 'shadow paging' : 'legacy MMU'})` });
            }
          }
          if (d.level >= 2 && droppedHuge.delete(regionKey(d.gfn, d.level))) {
            // A huge mapping again where one was dropped: the recovery after dirty logging (the zap is not traced).
            hugeRecovered++;
            counters.coalesces++;
            table.dropBelow(d.gfn, d.level, ev.line);
            marks.push({ ts: ev.ts, lane: actor, kind: 'coalesce', line: ev.line, ipa: alignGfn(d.gfn, d.level) * 4096, size: bytesPerEntry(d.level), label: 'huge page recovered' });
          }
          table.set(d.gfn, d.level, d.spte, ev.line, ev.ts, actor);
        }
        break;
      }
      case 'x86.kvm_tdp_mmu_spte_changed':
        onSpteChange(ev, d.gfn, d.level, d.oldSpte, d.newSpte);
        break;
      case 'x86.kvm_mmu_split_huge_page': {
        inc(seg().summary.splitEvents, `${d.errno === 0 ? 'ok' : `errno${d.errno}`}/L${d.level}`);
        const ep = open.get(ev.pid);
        if (ep && ep.faultLine !== 0) {
          ep.splits.push({ gfn: d.gfn, level: d.level, spte: d.spte, errno: d.errno, line: ev.line, ts: ev.ts });
          decideWhatIf(ep);
        } else noteHost(ev, `split L${d.level}${d.errno ? ` errno ${d.errno}` : ''}`);
        break;
      }
      case 'x86.kvm_mmu_get_page': {
        const ep = open.get(ev.pid);
        if (ep && d.created) ep.newPages++;
        break;
      }
      case 'x86.kvm_mmu_prepare_zap_page':
        if (!open.get(ev.pid)) noteHost(ev, `zap sp l${d.level}`);
        break;
      case 'x86.kvm_mmu_zap_all_fast':
        noteHost(ev, 'zap all (fast)');
        break;
      case 'x86.kvm_entry': {
        laneFor(ev.pid, ev.task, d.vcpu);
        const ep = open.get(ev.pid);
        if (ep) closeEpisode(ep, ev.ts);
        break;
      }
      case 'kvm.kvm_unmap_hva_range':
        lastUnmapTs = ev.ts;
        break;
      default:
        break;
    }
  }

  function finish(): X86ReplayOutput {
    for (const ep of [...open.values()]) closeEpisode(ep, ep.faultTs);
    flushHostRun();
    for (const s of segments) s.close();
    findings.sort((a, b) => a.line - b.line);
    const fl = flavour.result();
    // Eager page splitting is a TDP MMU feature (kernel-parameters.txt: "only supported when kvm.tdp_mmu=Y"): without
    // it the ioctls split nothing, whatever the parameter says (the real tdp_mmu=N / npt=0 runs with Y and N agree).
    const noTdpMmu = fl.flavour === 'legacy-tdp' || fl.flavour === 'shadow';
    const traceEager: 'Y' | 'N' | 'unknown' = hostSplits > 0 ? 'Y' : faultSplits > 0 || hostHugeWp > 0 || noTdpMmu ? 'N' : eagerFromMarker ?? 'unknown';
    const mode = whatIf.mode;
    // Splits as the replayed configuration has them.
    counters.splits.fault = faultSplits - whatIf.suppressedFaultSplits + whatIf.virtualFaultSplits;
    counters.splits.eager = hostSplits - whatIf.suppressedEagerSplits + whatIf.virtualEagerSplits;
    const detected: string[] = [`arch: x86 (${fl.why})`];
    if (fl.rootLevel)
      detected.push(fl.flavour === 'shadow'
        ? `paging levels: ${fl.rootLevel} (shadow root at level ${fl.rootLevel}: the guest's own paging mode)`
        : `paging levels: ${fl.rootLevel} (root SPTEs at level ${fl.rootLevel}: ${gpaBitsForRootLevel(fl.rootLevel)}-bit guest physical addresses)`);
    detected.push(`SPTE layout: ${fl.format === 'ept' ? 'EPT (A bit 8, D bit 9, Host-/MMU-writable bits 57/58)' : 'NPT/x86 page-table bits (A bit 5, D bit 6, Host-/MMU-writable bits 9/10)'}; present = bit 11`);
    const eagerWhy = hostSplits > 0
      ? `the dirty-log ioctls split ${hostSplits} huge page(s) themselves`
      : noTdpMmu
        ? `eager page splitting needs the TDP MMU (kvm.tdp_mmu=Y): the ${fl.flavour === 'shadow' ? 'shadow-paging' : 'legacy'} MMU drops huge pages in the fault path instead (${faultSplits} here)${eagerFromMarker ? `, whatever eager_page_split says (marker: ${eagerFromMarker})` : ''}`
        : faultSplits > 0 || hostHugeWp > 0
        ? `the ioctls write-protected ${hostHugeWp} huge SPTE(s) and vCPUs split ${faultSplits} in the fault path`
        : eagerFromMarker ? `marker: eager_page_split=${eagerFromMarker}` : 'no splitting seen';
    detected.push(`eager page split: ${traceEager} in the trace (${eagerWhy})${mode === 'as-trace' ? '' : `; replayed as if eager_page_split=${mode === 'on' ? 'Y' : 'N'} (${whatIf.virtualEagerSplits + whatIf.suppressedEagerSplits} huge page(s) handled differently)`}`);
    if (mode === 'on' && fl.flavour !== 'tdp-mmu') detected.push('eager-split what-if needs kvm_tdp_mmu_spte_changed (the TDP MMU) to see which huge SPTEs the ioctl protected; nothing was changed');
    if (remoteFlushes > 0) detected.push(`remote TLB flushes (kvm_flush_remote_tlbs* probes): ${counters.tlbi.vmid} whole-VM, ${counters.tlbi.range} ranged`);
    if (hugeRecovered > 0) detected.push(`huge pages recovered after dirty logging stopped: ${hugeRecovered} (zap of the 4 KiB SPTEs, then ${hugeRecovered} huge refault(s))`);
    if (inferredFastFaults > 0) detected.push(`fast page faults inferred from the model (fast_page_fault absent): ${inferredFastFaults}${untracedProtects > 0 ? `, ${untracedProtects} of them after a write-protection the trace does not show` : ''}`);
    const x3Total = Object.values(fastPathFailures).reduce((a, b) => a + b, 0);
    if (x3Total > 0) {
      const inherited = fastPathFailures['not-mmu-writable-inherited-from-split'] ?? 0;
      const why = inherited > 0
        ? `; ${inherited} 4 KiB SPTEs lack MMU-writable because their huge parents were write-protected with kvm_mmu_slot_gfn_write_protect (KVM_CLEAR_DIRTY_LOG with manual protect and eager_page_split=N) and split children inherit the bit, so only the slow path may unprotect them; eager splitting at KVM_CLEAR_DIRTY_LOG splits first and keeps MMU-writable`
        : '';
      detected.push(`fast-path failures (X3): ${x3Total} — ${Object.entries(fastPathFailures).map(([k, v]) => `${k} ${v}`).join(', ')}${why}`);
    }
    if (loggingOn) detected.push('dirty logging was still on at the end of the trace');
    const sinkNote = sink.droppedNote();
    if (sinkNote) detected.push(sinkNote);
    const dropNote = marks.droppedNote();
    if (dropNote) detected.push(dropNote);
    if (table.historyTruncated) detected.push('SPTE history for hovers truncated (very long trace)');

    const rootLevel = fl.rootLevel ?? 4;
    const resolved: ModelConfig = {
      ...config,
      arch: 'x86',
      granule: 4096,
      ipaBits: fl.rootLevel ? gpaBitsForRootLevel(rootLevel) : config.ipaBits,
      eagerSplitChunk: config.eagerSplitChunk === 'auto' ? (traceEager === 'Y' ? 2 * 1024 * 1024 : traceEager === 'N' ? 0 : 'auto') : config.eagerSplitChunk,
    };
    const coverage: CoverageItem[] = flavourCoverage(fl, { fastFaults: fastSeen, splitEvents: hostSplits + faultSplits });
    const supported = coverage.filter((c) => c.support !== 'none').map((c) => `${c.analysis} (${c.support})`);
    const notApplicable = coverage.filter((c) => c.support === 'none').map((c) => c.analysis);
    detected.splice(1, 0, `${fl.flavour} supports: ${supported.join(', ') || 'nothing'}${notApplicable.length ? `; not on x86 / not in this trace: ${notApplicable.join(', ')}` : ''}`);

    const lanes = [...laneOrder].sort((a, b) => a.vcpu - b.vcpu).map((l) => ({ id: l.id, label: l.id }));
    lanes.push({ id: 'host', label: 'host' });

    function stateAt(line: number, ipa: number): EntryState | undefined {
      const gfn = Math.floor(ipa / 4096);
      for (let level = 1; level <= 5; level++) {
        const h = table.valueAt(gfn, level, line);
        if (!h) continue;
        const info = decodeSpte(h.spte, level, table.format);
        if (!info.present) {
          if (level === 1) return { ipa, level, leaf: 'invalid', size: 4096, perms: '---', mappedAtLine: undefined, mappedBy: undefined, invalidWindowOpen: false, lastCmoLine: undefined, observed: true };
          continue;
        }
        if (info.leaf)
          return { ipa, level, leaf: level === 1 ? 'page' : 'block', size: bytesPerEntry(level), perms: sptePerms(h.spte, level, table.format), mappedAtLine: h.line, mappedBy: h.actor, invalidWindowOpen: false, lastCmoLine: undefined, observed: true };
        if (h.splitFrom !== undefined)
          return { ipa, level: level - 1, leaf: 'page', size: bytesPerEntry(level - 1), perms: sptePerms(h.splitFrom, level, table.format), mappedAtLine: h.line, mappedBy: h.actor, invalidWindowOpen: false, lastCmoLine: undefined, observed: false };
        return { ipa, level, leaf: 'table', size: bytesPerEntry(level), perms: '---', mappedAtLine: h.line, mappedBy: h.actor, invalidWindowOpen: false, lastCmoLine: undefined, observed: true };
      }
      return undefined;
    }

    return {
      findings,
      counters,
      marks,
      lanes,
      detected,
      config: resolved,
      coverage,
      stateAt,
      internalErrors: errors.result(),
      x86: {
        flavour: fl,
        segments: segments.map((s) => s.summary).filter((s) => s.faults > 0 || s.label !== '(start)' || Object.keys(s.transitions).length > 0),
        eagerSplit: { trace: traceEager, replayed: mode, hostSplits, faultSplits, hostHugeWriteProtects: hostHugeWp, divergentRegions: whatIf.virtualEagerSplits + whatIf.suppressedEagerSplits },
        fastPathFailures,
        hugePagesRecovered: hugeRecovered,
        inferredFastFaults,
      },
    };
  }

  return { event, finish };
}

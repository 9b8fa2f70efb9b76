// What a report may say about a trace, decided once for every output (text, Markdown, JSON, the
// language server's summary): every number here is observed (counted from trace lines), derived
// by a rule stated next to it, or labelled as the model's prediction.
//
// - Faults are grouped by the nature the catalog gives their class (src/core/catalog/findings.ts);
//   unclassified faults are the needed ones. A fault is avoidable only when a lever that exists,
//   replayed on the same trace (`leverResults`), removes it: none is called avoidable otherwise.
// - Fault times are the exit-to-entry intervals of the faults the timeline holds (kvm_exit to the
//   same vCPU thread's next kvm_entry): median, p90 and sum per class, next to the trace's span and
//   its vCPU-thread and CPU counts. When the times cannot be the fault path's alone (more vCPU
//   threads than CPUs, a median far beyond a real stage-2 fault's, or a sum larger than the threads
//   could have spent) the report says why and ranks by count.
// - TLB invalidations and cache maintenance: the probe lines' counts when the trace has the probes,
//   with the model's prediction beside them; otherwise only the prediction, labelled as such.
import type { Analysis } from '../api';
import type { Arch, FindingClass } from '../domain/types';
import type { Stage2Op } from '../parse/types';
import { MARK_CLASSES, MARK_KINDS } from '../marks/markStore';
import { CLASS_ORDER, checkableLevers, findingEntry, isSpurious, type FindingNature, type Lever } from '../catalog/findings';
import { plural } from '../util/plural';

/**
 * Handling a stage-2 fault on real hardware takes microseconds to tens of microseconds from exit to
 * entry; a first touch that zeroes a 2 MiB block takes a few hundred. A median above the first or a
 * p90 above the second says the times hold something else (preemption, a nested or emulated host).
 */
export const REAL_FAULT_MEDIAN_CEILING_NS = 100_000;
export const REAL_FAULT_P90_CEILING_NS = 2_000_000;

export interface TimeStats {
  count: number;
  medianNs: number;
  p90Ns: number;
  sumNs: number;
}

export interface LeverResult {
  cls: FindingClass;
  preset: string;
  lever: Lever;
  /** How many of the class's faults (or bytes, for CMO classes) the what-if replay no longer has. */
  removed: number;
  of: number;
  unit: 'faults' | 'bytes';
  /** `lines`: the faults the what-if replay avoids, by trace line; `counts`: the class count fell and the total fault count fell as far. */
  rule: 'lines' | 'counts';
}

export interface NatureGroup {
  nature: FindingNature;
  count: number;
  classes: { cls: FindingClass; count: number }[];
}

export interface TlbiCounts {
  ipa: number;
  ipaNsh: number;
  range: number;
  vmid: number;
}

export interface Verdicts {
  /** What the trace holds when it has nothing to judge (no KVM event, no fault), else undefined. */
  nothingToJudge: string | undefined;
  faults: {
    total: number;
    /** Faults no class applies to: the work was needed. */
    needed: number;
    /** Spurious faults: the handler found nothing to do (inherent races). */
    spurious: number;
    byNature: NatureGroup[];
    /** undefined: no lever was checked (`leverResults` not run on this analysis). */
    levers: LeverResult[] | undefined;
    avoidable: number | undefined;
  };
  time: {
    spanNs: number;
    vcpuThreads: number;
    cpus: number;
    all: TimeStats | undefined;
    byClass: (TimeStats & { cls: FindingClass })[];
    /** Why the times are not the fault path's alone; empty when nothing says so. */
    caveats: string[];
    rankBy: 'time' | 'count';
    /** Faults the timeline did not keep (huge traces): their times are not in the figures. */
    notTimed: number;
  };
  tlbi: { observed: TlbiCounts | undefined; model: TlbiCounts; mismatches: string[] };
  cmo: {
    observed: { dcache: number; icache: number } | undefined;
    model: { calls: number; dcacheBytes: number; icacheBytes: number };
    /** Set when the probe lines' calls differ from the model's: what differs (a gap in the model). */
    mismatch?: string;
    redundant: { cls: FindingClass; calls: number; bytes: number }[];
    noop: { cls: FindingClass; calls: number; bytes: number }[];
  };
}

function timeStats(values: number[]): TimeStats | undefined {
  if (!values.length) return undefined;
  const v = Float64Array.from(values).sort();
  const at = (q: number): number => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  let sum = 0;
  for (const x of v) sum += x;
  return { count: v.length, medianNs: at(0.5), p90Ns: at(0.9), sumNs: sum };
}

const FAULT_KIND = MARK_KINDS.indexOf('fault');

function faultTimes(a: Analysis): { all: number[]; byClass: Map<FindingClass, number[]> } {
  const all: number[] = [];
  const byClass = new Map<FindingClass, number[]>();
  const m = a.marks;
  for (let i = 0; i < m.length; i++) {
    if (m.kindAt(i) !== FAULT_KIND) continue;
    const d = m.endAt(i) - m.tsAt(i);
    if (!(d >= 0)) continue;
    all.push(d);
    const code = m.clsAt(i);
    if (code === 0) continue;
    const cls = MARK_CLASSES[code - 1];
    let list = byClass.get(cls);
    if (!list) byClass.set(cls, (list = []));
    list.push(d);
  }
  return { all, byClass };
}

function fmtUs(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(1)} us`;
}

/** Calls of an operation seen in the trace (TraceStats.ops: one per call, whatever lines show it). */
function callsSeen(a: Analysis, op: Stage2Op): number {
  return a.stats.ops?.[op] ?? 0;
}

function observedTlbi(a: Analysis): TlbiCounts | undefined {
  if (!a.coverage.some((c) => c.analysis === 'tlb-cost' && c.support === 'observed')) return undefined;
  // x86: the replay counts the remote-flush probe lines themselves (it predicts none).
  if (a.arch === 'x86') return { ...a.counters.tlbi };
  return { ipa: callsSeen(a, 'tlbi-ipa'), ipaNsh: callsSeen(a, 'tlbi-ipa-nsh'), range: callsSeen(a, 'tlbi-range'), vmid: callsSeen(a, 'tlbi-vmid') };
}

function nothingToJudge(a: Analysis): string | undefined {
  if (a.counters.faults.total > 0 || a.findings.length > 0) return undefined;
  const events = Object.entries(a.stats.events).sort((x, y) => y[1] - x[1]);
  const kvm = events.filter(([name]) => name.startsWith('kvm'));
  const top = (list: [string, number][]): string => list.slice(0, 4).map(([n, c]) => `${n} ${c}`).join(', ');
  const lacks = a.stats.lacks.length ? ` ${a.stats.lacks[0]}` : '';
  if (!kvm.length) {
    return `Nothing to judge: the trace holds ${plural(a.stats.lines.events, 'event')} (${top(events)}) and no KVM event. A stage-2 analysis needs kvm_exit/kvm_entry with kvm_guest_fault (arm64) or kvm_page_fault (x86); stage2-lens record-script writes a script that records them.`;
  }
  return `Nothing to judge: the trace holds ${kvm.reduce((s, [, c]) => s + c, 0)} KVM events (${top(kvm)}) and no stage-2 fault.${lacks}`;
}

export function verdicts(a: Analysis, levers?: LeverResult[]): Verdicts {
  const c = a.counters;
  const byClass = c.faults.byClass;
  const groups = new Map<FindingNature, NatureGroup>();
  let classified = 0;
  let spurious = 0;
  for (const cls of CLASS_ORDER) {
    const n = byClass[cls] ?? 0;
    const e = findingEntry(cls, a.arch);
    if (!n || e.subject !== 'fault') continue;
    classified += n;
    if (isSpurious(cls)) spurious += n;
    let g = groups.get(e.nature);
    if (!g) groups.set(e.nature, (g = { nature: e.nature, count: 0, classes: [] }));
    g.count += n;
    g.classes.push({ cls, count: n });
  }
  // Per class the best lever (two levers removing the same faults are not added up).
  const bestByClass = new Map<FindingClass, number>();
  for (const l of levers ?? []) if (l.unit === 'faults') bestByClass.set(l.cls, Math.max(bestByClass.get(l.cls) ?? 0, l.removed));
  const avoidable = levers ? [...bestByClass.values()].reduce((s, n) => s + n, 0) : undefined;

  const times = faultTimes(a);
  const all = timeStats(times.all);
  const spanNs = a.stats.firstTs !== undefined && a.stats.lastTs !== undefined ? a.stats.lastTs - a.stats.firstTs : 0;
  const vcpuThreads = a.lanes.filter((l) => l.id !== 'host').length;
  const cpus = a.stats.cpus ?? 0;
  const caveats: string[] = [];
  if (cpus > 0 && vcpuThreads > cpus) caveats.push(`the trace has ${plural(vcpuThreads, 'vCPU thread')} on ${plural(cpus, 'CPU')}: a thread's time from exit to entry includes the time it waited for a CPU`);
  if (all && (all.medianNs > REAL_FAULT_MEDIAN_CEILING_NS || all.p90Ns > REAL_FAULT_P90_CEILING_NS))
    caveats.push(`the median fault took ${fmtUs(all.medianNs)} and the p90 ${fmtUs(all.p90Ns)} from exit to entry, far beyond a stage-2 fault's handling (microseconds to tens of microseconds): the times include preemption or emulation (a nested or emulated host)`);
  if (all && spanNs > 0 && all.sumNs > vcpuThreads * spanNs) caveats.push(`the exit-to-entry times add up to more than ${vcpuThreads} vCPU threads x the ${fmtUs(spanNs)} span: intervals overlap (a lost kvm_entry, or lanes merged)`);
  const byClassTimes = CLASS_ORDER.flatMap((cls) => {
    const s = timeStats(times.byClass.get(cls) ?? []);
    return s ? [{ cls, ...s }] : [];
  });
  const timed = times.all.length;

  const model = { ipa: c.tlbi.ipa, ipaNsh: c.tlbi.ipaNsh, range: c.tlbi.range, vmid: c.tlbi.vmid };
  const observed = observedTlbi(a);
  const mismatches: string[] = [];
  if (observed) {
    const names: [keyof TlbiCounts, string][] = a.arch === 'x86' ? [] : [['ipa', 'by IPA'], ['ipaNsh', 'local'], ['range', 'range'], ['vmid', 'whole-VMID']];
    for (const [k, label] of names) if (observed[k] !== model[k]) mismatches.push(`${label}: the trace has ${observed[k]}, the model predicts ${model[k]}`);
  }

  const dcache = callsSeen(a, 'dcache-clean');
  const icache = callsSeen(a, 'icache-inval');
  const cmoObserved = a.coverage.some((x) => x.analysis === 'cmo-redundancy' && x.support === 'observed') || dcache + icache > 0 ? { dcache, icache } : undefined;
  const redundant: Verdicts['cmo']['redundant'] = [];
  const noop: Verdicts['cmo']['noop'] = [];
  for (const cls of CLASS_ORDER) {
    const e = findingEntry(cls, a.arch);
    const calls = c.cmo.callsByClass?.[cls] ?? 0;
    const bytes = c.cmo.redundantBytesByClass[cls] ?? 0;
    if (e.subject !== 'cmo' || (!calls && !bytes)) continue;
    (e.nature === 'no-op' ? noop : redundant).push({ cls, calls, bytes });
  }

  const cmoCallsSeen = cmoObserved ? cmoObserved.dcache + cmoObserved.icache : undefined;
  const cmoMismatch = cmoCallsSeen !== undefined && cmoCallsSeen !== c.cmo.calls ? `the trace has ${cmoCallsSeen} calls, the model predicts ${c.cmo.calls}` : undefined;

  return {
    nothingToJudge: nothingToJudge(a),
    faults: { total: c.faults.total, needed: Math.max(0, c.faults.total - classified), spurious, byNature: [...groups.values()], levers, avoidable },
    time: { spanNs, vcpuThreads, cpus, all, byClass: byClassTimes, caveats, rankBy: caveats.length ? 'count' : 'time', notTimed: Math.max(0, c.faults.total - timed) },
    tlbi: { observed, model, mismatches },
    cmo: { observed: cmoObserved, model: { calls: c.cmo.calls, dcacheBytes: c.cmo.dcacheCleanBytes, icacheBytes: c.cmo.icacheInvalBytes }, ...(cmoMismatch ? { mismatch: cmoMismatch } : {}), redundant, noop },
  };
}

/** The presets to replay so that `leverResults` can say what is avoidable: the checkable levers of the classes present. */
export function leverPresets(a: Analysis): string[] {
  const present = CLASS_ORDER.filter((cls) => (a.counters.faults.byClass[cls] ?? 0) + (a.counters.cmo.redundantBytesByClass[cls] ?? 0) + (a.counters.cmo.callsByClass?.[cls] ?? 0) > 0);
  return leverPresetsOf(present, a.arch);
}

/** The presets of the checkable levers of these classes, in the catalog's class order. */
export function leverPresetsOf(classes: Iterable<FindingClass>, arch: Arch): string[] {
  const has = new Set(classes);
  const out = new Set<string>();
  for (const cls of CLASS_ORDER) if (has.has(cls)) for (const l of checkableLevers(cls, arch)) out.add(l.preset!);
  return [...out];
}

/** What leverResults reads of a what-if replay: its counters and the faults it avoids. */
export type LeverWhatIf = Pick<Analysis, 'counters' | 'avoidedFaults'>;

/**
 * What each checkable lever removes, from what-if replays of the same trace (`leverPresets(a)`,
 * each replayed on top of a's own configuration). Faults: those of the class in `a` that the
 * what-if avoids by trace line (arm64 keeps that list); without it, the fall of the class count,
 * bounded by the fall of the total fault count (a fault that only changes class is not removed).
 * CMO classes: the fall of the class's redundant bytes.
 */
export function leverResults(a: Analysis, whatIfs: ReadonlyMap<string, LeverWhatIf>): LeverResult[] {
  const out: LeverResult[] = [];
  const faultClassOfLine = new Map<number, FindingClass>();
  const m = a.marks;
  for (let i = 0; i < m.length; i++) {
    const code = m.clsAt(i);
    if (code !== 0 && m.kindAt(i) === FAULT_KIND) faultClassOfLine.set(m.lineAt(i), MARK_CLASSES[code - 1]);
  }
  for (const cls of CLASS_ORDER) {
    const e = findingEntry(cls, a.arch);
    for (const lever of checkableLevers(cls, a.arch)) {
      const b = whatIfs.get(lever.preset!);
      if (!b) continue;
      if (e.subject === 'cmo') {
        const of = a.counters.cmo.redundantBytesByClass[cls] ?? 0;
        if (!of) continue;
        out.push({ cls, preset: lever.preset!, lever, removed: Math.max(0, of - (b.counters.cmo.redundantBytesByClass[cls] ?? 0)), of, unit: 'bytes', rule: 'counts' });
        continue;
      }
      const of = a.counters.faults.byClass[cls] ?? 0;
      if (!of) continue;
      if (b.avoidedFaults) {
        let removed = 0;
        for (const f of b.avoidedFaults) if (faultClassOfLine.get(f.line) === cls) removed++;
        out.push({ cls, preset: lever.preset!, lever, removed, of, unit: 'faults', rule: 'lines' });
      } else {
        const classFall = of - (b.counters.faults.byClass[cls] ?? 0);
        const totalFall = a.counters.faults.total - b.counters.faults.total;
        out.push({ cls, preset: lever.preset!, lever, removed: Math.max(0, Math.min(classFall, totalFall)), of, unit: 'faults', rule: 'counts' });
      }
    }
  }
  return out;
}

/** The x86 MMUs without the TDP MMU: they never split huge pages (they drop them), so eager splitting does nothing. */
export function x86WithoutTdpMmu(a: Analysis): 'legacy' | 'shadow' | undefined {
  const f = a.x86?.flavour;
  // A legacy MMU only assumed (no SPTE events) is no evidence that the TDP MMU was off
  return f?.flavour === 'legacy-tdp' && !f.assumed ? 'legacy' : f?.flavour === 'shadow' ? 'shadow' : undefined;
}

/** What an x86 fault is: an EPT violation (VMX) or #NPF (SVM), or under shadow paging the guest's own #PF, intercepted. */
export function x86FaultLabel(a: Analysis): string {
  if (x86WithoutTdpMmu(a) === 'shadow') return 'guest page faults (#PF, shadow paging)';
  const paging = a.x86?.flavour.paging;
  return paging === 'ept' ? 'EPT faults' : paging === 'npt' ? 'NPT faults' : 'NPT/EPT faults';
}

// Shared pieces of the human-readable reports (text and Markdown): findings grouped by class in
// catalogue order with a few examples each, and the headline counts. Keeps both formats in step.
import type { Analysis } from '../api';
import type { Counters, Finding, FindingClass } from '../domain/types';
import { CLASS_ORDER, describeAvailability, findingEntry, NATURE_TITLE, NATURE_TITLE_ONE, type FindingNature } from '../catalog/findings';
import { x86FaultLabel, x86WithoutTdpMmu, type LeverResult, type TimeStats, type TlbiCounts, type Verdicts } from '../analysis/verdicts';
import { plural } from '../util/plural';

export interface ClassGroup {
  cls: FindingClass;
  code: string;
  title: string;
  nature: FindingNature;
  subject: 'fault' | 'cmo' | 'change';
  /** Exact: faults or calls of the class (the findings list is capped per class on huge traces). */
  count: number;
  /** Findings of the class in the (capped) findings list, and how many of those the trace shows directly. */
  listed: number;
  observed: number;
  bytes: number;
  time: (TimeStats & { cls: FindingClass }) | undefined;
  levers: LeverResult[];
  examples: Finding[];
}

/** The invalid time of the windows, saying which of them no line times (the eager splits without break/make probes). */
function windowTime(w: Counters['invalidWindows']): string {
  if (w.untimed === 0) return `${fmtNs(w.totalNs)} invalid in total`;
  if (w.untimed === w.count) return 'all of them eager splits, which no line times';
  return `${fmtNs(w.totalNs)} invalid in the ${w.count - w.untimed} timed; ${w.untimed} eager splits, which no line times`;
}

export function groupFindings(a: Analysis, v: Verdicts, examplesPerClass = 3): ClassGroup[] {
  const groups = new Map<FindingClass, ClassGroup>();
  for (const f of a.findings) {
    let g = groups.get(f.cls);
    if (!g) {
      const e = findingEntry(f.cls, a.arch);
      g = {
        cls: f.cls, code: e.code, title: e.title, nature: e.nature, subject: e.subject, count: 0, listed: 0, observed: 0, bytes: 0,
        time: v.time.byClass.find((t) => t.cls === f.cls), levers: (v.faults.levers ?? []).filter((l) => l.cls === f.cls), examples: [],
      };
      groups.set(f.cls, g);
    }
    g.count++;
    g.listed++;
    if (f.observed) g.observed++;
    if (g.subject === 'cmo') g.bytes += f.ipa?.size ?? 0;
    if (g.examples.length < examplesPerClass) g.examples.push(f);
  }
  for (const g of groups.values()) {
    const exact = g.subject === 'cmo' ? a.counters.cmo.callsByClass?.[g.cls] : a.counters.faults.byClass[g.cls];
    g.count = Math.max(g.count, exact ?? 0);
    // the exact redundant bytes of every call of the class (a re-clean, C4, counts only what was mapped before)
    if (g.subject === 'cmo') g.bytes = a.counters.cmo.redundantBytesByClass[g.cls] ?? g.bytes;
  }
  const rank = (g: ClassGroup): number => CLASS_ORDER.indexOf(g.cls);
  // Ranked by time only when the times are the fault path's (verdicts' caveats), else catalog order.
  return [...groups.values()].sort((x, y) =>
    v.time.rankBy === 'time' && x.subject === 'fault' && y.subject === 'fault' ? (y.time?.sumNs ?? 0) - (x.time?.sumNs ?? 0) || rank(x) - rank(y) : rank(x) - rank(y));
}

export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} us`;
  return `${ns} ns`;
}

export function fmtBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(1)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(0)} KiB`;
  return `${b} B`;
}

function timeText(t: TimeStats): string {
  return `median ${fmtNs(t.medianNs)}, p90 ${fmtNs(t.p90Ns)}, sum ${fmtNs(t.sumNs)} over ${plural(t.count, 'fault')}`;
}

/** A lever's result on this trace, with the command that shows it. */
export function leverResultText(l: LeverResult, source: string): string {
  const what = l.unit === 'bytes' ? `${fmtBytes(l.removed)} of ${fmtBytes(l.of)}` : `${l.removed} of ${l.of}`;
  return `${l.lever.text}: ${describeAvailability(l.lever.availability)}; the model's what-if replay of this trace removes ${what} (stage2-lens compare ${source} --b ${l.preset})`;
}

/** The summary lines every human-readable report starts with: each observed, derived by a stated rule, or labelled as the model's. */
export function headline(a: Analysis, v: Verdicts, source = '<file>'): string[] {
  if (v.nothingToJudge) return [v.nothingToJudge];
  const out: string[] = [];
  const f = v.faults;
  const faultNoun = a.arch === 'x86' ? x86FaultLabel(a) : 'stage-2 faults';
  const parts = [`${f.needed} needed (no finding class applies)`];
  for (const g of f.byNature) parts.push(`${g.count} ${(g.count === 1 ? NATURE_TITLE_ONE : NATURE_TITLE)[g.nature]} (${g.classes.map((c) => `${c.cls} ${c.count}`).join(', ')})`);
  out.push(`${f.total} ${faultNoun}: ${parts.join('; ')}`);
  // L1 is about time a fault spent, not about whether it was needed: it is said apart.
  const lock = a.mmuLock;
  if (lock?.support === 'observed' && lock.waits.inFaults > 0) {
    out.push(`${plural(lock.waits.inFaults, 'wait')} for kvm->mmu_lock inside these faults (L1); vCPU threads waited ${fmtNs(lock.waits.sumNs)} for it in all, as measured (MMU lock, below)`);
  }
  if (f.levers === undefined) out.push('avoidable: not checked (no what-if replay was run)');
  else if (!f.levers.some((l) => l.unit === 'faults')) out.push('avoidable: none (no lever that exists applies to these faults)');
  else {
    const removing = f.levers.filter((l) => l.unit === 'faults' && l.removed > 0);
    const tried = f.levers.filter((l) => l.unit === 'faults').map((l) => `${l.preset} for ${l.cls}`);
    out.push(removing.length
      ? `avoidable, by the model's what-if replays of this trace: ${f.avoidable} (${removing.map((l) => `${l.cls} ${l.removed} by ${l.preset}: stage2-lens compare ${source} --b ${l.preset}`).join('; ')})`
      : `avoidable: none (what-if replays of the levers that exist remove no fault: ${tried.join(', ')})`);
  }
  const t = v.time;
  const span = `${fmtNs(t.spanNs)} span, ${plural(t.vcpuThreads, 'vCPU thread')}, ${t.cpus ? plural(t.cpus, 'CPU') : 'CPUs unknown'} in the trace`;
  if (t.all) {
    out.push(`exit to entry (kvm_exit to the vCPU's next kvm_entry): ${timeText(t.all)}; ${span}${t.notTimed ? `; ${plural(t.notTimed, 'fault')} not timed (not kept for the timeline)` : ''}`);
    if (t.caveats.length) out.push(`  these times are not the fault path's alone: ${t.caveats.join('; ')}. Classes are ranked by count.`);
  }
  if (a.arch === 'x86') {
    const recovered = a.x86?.hugePagesRecovered ?? a.counters.coalesces;
    const noTdpMmu = x86WithoutTdpMmu(a);
    const o = v.tlbi.observed;
    out.push(o ? `TLB flushes (kvm_flush_remote_tlbs* probe lines): ${o.ipa + o.ipaNsh + o.range} ranged, ${o.vmid} whole-VM` : 'TLB flushes: not in the trace (no kvm_flush_remote_tlbs* probes)');
    const c = a.counters;
    out.push(noTdpMmu
      ? `${c.splits.fault} huge pages dropped in the fault path and refaulted at 4 KiB (the ${noTdpMmu === 'shadow' ? 'shadow-paging' : 'legacy'} MMU never splits them), ${recovered} huge-page recoveries`
      : `${c.splits.fault} huge-page splits in the fault path, ${c.splits.eager} eager splits, ${recovered} huge-page recoveries`);
    return out;
  }
  const cm = v.cmo;
  const fwbAssumed = a.detected.some((d) => d.startsWith('fwb: unknown'));
  const predicted = `the model predicts ${plural(cm.model.calls, 'call')}, ${fmtBytes(cm.model.dcacheBytes)} D-cache cleaned${fwbAssumed ? ' (FWB unknown, assumed off)' : ''}, ${fmtBytes(cm.model.icacheBytes)} I-cache invalidated`;
  out.push(cm.observed
    ? `cache maintenance (probe lines): ${cm.observed.dcache} clean_dcache_guest_page, ${cm.observed.icache} invalidate_icache_guest_page; ${predicted}`
    : `cache maintenance: not in the trace (no clean_dcache_guest_page / invalidate_icache_guest_page probes); ${predicted}`);
  if (cm.mismatch) out.push(`  a mismatch, which points at a gap in the model: ${cm.mismatch}`);
  if (cm.redundant.length) out.push(`redundant cache maintenance: ${cm.redundant.map((r) => `${r.cls} ${plural(r.calls, 'call')}, ${fmtBytes(r.bytes)}`).join('; ')}${fwbAssumed ? ' (if the CPU has FWB, these D-cache cleans return at once and cost nothing)' : ''}`);
  if (cm.noop.length) out.push(`no-op calls (return at once on this CPU, not a cost): ${cm.noop.map((r) => `${r.cls} ${plural(r.calls, 'call')}`).join('; ')}`);
  const m = v.tlbi.model;
  const kinds = (x: TlbiCounts): string => `${x.ipa} by IPA (broadcast), ${x.ipaNsh} local, ${x.range} range, ${x.vmid} whole-VMID`;
  if (v.tlbi.observed) {
    out.push(`TLB invalidations (probe lines): ${kinds(v.tlbi.observed)}`);
    out.push(v.tlbi.mismatches.length ? `  the model predicts ${kinds(m)}: a mismatch, which points at a gap in the model (${v.tlbi.mismatches.join('; ')})` : '  the model predicts the same');
  } else out.push(`TLB invalidations: not in the trace (no __kvm_tlb_flush_vmid* probe lines; on an nVHE host they run at EL2, out of the tracer's sight); the model predicts ${kinds(m)}`);
  const c = a.counters;
  const splitting = a.coverage.find((x) => x.analysis === 'splitting')?.support === 'observed' ? '' : ' (model)';
  const windows = a.coverage.find((x) => x.analysis === 'invalid-windows')?.support === 'observed' ? 'observed' : 'inferred';
  out.push(`${plural(c.splits.fault, 'split')} in the fault path, ${plural(c.splits.eager, 'eager split')}, ${plural(c.coalesces, 'table->block collapse')}${splitting}; ${plural(c.invalidWindows.count, 'break-before-make window')} (${windows}, ${windowTime(c.invalidWindows)})`);
  return out;
}

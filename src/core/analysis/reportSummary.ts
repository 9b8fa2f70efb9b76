// Shared pieces of the human-readable reports (text and Markdown): findings grouped by class in
// catalogue order with a few examples each, and the headline counts. Keeps both formats in step.
import type { Analysis } from '../api';
import type { Finding, FindingClass } from './types';
import { CLASS_ORDER, findingKind } from './findingCatalog';

export interface ClassGroup {
  cls: FindingClass;
  code: string;
  title: string;
  expected: boolean;
  count: number;
  observed: number;
  costNs: number;
  bytes: number;
  examples: Finding[];
}

export function groupFindings(a: Analysis, examplesPerClass = 3): ClassGroup[] {
  const groups = new Map<FindingClass, ClassGroup>();
  for (const f of a.findings) {
    let g = groups.get(f.cls);
    if (!g) {
      const k = findingKind(f.cls);
      g = { cls: f.cls, code: k.code, title: k.title, expected: k.expected, count: 0, observed: 0, costNs: 0, bytes: 0, examples: [] };
      groups.set(f.cls, g);
    }
    g.count++;
    if (f.observed) g.observed++;
    g.costNs += f.costNs ?? 0;
    if (f.cls[0] === 'C') g.bytes += f.ipa?.size ?? 0;
    if (g.examples.length < examplesPerClass) g.examples.push(f);
  }
  // Stored findings are capped per class on huge traces; the fault counters are exact.
  for (const g of groups.values()) g.count = Math.max(g.count, a.counters.faults.byClass[g.cls] ?? 0);
  return [...groups.values()].sort((x, y) => CLASS_ORDER.indexOf(x.cls) - CLASS_ORDER.indexOf(y.cls));
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

/** The x86 MMUs without the TDP MMU: they never split huge pages (they drop them), so eager splitting does nothing. */
export function x86WithoutTdpMmu(a: Analysis): 'legacy' | 'shadow' | undefined {
  const f = a.x86?.flavour.flavour;
  return f === 'legacy-tdp' ? 'legacy' : f === 'shadow' ? 'shadow' : undefined;
}

/** What an x86 fault is: an NPT/EPT violation, or under shadow paging the guest's own #PF, intercepted. */
export function x86FaultLabel(a: Analysis): string {
  return x86WithoutTdpMmu(a) === 'shadow' ? 'guest page faults (#PF, shadow paging)' : 'NPT/EPT faults';
}

export function headline(a: Analysis): string[] {
  const c = a.counters;
  const spurious = Object.entries(c.faults.byClass)
    .filter(([k]) => k[0] === 'S' && !findingKind(k as FindingClass).expected)
    .reduce((s, [, v]) => s + (v ?? 0), 0);
  const spuriousNs = Object.entries(c.costNsByClass)
    .filter(([k]) => k[0] === 'S' && !findingKind(k as FindingClass).expected)
    .reduce((s, [, v]) => s + (v ?? 0), 0);
  const redundant = Object.values(c.cmo.redundantBytesByClass).reduce((s, v) => s + (v ?? 0), 0);
  const t = c.tlbi;
  if (a.arch === 'x86') {
    const recovered = a.x86?.hugePagesRecovered ?? c.coalesces;
    const noTdpMmu = x86WithoutTdpMmu(a);
    return [
      `${c.faults.total} ${x86FaultLabel(a)}, ${spurious} avoidable (spurious faults cost ${fmtNs(spuriousNs)} of vCPU time)`,
      t.ipa + t.ipaNsh + t.range + t.vmid > 0
        ? `TLB flushes: ${t.ipa + t.ipaNsh + t.range} ranged, ${t.vmid} whole-VM`
        : a.coverage.some((c) => c.analysis === 'tlb-cost' && c.support === 'observed')
          ? 'TLB flushes: none (the remote-flush probes never fired)'
          : 'TLB flushes: none counted (the trace has no remote-flush probes)',
      noTdpMmu
        ? `${c.splits.fault} huge pages dropped in the fault path and refaulted at 4 KiB (the ${noTdpMmu === 'shadow' ? 'shadow-paging' : 'legacy'} MMU never splits them), ${recovered} huge-page recoveries`
        : `${c.splits.fault} huge-page splits in the fault path, ${c.splits.eager} eager splits, ${recovered} huge-page recoveries`,
    ];
  }
  return [
    `${c.faults.total} stage-2 faults, ${spurious} avoidable (spurious faults cost ${fmtNs(spuriousNs)} of vCPU time)`,
    `${c.cmo.calls} cache-maintenance calls, ${fmtBytes(redundant)} of them redundant; ${fmtBytes(c.cmo.dcacheCleanBytes)} D-cache cleaned, ${fmtBytes(c.cmo.icacheInvalBytes)} I-cache invalidated`,
    `TLB invalidations: ${t.ipa} by IPA, ${t.ipaNsh} local, ${t.range} range, ${t.vmid} whole-VMID`,
    `${c.splits.fault} splits in the fault path, ${c.splits.eager} eager splits, ${c.coalesces} table->block collapses; ${c.invalidWindows.count} break-before-make windows (${fmtNs(c.invalidWindows.totalNs)} invalid in total)`,
  ];
}

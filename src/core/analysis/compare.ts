// What-if comparison of two replays of the same trace (A, usually the observed configuration,
// against B): faults avoided or added per class and vCPU, CMO bytes, TLB invalidations, invalid
// windows, the vCPU time B saves, and plain-sentence summary lines for the CLI and reports.
import type { Analysis, Comparison } from '../api';
import type { FindingClass, ModelConfig } from '../domain/types';
import { findingEntry } from '../catalog/findings';
import { whatIfAssumptions } from '../catalog/assumptions';
import { x86FaultLabel, x86WithoutTdpMmu } from './verdicts';

function tlbiTotal(a: Analysis): number {
  const t = a.counters.tlbi;
  return t.ipa + t.ipaNsh + t.range + t.vmid;
}

function cmoBytes(a: Analysis): number {
  return a.counters.cmo.dcacheCleanBytes + a.counters.cmo.icacheInvalBytes;
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function ms(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} us`;
}

export function describeConfig(c: ModelConfig): string {
  if (c.arch === 'x86') return `eager page split ${c.eagerSplitChunk === 0 ? 'off' : c.eagerSplitChunk === 'auto' ? 'as traced' : 'on'}${c.tracepointsOnly ? ', tracepoints only' : ''}`;
  const parts = [`FEAT_BBM ${c.bbmLevel}`, `eager split ${c.eagerSplitChunk === 0 ? 'off' : c.eagerSplitChunk === 'auto' ? 'as traced' : `${c.eagerSplitChunk / 1048576} MiB`}`, `FWB ${c.fwb ? 'on' : 'off'}`, `DIC ${c.dic ? 'on' : 'off'}`, `kernel ${c.kernel}`];
  if (c.tracepointsOnly) parts.push('tracepoints only');
  return parts.join(', ');
}

export function compareAnalyses(a: Analysis, b: Analysis): Comparison {
  const byClass: Comparison['faults']['byClass'] = {};
  // Counts by finding class, from findings (covers C classes too).
  const count = (an: Analysis): Map<string, number> => {
    const m = new Map<string, number>();
    for (const f of an.findings) m.set(f.cls, (m.get(f.cls) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  for (const k of new Set([...ca.keys(), ...cb.keys()])) byClass[k] = { a: ca.get(k) ?? 0, b: cb.get(k) ?? 0 };
  const perVcpu: Comparison['perVcpu'] = {};
  for (const k of new Set([...Object.keys(a.counters.faults.perVcpu), ...Object.keys(b.counters.faults.perVcpu)]))
    perVcpu[k] = { a: a.counters.faults.perVcpu[k] ?? 0, b: b.counters.faults.perVcpu[k] ?? 0 };
  const perRegion: Record<string, { a: number; b: number }> = {};
  const ra = a.counters.perRegion ?? {};
  const rb = b.counters.perRegion ?? {};
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    const x = ra[k]?.faults ?? 0;
    const y = rb[k]?.faults ?? 0;
    if (x !== y) perRegion[k] = { a: x, b: y };
  }
  const avoidedB = new Map((b.avoidedFaults ?? []).map((f) => [f.line, f]));
  const avoidedA = new Set((a.avoidedFaults ?? []).map((f) => f.line));
  const bLines = new Set(b.findings.map((f) => `${f.line}:${f.cls}`));
  const avoidedLines: number[] = [];
  for (const f of a.findings) if (!bLines.has(`${f.line}:${f.cls}`)) avoidedLines.push(f.line);
  let saved = 0;
  for (const [line, f] of avoidedB) if (!avoidedA.has(line)) saved += f.costNs;
  for (const f of a.avoidedFaults ?? []) if (!avoidedB.has(f.line)) saved -= f.costNs;
  const winA = a.counters.invalidWindows;
  const winB = b.counters.invalidWindows;
  const cmp: Comparison = {
    a: a.config,
    b: b.config,
    faults: { a: a.counters.faults.total, b: b.counters.faults.total, byClass },
    cmoBytes: { a: cmoBytes(a), b: cmoBytes(b) },
    tlbi: { a: tlbiTotal(a), b: tlbiTotal(b) },
    invalidWindows: { a: winA.count, b: winB.count, nsA: winA.totalNs, nsB: winB.totalNs },
    vcpuTimeSavedNs: saved,
    perVcpu,
    perRegion,
    avoidedLines: avoidedLines.sort((x, y) => x - y),
    assumptions: whatIfAssumptions(a.config, b.config, a.arch, { eagerSplitApplies: !(a.arch === 'x86' && x86WithoutTdpMmu(a)) }),
    summary: [],
  };
  const s = cmp.summary;
  s.push(`A: ${describeConfig(a.config)}`);
  s.push(`B: ${describeConfig(b.config)}`);
  if (cmp.assumptions.length) s.push('What B assumes:', ...cmp.assumptions.map((x) => `  - ${x}`));
  else if (describeConfig(a.config) === describeConfig(b.config)) {
    s.push('B\'s settings are the ones A took from the trace: B replays the same configuration as a what-if, where the model predicts what A reads from the probes, so any difference below points at a gap in the model, not at a change.');
  }
  const df = cmp.faults.b - cmp.faults.a;
  s.push(`${a.arch === 'x86' ? capitalised(x86FaultLabel(a)) : 'Stage-2 faults'}: ${cmp.faults.a} -> ${cmp.faults.b} (${df <= 0 ? `${-df} avoided` : `${df} added`}); exit-to-entry time of the faults B avoids, as measured in the trace (any preemption included): ${ms(saved)}.`);
  for (const [k, v] of Object.entries(byClass).sort()) {
    if (v.a !== v.b) s.push(`${findingEntry(k as FindingClass).code}: ${v.a} -> ${v.b}`);
  }
  const noTdpMmu = a.arch === 'x86' ? x86WithoutTdpMmu(a) : undefined;
  if (noTdpMmu && a.config.eagerSplitChunk !== b.config.eagerSplitChunk) {
    s.push(`Eager page splitting needs the TDP MMU (kvm.tdp_mmu=Y): ${noTdpMmu === 'shadow' ? 'shadow paging' : 'the legacy MMU'} drops huge pages in the fault path whatever eager_page_split says, so B replays as A.`);
  }
  if (winA.count !== winB.count) s.push(`Break-before-make windows: ${winA.count} (${ms(winA.totalNs)}) -> ${winB.count} (${ms(winB.totalNs)}).`);
  const ta = a.counters.tlbi;
  const tb = b.counters.tlbi;
  if (cmp.tlbi.a !== cmp.tlbi.b) {
    const kinds: [keyof typeof ta, string][] = a.arch === 'x86' ? [['ipa', 'ranged'], ['range', 'ranged (range)'], ['vmid', 'whole-VM']] : [['ipa', 'broadcast by IPA'], ['ipaNsh', 'local by IPA'], ['range', 'range'], ['vmid', 'whole-VMID']];
    s.push(`TLB invalidations (model, by kind): ${kinds.filter(([k]) => ta[k] + tb[k] > 0).map(([k, label]) => `${label} ${ta[k]} -> ${tb[k]}`).join(', ')}.`);
  }
  if (cmp.cmoBytes.a !== cmp.cmoBytes.b) s.push(`Cache maintenance bytes: ${cmp.cmoBytes.a} -> ${cmp.cmoBytes.b}.`);
  return cmp;
}

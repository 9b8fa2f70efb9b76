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

/** Block sizes whose split time differs between A and B, with both sides (Counters.splitCosts.splitNsByBlockSize). */
function splitTimeChanges(a: Analysis, b: Analysis): { size: string; a: { splits: number; ns: number }; b: { splits: number; ns: number } }[] {
  const sa = a.counters.splitCosts.splitNsByBlockSize;
  const sb = b.counters.splitCosts.splitNsByBlockSize;
  const none = { splits: 0, ns: 0 };
  return [...new Set([...Object.keys(sa), ...Object.keys(sb)])]
    .map((size) => ({ size, a: sa[size] ?? none, b: sb[size] ?? none }))
    .filter((c) => c.a.ns !== c.b.ns || c.a.splits !== c.b.splits);
}

export function describeConfig(c: ModelConfig): string {
  if (c.arch === 'x86') return `eager page split ${c.eagerSplitChunk === 0 ? 'off' : c.eagerSplitChunk === 'auto' ? 'as traced' : 'on'}${c.tracepointsOnly ? ', tracepoints only' : ''}`;
  const parts = [`FEAT_BBM ${c.bbmLevel}`, `eager split ${c.eagerSplitChunk === 0 ? 'off' : c.eagerSplitChunk === 'auto' ? 'as traced' : `${c.eagerSplitChunk / 1048576} MiB`}`, `FWB ${c.fwb ? 'on' : 'off'}`, `DIC ${c.dic ? 'on' : 'off'}`, `kernel ${c.kernel}`];
  if (c.tracepointsOnly) parts.push('tracepoints only');
  return parts.join(', ');
}

function eagerOn(c: ModelConfig): boolean {
  return typeof c.eagerSplitChunk === 'number' && c.eagerSplitChunk > 0;
}

/**
 * What B's change costs, counted the way its savings are: the model's counts of B against A for the
 * split costs (page-table pages, time blocks spend split, lock-hold chunks), the lock hold measured
 * where the trace itself times eager splits and "unknown" where it does not, and for settings that
 * are hardware or kernel behaviour, what they cost or risk. Then one net line that says which way
 * the measured terms fall, or that they cannot be netted.
 */
function costLines(a: Analysis, b: Analysis, savedNs: number, avoided: number): string[] {
  const out: string[] = [];
  const ca = a.counters.splitCosts;
  const cb = b.counters.splitCosts;
  const arm = a.arch === 'arm64';
  let lockHold: 'none' | 'unknown' | number = 'none';
  if (arm && ca.tablePages !== cb.tablePages) out.push(`Page-table pages allocated (model, 4 KiB each): ${ca.tablePages} -> ${cb.tablePages}.`);
  const splitTimes = arm ? splitTimeChanges(a, b) : [];
  if (splitTimes.length > 0) {
    const side = (x: { splits: number; ns: number }): string => (x.splits === 0 ? 'none' : `${ms(x.ns)} (${x.splits} split${x.splits === 1 ? '' : 's'})`);
    out.push(`Time blocks spend split into smaller mappings (model, per block size, summed over that size's splits from the split to the coalesce or the end of the trace: the TLB reach lost): ${splitTimes.map((c) => `${c.size} blocks ${side(c.a)} -> ${side(c.b)}`).join('; ')}.`);
  }
  if (arm && eagerOn(b.config) && !eagerOn(a.config)) {
    const timed = a.counters.splitCosts.timedEager;
    const blocks = b.counters.splits.eager;
    if (timed.blocks > 0) {
      lockHold = (timed.ns / timed.blocks) * blocks;
      out.push(`MMU-lock hold of B's eager splits (estimate): ${blocks} blocks in ${cb.eagerChunks} chunks (kvm->mmu_lock is dropped and retaken between chunks, kvm_mmu_split_huge_pages()); at the ${ms(timed.ns / timed.blocks)} per block this trace's own ${timed.chunks} timed splits took, about ${ms(lockHold)} held for write, during which faults wait.`);
    } else {
      lockHold = 'unknown';
      out.push(`MMU-lock hold of B's eager splits: ${blocks} blocks in ${cb.eagerChunks} chunks (kvm->mmu_lock is dropped and retaken between chunks, kvm_mmu_split_huge_pages()); how long each holds the lock for write is unknown (this trace times no eager split), and so is which faults would wait behind it.`);
    }
  }
  if (!arm && eagerOn(b.config) !== eagerOn(a.config) && !x86WithoutTdpMmu(a)) {
    const more = b.counters.splits.eager - a.counters.splits.eager;
    out.push(`Page-table pages for eager splitting: one per 2 MiB page it splits (tdp_mmu_split_huge_page() allocates a shadow page each): ${a.counters.splits.eager} -> ${b.counters.splits.eager}${more > 0 ? ` (${more} more, ${more * 4} KiB)` : ''}; the splits run under kvm->mmu_lock held for read (kvm_mmu_slot_try_split_huge_pages()), so faults do not wait for them, and how long they take is unknown (the trace times none); the 2 MiB TLB reach of each split page is lost while logging is on.`);
  }
  if (arm && b.config.bbmLevel > a.config.bbmLevel) {
    const changes = b.counters.splits.fault + b.counters.splits.eager + b.counters.coalesces;
    out.push(b.config.bbmLevel === 2
      ? `Costs of FEAT_BBM level 2: none in software; each of the ${changes} block-size changes B makes without the invalid step is a point where the CPU may raise the conflict abort B assumes away (see what B assumes).`
      : `Costs of FEAT_BBM level 1: none in software. Its answer is a range: B's ${b.counters.faults.total} faults take the CPU to use the nT-marked entries for translation (the best case); a CPU that treats them as invalid faults as A does on each of the ${changes} block-size changes, up to A's ${a.counters.faults.total} (S2 ${b.counters.faults.byClass.S2 ?? 0} to ${a.counters.faults.byClass.S2 ?? 0}).`);
  }
  if (arm && (a.config.fwb !== b.config.fwb || a.config.dic !== b.config.dic) && out.length === 0)
    out.push('Costs of B: none in software (FWB and DIC are properties of the CPU, not choices of the kernel).');
  if (a.config.kernel !== b.config.kernel && out.length === 0) out.push(`Costs of B: whatever the ${b.config.kernel} kernel does that the model does not replay (see What B assumes).`);
  if (out.length === 0) return [];
  // the net weighs faults saved against split costs: nothing to weigh when neither side has them
  const splitCosts = lockHold !== 'none' || ca.tablePages !== cb.tablePages || splitTimes.length > 0;
  if (avoided === 0 || !splitCosts) return out;
  const saved = `B avoids ${avoided} fault${avoided === 1 ? '' : 's'} (${ms(savedNs)} of measured exit-to-entry time)`;
  const hold = lockHold === 'unknown' ? 'an MMU-lock hold of unknown length' : typeof lockHold === 'number' ? `about ${ms(lockHold)} of MMU-lock hold (estimate)` : undefined;
  const fall = typeof lockHold === 'number'
    ? lockHold < savedNs ? 'on the time terms B comes out ahead' : 'on the time terms A comes out ahead'
    : lockHold === 'unknown' ? 'the time terms cannot be netted' : undefined;
  const pages = cb.tablePages - ca.tablePages;
  const parts = [hold, pages > 0 ? `${pages} more page-table page${pages === 1 ? '' : 's'}` : undefined, ...splitTimes.filter((c) => c.b.ns > c.a.ns).map((c) => `${ms(c.b.ns - c.a.ns)} more of ${c.size} blocks split`)].filter((x): x is string => x !== undefined);
  out.push(`Net: ${saved}${parts.length ? ` and costs ${parts.join(', ')}` : ''}${fall ? `: ${fall}` : ''}; TLB misses and their cost are not in a trace.`);
  return out;
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
    costs: costLines(a, b, saved, Math.max(0, a.counters.faults.total - b.counters.faults.total)),
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
  const windows = (w: typeof winA): string =>
    w.untimed === 0 ? `${w.count} (${ms(w.totalNs)})` : w.untimed === w.count ? `${w.count} (eager splits, untimed)` : `${w.count} (${ms(w.totalNs)} over the ${w.count - w.untimed} timed; ${w.untimed} eager splits, untimed)`;
  if (winA.count !== winB.count || winA.untimed !== winB.untimed) s.push(`Break-before-make windows: ${windows(winA)} -> ${windows(winB)}.`);
  const ta = a.counters.tlbi;
  const tb = b.counters.tlbi;
  if (cmp.tlbi.a !== cmp.tlbi.b) {
    const kinds: [keyof typeof ta, string][] = a.arch === 'x86' ? [['ipa', 'ranged'], ['range', 'ranged (range)'], ['vmid', 'whole-VM']] : [['ipa', 'broadcast by IPA'], ['ipaNsh', 'local by IPA'], ['range', 'range'], ['vmid', 'whole-VMID']];
    s.push(`TLB invalidations (model, by kind): ${kinds.filter(([k]) => ta[k] + tb[k] > 0).map(([k, label]) => `${label} ${ta[k]} -> ${tb[k]}`).join(', ')}.`);
  }
  if (cmp.cmoBytes.a !== cmp.cmoBytes.b) s.push(`Cache maintenance bytes: ${cmp.cmoBytes.a} -> ${cmp.cmoBytes.b}.`);
  if (cmp.costs.length) s.push('What B costs:', ...cmp.costs.map((x) => `  - ${x}`));
  return cmp;
}

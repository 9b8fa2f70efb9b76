// The terminal report of `stage2-lens analyze` (--format text): summary counts first, then the
// findings grouped by class with a few examples each, never thousands of lines. Plain ASCII.
// For x86 it also prints the replay's per-pass tallies, eager-split summary and fast-path failures.
import type { Analysis, Comparison } from '../api';
import type { X86Details } from '../replay/x86/x86Replayer';
import { describeConfig } from '../analysis/compare';
import { fmtBytes, fmtNs, groupFindings, headline, leverResultText } from './reportSummary';
import { verdicts, x86WithoutTdpMmu, type LeverResult } from '../analysis/verdicts';
import { describeAvailability, findingEntry, leverSentences, NATURE_TITLE_ONE } from '../catalog/findings';
import { presetNames } from '../catalog/presets';
import { plural } from '../util/plural';
import { mmuLockLines, vcpuNamer } from '../lock/lockReport';

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export interface TextReportOptions {
  examples?: number;
  source?: string;
  /** What the levers remove on this trace (what-if replays); undefined: not checked. */
  levers?: LeverResult[];
}

export function reportText(a: Analysis, opts: TextReportOptions = {}): string {
  const source = opts.source ?? '<file>';
  const v = verdicts(a, opts.levers);
  const out: string[] = [];
  out.push(`Stage-2 Lens: ${opts.source ?? 'trace'} (${a.arch}, ${plural(a.stats.lines.total, 'line')}, ${plural(v.time.vcpuThreads, 'vCPU thread')})`);
  out.push(`Model: ${describeConfig(a.config)}${a.arch === 'arm64' ? `, ${a.config.granule / 1024}K granule, ${a.config.ipaBits}-bit IPA` : ''}`);
  for (const d of a.detected) out.push(`  ${d}`);
  out.push('');
  out.push('Summary');
  const ie = a.internalErrors;
  if (ie) out.push(`  ${plural(ie.count, 'event')} skipped by an internal error of the replay (first at line ${ie.firstLine}: ${ie.firstMessage}): findings near ${ie.count === 1 ? 'it' : 'them'} are less certain; please report it`);
  for (const h of headline(a, v, source)) out.push(`  ${h}`);
  if (v.nothingToJudge) return out.join('\n') + '\n';
  const kl = Object.entries(a.counters.faults.byKindLevel).sort((x, y) => y[1] - x[1]);
  if (kl.length) out.push(`  faults by kind: ${kl.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const pv = Object.entries(a.counters.faults.perVcpu).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  if (pv.length) out.push(`  faults per vCPU: ${pv.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (a.x86) out.push(...x86Passes(a.x86, x86WithoutTdpMmu(a)));
  const groups = groupFindings(a, v, opts.examples ?? 3);
  const noTdpMmu = x86WithoutTdpMmu(a);
  out.push('');
  if (!groups.length) out.push(`No findings: none of the ${plural(a.counters.faults.total, 'fault')} and ${plural(a.counters.cmo.calls, 'cache-maintenance call')} matched a finding class.`);
  for (const g of groups) {
    const size = g.subject === 'cmo' ? `${plural(g.count, 'call')}${g.bytes ? `, ${fmtBytes(g.bytes)}` : ''}` : `${g.count}`;
    const seen = g.observed === g.listed ? 'observed' : g.observed === 0 ? 'inferred' : `${g.observed} of ${g.listed} listed observed`;
    out.push(`${g.code}: ${size} (${seen}) [${NATURE_TITLE_ONE[g.nature]}]`);
    out.push(`  ${g.title}: ${findingEntry(g.cls, a.arch).means}`);
    if (g.time) out.push(`  exit to entry: median ${fmtNs(g.time.medianNs)}, p90 ${fmtNs(g.time.p90Ns)}, sum ${fmtNs(g.time.sumNs)}${v.time.caveats.length ? ' (as measured; see the caveat above)' : ''}`);
    for (const f of g.examples) {
      out.push(`  line ${f.line} ${f.vcpu}${f.ipa ? ` ${hex(f.ipa.start)}` : ''}: ${f.message}`);
      for (const r of f.related.slice(0, 2)) out.push(`      see line ${r.line}: ${r.message}`);
    }
    if (g.count > g.examples.length) out.push(`  ... and ${g.count - g.examples.length} more`);
    const checked = new Map(g.levers.map((l) => [l.lever, l]));
    const levers = findingEntry(g.cls, a.arch).levers;
    if (!levers.length) out.push(`  levers: ${leverSentences(g.cls, a.arch)[0]}`);
    for (const l of levers) {
      const r = checked.get(l);
      // Eager splitting is a TDP MMU feature: the legacy MMU and shadow paging never split.
      if (noTdpMmu && l.preset === 'eager2m') out.push(`  lever: ${l.text}: needs the TDP MMU (kvm.tdp_mmu=Y), not this trace's MMU`);
      else out.push(`  lever: ${r ? leverResultText(r, source) : `${l.text}: ${describeAvailability(l.availability)}${l.preset ? `; what-if: stage2-lens compare ${source} --b ${l.preset}` : ''}`}`);
    }
    out.push('');
  }
  const ws = a.windows ?? [];
  if (ws.length) {
    out.push(`Break-before-make windows: ${ws.length}`);
    for (const w of ws.slice(0, 5)) {
      out.push(`  line ${w.line} ${w.owner}: ${w.kind} of ${hex(w.ipa)} (${fmtBytes(w.size)}), ${w.endTs !== undefined ? fmtNs(w.endTs - w.ts) : 'not closed'}, ${plural(w.faults, 'fault')} of other vCPUs${w.observed ? '' : ' (inferred)'}`);
    }
    if (ws.length > 5) out.push(`  ... and ${ws.length - 5} more`);
    out.push('');
  }
  if (a.mmuLock?.support === 'observed') out.push(...mmuLockLines(a.mmuLock, vcpuNamer(a.lanes)), '');
  const missing = a.coverage.filter((c) => c.support !== 'observed' && c.add.length);
  if (missing.length) {
    out.push(`Inferred rather than observed: ${missing.map((c) => c.analysis).join(', ')} (stage2-lens record-script writes a recording script with the probes that show them).`);
  }
  out.push(whatIf(a, source));
  return out.join('\n') + '\n';
}

function whatIf(a: Analysis, source: string): string {
  if (a.arch !== 'x86') return `What if: stage2-lens compare ${source} --b PRESET (${presetNames().filter((p) => p !== 'observed' && p !== 'tracepoints-only').join(', ')})`;
  const noTdpMmu = x86WithoutTdpMmu(a);
  // The x86 what-ifs are eager splitting on or off, and eager splitting is a TDP MMU feature: a compare changes nothing.
  if (noTdpMmu) return `What if: no compare applies to ${noTdpMmu === 'shadow' ? 'shadow paging' : 'the legacy MMU'}: eager page splitting (eager2m) needs the TDP MMU (kvm.tdp_mmu=Y${noTdpMmu === 'shadow' ? ' with NPT/EPT' : ''}); record the workload there to compare`;
  return `What if: stage2-lens compare ${source} --b eager2m (or noeager)`;
}

/** Per marker segment (one per pass in the shared recordings): faults, duplicates and fast-path results. */
function x86Passes(x: X86Details, noTdpMmu: 'legacy' | 'shadow' | undefined): string[] {
  const out: string[] = [];
  const segs = x.segments.filter((s) => s.faults > 0);
  if (segs.length) {
    out.push('', `Passes (${segs.length} with faults)`);
    for (const s of segs.slice(0, 20)) {
      const outcomes = Object.entries(s.outcomes).sort((p, q) => q[1] - p[1]).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(', ');
      const fast = s.fast.total ? `; fast path ${s.fast.total} (${s.fast.fixed} fixed, ${s.fast.spurious} spurious, ${s.fast.neither} neither)` : '';
      const label = s.label.replace(/ \(.*$/, '').slice(0, 60);
      out.push(`  line ${s.line} ${label}: ${plural(s.faults, 'fault')} on ${plural(s.distinctPages, 'page')}, ${plural(s.duplicates, 'duplicate')}${fast}${outcomes ? `; ${outcomes}` : ''}`);
    }
    if (segs.length > 20) out.push(`  ... and ${segs.length - 20} more`);
  }
  const e = x.eagerSplit;
  if (noTdpMmu) out.push(`  eager page split: none without the TDP MMU; ${e.faultSplits} huge pages dropped in the fault path (refaulted at 4 KiB)`);
  else out.push(`  eager page split: ${e.trace} in the trace, replayed ${e.replayed}; ${e.hostSplits} split by the dirty-log ioctls, ${e.faultSplits} in the fault path, ${e.hostHugeWriteProtects} huge SPTEs write-protected`);
  const ff = Object.entries(x.fastPathFailures).sort((p, q) => q[1] - p[1]);
  if (ff.length) out.push(`  fast-path failures: ${ff.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return out;
}

export function comparisonText(c: Comparison): string {
  return c.summary.join('\n') + '\n';
}

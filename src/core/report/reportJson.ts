// The JSON report: `{config, detected, counters: {faults: {total, byClass}, cmo, tlbi, ...},
// findings: [{code, line, vcpu, ipa, observed, ...}], phases, windows, timeline: {marks, dropped}}`, stable and plain, for
// scripts and CI. Used by `stage2-lens analyze --format json` and the editor's "Export Report...".
import type { Analysis, Comparison } from '../api';
import { verdicts, type LeverResult } from '../analysis/verdicts';

export interface JsonReportOptions {
  /** Cap on findings written (the counters always cover all of them). */
  maxFindings?: number;
  /** What the levers remove on this trace (what-if replays); absent: not checked. */
  levers?: LeverResult[];
}

export function reportJson(a: Analysis, opts: JsonReportOptions = {}): string {
  const max = opts.maxFindings ?? Infinity;
  const findings = a.findings.slice(0, max).map((f) => ({
    code: f.code,
    cls: f.cls,
    severity: f.severity,
    line: f.line,
    ts: f.ts,
    vcpu: f.vcpu,
    ipa: f.ipa ? { start: `0x${f.ipa.start.toString(16)}`, size: f.ipa.size } : null,
    message: f.message,
    related: f.related,
    observed: f.observed,
    costNs: f.costNs ?? null,
  }));
  const out = {
    arch: a.arch,
    config: a.config,
    detected: a.detected,
    internalErrors: a.internalErrors ?? null,
    verdicts: verdicts(a, opts.levers),
    counters: a.counters,
    findingsTotal: a.findings.length,
    findings,
    phases: (a.phases ?? []).filter((p) => p.faults > 0),
    windows: (a.windows ?? []).map((w) => ({ ...w, ipa: `0x${w.ipa.toString(16)}` })),
    coverage: a.coverage,
    mmuLock: a.mmuLock ?? null,
    lanes: a.lanes,
    timeline: { marks: a.marks.length, dropped: a.marks.dropped },
    trace: { format: a.stats.format, lines: a.stats.lines, firstTs: a.stats.firstTs, lastTs: a.stats.lastTs, lostEvents: a.stats.lostEvents.length },
  };
  return JSON.stringify(out, null, 2) + '\n';
}

export function comparisonJson(c: Comparison): string {
  return JSON.stringify(c, null, 2) + '\n';
}

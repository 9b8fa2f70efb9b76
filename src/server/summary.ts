// Analysis -> AnalysisSummary (the `stage2Lens/summary` and `stage2Lens/replay` answer, the code
// lens and the status bar): counts only, plain JSON, small enough to send on every change.
import type { Analysis } from '../core/index';
import type { Finding, FindingClass } from '../core/index';
import { isRedundantCmo, isSpurious } from '../core/index';
import type { AnalysisSummary } from '../shared/protocol';
import { plural } from '../shared/plural';

/**
 * Spurious faults: those whose class the catalog calls an inherent race (the handler found nothing
 * to do). Not "avoidable": that needs a what-if replay (src/core/analysis/verdicts.ts). From per-class counts: the exact counters of an analysis (its findings list is capped per
 * class on big traces), or byClassOf(findings) for the early partial findings.
 */
export function spuriousCount(byClass: Partial<Record<FindingClass, number>>): number {
  let n = 0;
  for (const [cls, count] of Object.entries(byClass) as [FindingClass, number | undefined][])
    if (isSpurious(cls)) n += count ?? 0;
  return n;
}

export function byClassOf(findings: readonly Finding[]): Partial<Record<FindingClass, number>> {
  const byClass: Partial<Record<FindingClass, number>> = {};
  for (const f of findings) byClass[f.cls] = (byClass[f.cls] ?? 0) + 1;
  return byClass;
}

export function summarize(uri: string, label: string, a: Analysis, durationMs: number): AnalysisSummary {
  const findingsByCode: Record<string, number> = {};
  for (const f of a.findings) findingsByCode[f.code] = (findingsByCode[f.code] ?? 0) + 1;
  const spurious = spuriousCount(a.counters.faults.byClass);
  // Redundant or anomalous cache maintenance only: a no-op static branch (C1, C2) costs nothing.
  const redundantCmoBytes = (Object.entries(a.counters.cmo.redundantBytesByClass) as [FindingClass, number | undefined][]).reduce((s, [cls, v]) => s + (isRedundantCmo(cls) ? v ?? 0 : 0), 0);
  return {
    uri,
    label,
    arch: a.arch,
    format: a.stats.format,
    config: a.config,
    detected: a.detected,
    lines: a.stats.lines.total,
    events: a.stats.lines.events,
    findings: a.findings.length,
    findingsByCode,
    spurious,
    redundantCmoBytes,
    counters: a.counters,
    durationMs: Math.round(durationMs),
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(1)} GiB`;
}

/** The one-line summary shown by the code lens. */
export function summaryLine(s: AnalysisSummary): string {
  return `Stage-2 (${s.label}): ${plural(s.counters.faults.total, 'fault')} · ${s.spurious} spurious · ${formatBytes(s.redundantCmoBytes)} redundant CMO`;
}

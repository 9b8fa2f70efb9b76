// Shared by the coverage tests: one pass of a trace through the stats and coverage-evidence
// collectors (what the facade feeds computeCoverage), and small views of a coverage result.
import type { CoverageItem, TraceStats } from '../../../src/core/api';
import { readTrace } from '../../../src/core/read/readTrace';
import { createStatsCollector } from '../../../src/core/stats/statsCollector';
import { createCoverageCollector, type CoverageEvidence } from '../../../src/core/analysis/coverage';

export async function gather(source: AsyncIterable<Uint8Array>): Promise<{ stats: TraceStats; evidence: CoverageEvidence }> {
  const stats = createStatsCollector();
  const collector = createCoverageCollector();
  const r = await readTrace(source, {
    event: (ev) => {
      stats.event(ev);
      collector.event(ev);
    },
    rejected: (x) => stats.rejected?.(x),
    special: (s) => stats.special?.(s),
  });
  return { stats: stats.result(r.format), evidence: collector.evidence() };
}

/** analysis -> support, for deep-equal assertions. */
export const supports = (items: CoverageItem[]): Record<string, string> => Object.fromEntries(items.map((c) => [c.analysis, c.support]));

export const byName = (items: CoverageItem[], a: CoverageItem['analysis']): CoverageItem => items.find((c) => c.analysis === a)!;

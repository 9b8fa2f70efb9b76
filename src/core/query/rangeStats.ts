// The counting rule of a time range, shared by the timeline's selection statistics and the CLI
// (`stage2-lens stats --from/--to`): a mark counts when t0 <= ts <= t1 and it passes the filter.
// countMarksInRange is the plain reference over Mark[]; TimelineIndex.rangeStats gives the same
// numbers from its index (a unit test holds them equal).
import type { Mark } from '../analysis/types';
import { binClassOf, isFaultClass, isSpuriousClass, type BinClass, type RangeStats, type TimelineFilter } from '../../shared/timelineProtocol';

export function emptyRangeStats(t0: number, t1: number): RangeStats {
  return {
    range: { t0, t1 },
    total: 0,
    byClass: {},
    perLane: {},
    faults: { total: 0, spurious: 0, byClass: {} },
    cmoBytes: 0,
    tlbi: 0,
    invalidWindows: { count: 0, totalNs: 0 },
    avoided: 0,
  };
}

/** Whether a mark of `lane`/`cls` passes the filter (undefined parts pass everything). */
export function passesFilter(filter: TimelineFilter | undefined, lane: string, cls: BinClass): boolean {
  if (!filter) return true;
  if (filter.lanes && !filter.lanes.includes(lane)) return false;
  if (filter.classes && !filter.classes.includes(cls)) return false;
  return true;
}

/** Add `n` marks of one class (with their measures) to stats: the one place the rule is spelled. */
export function addToStats(
  s: RangeStats,
  lane: string,
  cls: BinClass,
  n: number,
  measures: { cmoBytes: number; tlbi: number; windows: number; windowNs: number; avoided: number },
): void {
  if (n === 0) return;
  s.total += n;
  s.byClass[cls] = (s.byClass[cls] ?? 0) + n;
  s.perLane[lane] = (s.perLane[lane] ?? 0) + n;
  if (isFaultClass(cls)) {
    s.faults.total += n;
    s.faults.byClass[cls] = (s.faults.byClass[cls] ?? 0) + n;
    if (isSpuriousClass(cls)) s.faults.spurious += n;
  }
  s.cmoBytes += measures.cmoBytes;
  s.tlbi += measures.tlbi;
  s.invalidWindows.count += measures.windows;
  s.invalidWindows.totalNs += measures.windowNs;
  s.avoided += measures.avoided;
}

/** Per-mark measures: CMO bytes, TLBI count, invalid window count and length. */
export function markMeasures(m: Mark): { cmoBytes: number; tlbi: number; windows: number; windowNs: number } {
  return {
    cmoBytes: m.kind === 'cmo' ? m.size ?? 0 : 0,
    tlbi: m.kind === 'tlbi' ? 1 : 0,
    windows: m.kind === 'window' ? 1 : 0,
    windowNs: m.kind === 'window' ? Math.max(0, (m.endTs ?? m.ts) - m.ts) : 0,
  };
}

/** Reference count of the marks in [t0, t1] (linear; what the CLI calls). */
export function countMarksInRange(
  marks: readonly Mark[],
  t0: number,
  t1: number,
  filter?: TimelineFilter,
  avoidedLines?: ReadonlySet<number>,
): RangeStats {
  const s = emptyRangeStats(t0, t1);
  for (const m of marks) {
    if (!(m.ts >= t0 && m.ts <= t1)) continue;
    const cls = binClassOf(m);
    if (!passesFilter(filter, m.lane, cls)) continue;
    addToStats(s, m.lane, cls, 1, { ...markMeasures(m), avoided: avoidedLines?.has(m.line) ? 1 : 0 });
  }
  return s;
}

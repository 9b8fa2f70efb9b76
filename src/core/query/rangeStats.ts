// The counting rule of a time range, shared by the timeline's selection statistics and the CLI
// (`stage2-lens stats --from/--to`): a mark counts when t0 <= ts <= t1 and it passes the filter.
// countMarksInRange is the plain linear reference over a replay's marks; TimelineIndex.rangeStats
// gives the same numbers from its index (a unit test holds them equal).
import { MARK_CLASSES, MARK_KINDS, type MarkStore } from '../marks/markStore';
import { BIN_CLASS_INDEX, BIN_CLASS_ORDER, isFaultClass, isSpuriousClass, type BinClass } from './binClasses';
import type { RangeStats, TimelineFilter } from './types';

// Bin rank (index in BIN_CLASS_ORDER) of each store code; -1 for what the timeline does not draw.
const RANK_OF_CLASS = Int8Array.from([-1, ...MARK_CLASSES.map((c) => BIN_CLASS_INDEX[c] ?? -1)]);
const RANK_OF_KIND = Int8Array.from(MARK_KINDS.map((k) => BIN_CLASS_INDEX[k] ?? -1));

/** Bin rank from a mark's column codes (class, else kind), or -1 when it is not drawn (no rank, or no finite time). */
export function rankOfCodes(ts: number, cls: number, kind: number): number {
  if (!Number.isFinite(ts)) return -1;
  return cls ? RANK_OF_CLASS[cls] : RANK_OF_KIND[kind];
}

/** Bin rank of mark i (see rankOfCodes). */
export function binRankAt(marks: MarkStore, i: number): number {
  return rankOfCodes(marks.tsAt(i), marks.clsAt(i), marks.kindAt(i));
}

/** Per-mark measures, read from the columns: CMO bytes, TLBI count, invalid window count and length. */
export function markMeasuresAt(marks: MarkStore, i: number): { cmoBytes: number; tlbi: number; windows: number; windowNs: number } {
  const kind = MARK_KINDS[marks.kindAt(i)];
  const size = marks.sizeAt(i);
  const end = marks.endAt(i);
  return {
    cmoBytes: kind === 'cmo' && !Number.isNaN(size) ? size : 0,
    tlbi: kind === 'tlbi' ? 1 : 0,
    windows: kind === 'window' ? 1 : 0,
    windowNs: kind === 'window' && !Number.isNaN(end) ? Math.max(0, end - marks.tsAt(i)) : 0,
  };
}

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

/** Reference count of the marks in [t0, t1] (linear; what the CLI calls). */
export function countMarksInRange(
  marks: MarkStore,
  t0: number,
  t1: number,
  filter?: TimelineFilter,
  avoidedLines?: ReadonlySet<number>,
): RangeStats {
  const s = emptyRangeStats(t0, t1);
  for (let i = 0; i < marks.length; i++) {
    const ts = marks.tsAt(i);
    if (!(ts >= t0 && ts <= t1)) continue;
    const rank = binRankAt(marks, i);
    if (rank < 0) continue;
    const cls = BIN_CLASS_ORDER[rank];
    const lane = marks.laneName(marks.laneAt(i));
    if (!passesFilter(filter, lane, cls)) continue;
    addToStats(s, lane, cls, 1, { ...markMeasuresAt(marks, i), avoided: avoidedLines?.has(marks.lineAt(i)) ? 1 : 0 });
  }
  return s;
}

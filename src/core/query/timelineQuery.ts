// The timeline's queries over a replay (A) and, for a what-if, a second replay (B) of the same
// trace: B's lanes sit beside A's, and the faults B avoids are ghosted in A. Builds the two
// indexes once and answers `stage2Lens/timeline*` (see src/shared/timelineProtocol.ts).
import type { MarkStore } from '../marks/markStore';
import { BIN_CLASS_INDEX, BIN_CLASS_ORDER, type BinClass } from './binClasses';
import type { FindIpaResult, LaneInfo, MarkDetail, RangeStatsResult, SummaryTracks, TimelineFilter, TimelineInfo, TimeRange, WindowResult } from './types';
import { heatColumns, MAX_WINDOW_BARS, TimelineIndex, type LaneWindow } from './timelineIndex';

export interface ReplayMarks {
  lanes: readonly { id: string; label: string }[];
  marks: MarkStore;
  /** Short description of the configuration (`FEAT_BBM level 2`). */
  configLabel?: string;
}

export interface TimelineQueryInput {
  a: ReplayMarks;
  b?: ReplayMarks;
  /** Comparison.avoidedLines: A's lines that B avoids. */
  avoidedLines?: readonly number[];
  version?: number;
}

/** Indexes this big get their query code compiled before the first real query (see warmUp). */
const WARM_UP_MARKS = 1_000_000;
let warmedUp = false;

/** Largest pixel width a window query accepts (a 8K screen at 2x is about 15000). */
export const MAX_WIDTH = 16384;

function sanitizeRange(r: TimeRange): TimeRange | undefined {
  let { t0, t1 } = r;
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) return undefined;
  if (t1 < t0) [t0, t1] = [t1, t0];
  if (t1 === t0) t1 = t0 + 1;
  return { t0, t1 };
}

export class TimelineQuery {
  readonly a: TimelineIndex;
  readonly b: TimelineIndex | undefined;
  private readonly input: TimelineQueryInput;

  constructor(input: TimelineQueryInput) {
    this.input = input;
    this.a = new TimelineIndex({ lanes: input.a.lanes, marks: input.a.marks, avoidedLines: input.avoidedLines ?? [], config: 'A' });
    this.b = input.b ? new TimelineIndex({ lanes: input.b.lanes, marks: input.b.marks, config: 'B' }) : undefined;
    if (!warmedUp && this.a.markCount >= WARM_UP_MARKS) this.warmUp();
  }

  /**
   * Once per process, on the first big index: a few whole-trace windows, so that V8 has optimised
   * the bin-edge loops before the user's first zoom. Unoptimised, the widest windows of 10 M marks
   * took 35-60 ms on their first run and under 15 ms after; this costs about 0.2 s of a 3 s build.
   */
  private warmUp(): void {
    warmedUp = true;
    const { t0, t1 } = this.a.extent;
    for (let k = 0; k < 6; k++) this.window({ t0, t1: t1 - ((t1 - t0) * k) / 8 }, 1200);
  }

  private indexes(): TimelineIndex[] {
    return this.b ? [this.a, this.b] : [this.a];
  }

  info(): TimelineInfo {
    const lanes: LaneInfo[] = [];
    // B's lane goes right under A's lane of the same id: "beside", so differences line up.
    for (const l of this.a.lanes) {
      lanes.push({ id: l.id, label: l.label, config: 'A' });
      const lb = this.b?.lanes.find((x) => x.id === l.id);
      if (lb) lanes.push({ id: lb.id, label: lb.label, config: 'B' });
    }
    for (const l of this.b?.lanes ?? []) if (!this.a.lanes.some((x) => x.id === l.id)) lanes.push({ id: l.id, label: l.label, config: 'B' });
    const present = new Set<BinClass>([...this.a.classes, ...(this.b?.classes ?? [])]);
    const ext = this.b && this.b.markCount ? { t0: Math.min(this.a.extent.t0, this.b.extent.t0), t1: Math.max(this.a.extent.t1, this.b.extent.t1) } : this.a.extent;
    const info: TimelineInfo = {
      available: true,
      extent: ext.t1 > ext.t0 ? ext : { t0: ext.t0, t1: ext.t0 + 1000 },
      lanes,
      classes: BIN_CLASS_ORDER.filter((c) => present.has(c)),
      markCount: this.a.markCount,
      configA: this.input.a.configLabel ?? 'as traced',
      avoidedCount: this.a.avoidedLines.size,
      version: this.input.version ?? 0,
    };
    if (this.input.b) info.configB = this.input.b.configLabel ?? 'what-if';
    const store = this.input.a.marks;
    if (store.dropped > 0) info.marksDropped = { count: store.dropped, fromTs: store.firstDroppedTs };
    return info;
  }

  window(range: TimeRange, width: number, filter?: TimelineFilter): WindowResult | null {
    const started = performance.now();
    const r = sanitizeRange(range);
    if (!r || !Number.isFinite(width)) return null;
    const w = Math.max(1, Math.min(MAX_WIDTH, Math.floor(width)));
    const laneWindows: LaneWindow[] = [];
    for (const ix of this.indexes()) laneWindows.push(...ix.laneWindows(r.t0, r.t1, w, filter));
    const perIndex = this.indexes().map((ix) => ix.windowsIn(r.t0, r.t1, filter));
    const bars = perIndex.every((b) => b !== undefined) ? perIndex.flat() : undefined;
    const { markers, thinned } = this.a.markersIn(r.t0, r.t1, w);
    const result: WindowResult = {
      range: r,
      width: w,
      lanes: laneWindows.map((l) => l.bins),
      windows: bars && bars.length <= MAX_WINDOW_BARS ? bars : [],
      markers,
      markersThinned: thinned,
      summary: summarize(laneWindows.filter((l) => l.bins.config === 'A'), w, this.a.heat(r.t0, r.t1, heatColumns(w))),
      elapsedMs: 0,
    };
    if (!bars || bars.length > MAX_WINDOW_BARS) result.windowsDense = this.indexes().flatMap((ix) => ix.windowCoverage(r.t0, r.t1, w, filter));
    result.elapsedMs = Math.round((performance.now() - started) * 100) / 100;
    return result;
  }

  rangeStats(range: TimeRange, filter?: TimelineFilter): RangeStatsResult | null {
    if (!Number.isFinite(range.t0) || !Number.isFinite(range.t1)) return null;
    const t0 = Math.min(range.t0, range.t1);
    const t1 = Math.max(range.t0, range.t1);
    const out: RangeStatsResult = { a: this.a.rangeStats(t0, t1, filter) };
    if (this.b) out.b = this.b.rangeStats(t0, t1, filter);
    return out;
  }

  marks(range: TimeRange, filter?: TimelineFilter, limit = 20): MarkDetail[] {
    const n = Math.max(1, Math.min(500, Math.floor(limit) || 20));
    const t0 = Math.min(range.t0, range.t1);
    const t1 = Math.max(range.t0, range.t1);
    if (!Number.isFinite(t0) || !Number.isFinite(t1)) return [];
    return this.indexes()
      .flatMap((ix) => ix.marksIn(t0, t1, filter, n))
      .sort((x, y) => x.ts - y.ts)
      .slice(0, n);
  }

  findIpa(ipa: number, limit = 100): FindIpaResult | null {
    if (!Number.isFinite(ipa) || ipa < 0) return null;
    const { total, hits } = this.a.findIpa(ipa, Math.max(1, Math.min(1000, Math.floor(limit) || 100)));
    return { ipa, total, hits };
  }

  locate(line: number): { ts: number; lane: string; line: number } | null {
    return Number.isFinite(line) ? this.a.locate(line) ?? null : null;
  }
}

/** Summary tracks from A's lane bins: faults by class, CMO bytes and TLBIs per pixel. */
function summarize(lanes: LaneWindow[], width: number, heat: SummaryTracks['heat']): SummaryTracks {
  const faults = new Map<BinClass, Float64Array>();
  const cmo = new Float64Array(width);
  const tlbi = new Float64Array(width);
  for (const l of lanes) {
    for (const [cls, c] of l.faultsByClass) {
      let f = faults.get(cls);
      if (!f) faults.set(cls, (f = new Float64Array(width)));
      for (let i = 0; i < width; i++) f[i] += c[i];
    }
    for (let i = 0; i < width; i++) {
      cmo[i] += l.cmoBytes[i];
      tlbi[i] += l.tlbi[i];
    }
  }
  const px: number[] = [];
  for (let i = 0; i < width; i++) {
    let any = cmo[i] > 0 || tlbi[i] > 0;
    for (const f of faults.values()) if (f[i] > 0) any = true;
    if (any) px.push(i);
  }
  const out: SummaryTracks = { px, faults: {}, cmoBytes: px.map((i) => cmo[i]), tlbi: px.map((i) => tlbi[i]), heat };
  const ordered = [...faults.keys()].sort((x, y) => BIN_CLASS_INDEX[x] - BIN_CLASS_INDEX[y]);
  for (const cls of ordered) {
    const f = faults.get(cls) as Float64Array;
    out.faults[cls] = px.map((i) => f[i]);
  }
  return out;
}

// The windowed level-of-detail index of one replay's marks, built once: per lane and bin class a
// sorted timestamp array with prefix sums of the measures (CMO bytes, TLBIs, invalid windows), so
// any window at any pixel width costs one binary search per bin edge, whatever the trace size.
// Answers the timeline's window, selection, tooltip, find-IPA and locate-line queries. It reads the
// replay's MarkStore by column and holds only typed arrays (about 16 bytes a mark).
import { MARK_KINDS, type MarkStore } from '../marks/markStore';
import { BIN_CLASS_INDEX, BIN_CLASS_ORDER, isFaultClass, type BinClass } from './binClasses';
import type { HeatTrack, LaneBins, MarkDetail, MarkerRule, RangeStats, TimelineFilter, TrackConfig, WindowBar } from './types';
import { addToStats, emptyRangeStats, markMeasuresAt, passesFilter, rankOfCodes } from './rangeStats';
import { edgePositions, lowerBound, SAMPLE_STRIDE, sampleOf, upperBound } from './sortedSearch';
import { ipaRegions, regionRow, type IpaRegions } from './ipaRegions';
import { radixSortByKey } from './radixSort';

/** Individual invalid-window bars up to this many per query; beyond, per-pixel coverage. */
export const MAX_WINDOW_BARS = 2000;
/** Markers up to this many per query; beyond, one per pixel. */
export const MAX_MARKERS = 400;
export const HEAT_ROWS = 32;

const KIND_WINDOW = MARK_KINDS.indexOf('window');
const KIND_MARKER = MARK_KINDS.indexOf('marker');
const KIND_CMO = MARK_KINDS.indexOf('cmo');
const KIND_TLBI = MARK_KINDS.indexOf('tlbi');
const RANKS = BIN_CLASS_ORDER.length;
const IS_FAULT_RANK = BIN_CLASS_ORDER.map((c) => isFaultClass(c));
// Bound once: the per-file test build reaches imports through getters, too slow in loops over every mark.
const rankOf = rankOfCodes;
const measuresAt = markMeasuresAt;
const rowOfIpa = regionRow;

function isSorted(a: Float64Array): boolean {
  for (let j = 1; j < a.length; j++) if (a[j] < a[j - 1]) return false;
  return true;
}

/** Marks of one lane and one class, in time order. */
interface Series {
  cls: BinClass;
  ts: Float64Array;
  /** sampleOf(ts), for big series only. */
  sample?: Float64Array;
  /** Index of each entry in the replay's marks. */
  idx: Int32Array;
  /** Prefix sums (length n + 1), present only when the series holds marks of that kind. */
  cumBytes?: Float64Array;
  cumTlbi?: Float64Array;
  cumWindows?: Float64Array;
  cumWindowNs?: Float64Array;
  /** Timestamps of the entries the what-if avoids. */
  avoidedTs: Float64Array;
}

interface Lane {
  id: string;
  label: string;
  /** Ordered worst class first. */
  series: Series[];
  /** Invalid windows by start; `endSorted` holds the same ends in ascending order (for coverage). */
  windows: { ts: Float64Array; end: Float64Array; endSorted: Float64Array; idx: Int32Array; maxDur: number };
}

export interface TimelineIndexInput {
  lanes: readonly { id: string; label: string }[];
  marks: MarkStore;
  /** Lines the what-if replay avoids (Comparison.avoidedLines), drawn ghosted. */
  avoidedLines?: readonly number[];
  config?: TrackConfig;
}

export interface LaneWindow {
  bins: LaneBins;
  /** Dense per-bin measures, for the summary tracks. */
  faultsByClass: Map<BinClass, Int32Array>;
  cmoBytes: Float64Array;
  tlbi: Float64Array;
}

/** Sort `idx` in place by `key`, stable on mark order; marks come mostly in order, so check first. */
function sortIndices(idx: Int32Array, key: (i: number) => number): Int32Array {
  let sorted = true;
  for (let j = 1; j < idx.length && sorted; j++) if (key(idx[j]) < key(idx[j - 1])) sorted = false;
  if (sorted) return idx;
  const keys = new Float64Array(idx.length);
  for (let j = 0; j < idx.length; j++) keys[j] = key(idx[j]);
  const order = Int32Array.from(idx.keys()).sort((x, y) => keys[x] - keys[y] || idx[x] - idx[y]);
  return Int32Array.from(order, (j) => idx[j]);
}

export class TimelineIndex {
  readonly config: TrackConfig;
  readonly lanes: Lane[] = [];
  readonly markCount: number;
  readonly extent: { t0: number; t1: number };
  readonly classes: BinClass[];
  readonly avoidedLines: ReadonlySet<number>;
  private readonly marks: MarkStore;
  private readonly laneById = new Map<string, Lane>();
  private readonly markerTs: Float64Array;
  private readonly markerIdx: Int32Array;
  private readonly heatRegions: IpaRegions;
  /** Fault timestamps per heat row. */
  private readonly heatTs: Float64Array[];
  private byLineCache: Int32Array | undefined;
  /** Bin rank of every mark (index in BIN_CLASS_ORDER), -1 for marks not drawn. */
  private readonly ranks: Int8Array;

  constructor(input: TimelineIndexInput) {
    this.config = input.config ?? 'A';
    this.marks = input.marks;
    this.avoidedLines = new Set(input.avoidedLines ?? []);
    const marks = input.marks;
    for (const l of input.lanes) this.addLane(l.id, l.label);

    // Pass 1, chunk by chunk: each mark's bin rank (-1: not drawn), the counts per (store lane,
    // rank) and the markers, so pass 2 fills exactly sized typed arrays.
    const storeLanes = marks.laneCount;
    const counts = new Int32Array(storeLanes * RANKS);
    const ranks = new Int8Array(marks.length);
    let nMarkers = 0;
    let nHeat = 0;
    let nValid = 0;
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const { base, n, cols } of marks.chunkViews()) {
      for (let j = 0; j < n; j++) {
        const ts = cols.ts[j];
        const rank = rankOf(ts, cols.cls[j], cols.kind[j]);
        ranks[base + j] = rank;
        if (rank < 0) continue;
        nValid++;
        counts[cols.lane[j] * RANKS + rank]++;
        if (ts < t0) t0 = ts;
        const end = cols.end[j];
        const last = end > ts ? end : ts;
        if (last > t1) t1 = last;
        if (cols.kind[j] === KIND_MARKER) nMarkers++;
        if (IS_FAULT_RANK[rank] && Number.isFinite(cols.ipa[j])) nHeat++;
      }
    }
    this.ranks = ranks;
    this.markCount = nValid;
    this.extent = nValid ? { t0, t1 } : { t0: 0, t1: 0 };

    // Each store lane with marks gets a lane slot by name (two store lanes relabelled alike share one).
    const slotOf = new Int32Array(storeLanes).fill(-1);
    const slotByName = new Map(this.lanes.map((l, slot) => [l.id, slot]));
    for (let laneId = 0; laneId < storeLanes; laneId++) {
      if (!counts.subarray(laneId * RANKS, (laneId + 1) * RANKS).some((n) => n > 0)) continue;
      const name = marks.laneName(laneId);
      let slot = slotByName.get(name);
      if (slot === undefined) {
        this.addLane(name, name);
        slotByName.set(name, (slot = this.lanes.length - 1));
      }
      slotOf[laneId] = slot;
    }
    const slotCounts = new Int32Array(this.lanes.length * RANKS);
    for (let laneId = 0; laneId < storeLanes; laneId++)
      if (slotOf[laneId] >= 0) for (let rank = 0; rank < RANKS; rank++) slotCounts[slotOf[laneId] * RANKS + rank] += counts[laneId * RANKS + rank];

    // Pass 2: fill the buckets (in mark order), the markers and the heat IPAs.
    const buckets: (Int32Array | undefined)[] = Array.from(slotCounts, (n) => (n > 0 ? new Int32Array(n) : undefined));
    const fill = new Int32Array(slotCounts.length);
    const markerIds = new Int32Array(nMarkers);
    let m = 0;
    const heatIds = new Int32Array(nHeat);
    const heatIpa = new Float64Array(nHeat);
    let h = 0;
    for (const { base, n, cols } of marks.chunkViews()) {
      for (let j = 0; j < n; j++) {
        const rank = ranks[base + j];
        if (rank < 0) continue;
        const key = slotOf[cols.lane[j]] * RANKS + rank;
        (buckets[key] as Int32Array)[fill[key]++] = base + j;
        if (cols.kind[j] === KIND_MARKER) markerIds[m++] = base + j;
        if (IS_FAULT_RANK[rank] && Number.isFinite(cols.ipa[j])) {
          heatIds[h] = base + j;
          heatIpa[h++] = cols.ipa[j];
        }
      }
    }

    const present = new Set<BinClass>();
    this.lanes.forEach((lane, slot) => {
      // Ranks ascend worst first: the order laneWindows relies on.
      for (let rank = 0; rank < RANKS; rank++) {
        const ids = buckets[slot * RANKS + rank];
        if (!ids) continue;
        const cls = BIN_CLASS_ORDER[rank];
        present.add(cls);
        lane.series.push(this.buildSeries(cls, ids));
      }
    });
    for (const lane of this.lanes) lane.windows = this.buildWindows(lane);
    this.classes = BIN_CLASS_ORDER.filter((c) => present.has(c));

    this.markerIdx = sortIndices(markerIds, (i) => marks.tsAt(i));
    this.markerTs = Float64Array.from(this.markerIdx, (i) => marks.tsAt(i));

    this.heatRegions = ipaRegions(heatIpa, HEAT_ROWS);
    this.heatTs = this.buildHeatRows(heatIds, heatIpa);
  }

  /** A lane's invalid windows by start time, with their ends (and a sorted copy for coverage). */
  private buildWindows(lane: Lane): Lane['windows'] {
    const marks = this.marks;
    const windowIds: number[] = [];
    for (const s of lane.series) if (s.cumWindows) for (const i of s.idx) if (marks.kindAt(i) === KIND_WINDOW) windowIds.push(i);
    const idx = sortIndices(Int32Array.from(windowIds), (i) => marks.tsAt(i));
    const ts = new Float64Array(idx.length);
    const end = new Float64Array(idx.length);
    let maxDur = 0;
    for (let j = 0; j < idx.length; j++) {
      ts[j] = marks.tsAt(idx[j]);
      const e = marks.endAt(idx[j]);
      end[j] = e > ts[j] ? e : ts[j];
      maxDur = Math.max(maxDur, end[j] - ts[j]);
    }
    return { ts, end, endSorted: Float64Array.from(end).sort(), idx, maxDur };
  }

  /** Fault timestamps per heat row (IPA region), each row in time order. */
  private buildHeatRows(heatIds: Int32Array, heatIpa: Float64Array): Float64Array[] {
    const rowOf = new Int32Array(heatIds.length);
    const rowSize = new Int32Array(this.heatRegions.keys.length);
    for (let k = 0; k < heatIds.length; k++) {
      const r = (rowOf[k] = rowOfIpa(this.heatRegions, heatIpa[k]));
      if (r >= 0) rowSize[r]++;
    }
    const rows = Array.from(rowSize, (n) => new Float64Array(n));
    rowSize.fill(0);
    for (let k = 0; k < heatIds.length; k++) {
      const r = rowOf[k];
      if (r >= 0) rows[r][rowSize[r]++] = this.marks.tsAt(heatIds[k]);
    }
    // Marks come nearly in time order: sort (numeric, no comparator) only the rows that are not.
    for (const row of rows) if (!isSorted(row)) row.sort();
    return rows;
  }

  /** Drawable mark indices ordered by line (built on first use: only locate() needs them). */
  private get byLine(): Int32Array {
    if (!this.byLineCache) {
      const marks = this.marks;
      const valid: number[] = [];
      for (let i = 0; i < marks.length; i++) if (this.ranks[i] >= 0) valid.push(i);
      this.byLineCache = radixSortByKey(Int32Array.from(valid), (i) => marks.lineAt(i));
    }
    return this.byLineCache;
  }

  private addLane(id: string, label: string): Lane {
    const lane: Lane = { id, label, series: [], windows: { ts: new Float64Array(0), end: new Float64Array(0), endSorted: new Float64Array(0), idx: new Int32Array(0), maxDur: 0 } };
    this.lanes.push(lane);
    this.laneById.set(id, lane);
    return lane;
  }

  /** A series' timestamps, the prefix sums of its measures (see markMeasuresAt) and its avoided entries. */
  private buildSeries(cls: BinClass, ids: Int32Array): Series {
    const marks = this.marks;
    const idx = sortIndices(ids, (i) => marks.tsAt(i));
    const n = idx.length;
    const ts = new Float64Array(n);
    const kinds = new Set<number>();
    for (let j = 0; j < n; j++) {
      ts[j] = marks.tsAt(idx[j]);
      kinds.add(marks.kindAt(idx[j]));
    }
    const cum = (kind: number, measure: (i: number) => number): Float64Array | undefined => {
      if (!kinds.has(kind)) return undefined;
      const c = new Float64Array(n + 1);
      for (let j = 0; j < n; j++) c[j + 1] = c[j] + (marks.kindAt(idx[j]) === kind ? measure(idx[j]) : 0);
      return c;
    };
    const s: Series = { cls, ts, idx, avoidedTs: new Float64Array(0) };
    if (this.avoidedLines.size > 0) {
      const avoided: number[] = [];
      for (let j = 0; j < n; j++) if (this.avoidedLines.has(marks.lineAt(idx[j]))) avoided.push(ts[j]);
      s.avoidedTs = Float64Array.from(avoided);
    }
    if (n > 4 * SAMPLE_STRIDE * SAMPLE_STRIDE) s.sample = sampleOf(ts);
    const bytes = cum(KIND_CMO, (i) => measuresAt(marks, i).cmoBytes);
    const tlbi = cum(KIND_TLBI, () => 1);
    const windows = cum(KIND_WINDOW, () => 1);
    if (bytes) s.cumBytes = bytes;
    if (tlbi) s.cumTlbi = tlbi;
    if (windows) {
      s.cumWindows = windows;
      s.cumWindowNs = cum(KIND_WINDOW, (i) => measuresAt(marks, i).windowNs);
    }
    return s;
  }

  private selectedLanes(filter: TimelineFilter | undefined): Lane[] {
    return filter?.lanes ? this.lanes.filter((l) => filter.lanes?.includes(l.id)) : this.lanes;
  }

  private selectedSeries(lane: Lane, filter: TimelineFilter | undefined): Series[] {
    return lane.series.filter((s) => passesFilter(filter, lane.id, s.cls));
  }

  /** Per-pixel bins of every selected lane over [t0, t1]. */
  laneWindows(t0: number, t1: number, width: number, filter?: TimelineFilter): LaneWindow[] {
    const out: LaneWindow[] = [];
    const pos = new Int32Array(width + 1);
    const apos = new Int32Array(width + 1);
    for (const lane of this.selectedLanes(filter)) {
      const total = new Int32Array(width);
      const worst = new Int8Array(width).fill(-1);
      const line = new Int32Array(width);
      const avoided = new Int32Array(width);
      const counts = new Map<BinClass, Int32Array>();
      const faultsByClass = new Map<BinClass, Int32Array>();
      const cmoBytes = new Float64Array(width);
      const tlbi = new Float64Array(width);
      for (const s of this.selectedSeries(lane, filter)) {
        edgePositions(s.ts, t0, t1, width, pos, s.sample);
        if (pos[0] === pos[width]) continue;
        const c = new Int32Array(width);
        const rank = BIN_CLASS_INDEX[s.cls];
        for (let i = 0; i < width; i++) {
          const n = pos[i + 1] - pos[i];
          if (n === 0) continue;
          c[i] = n;
          total[i] += n;
          // Series are ordered worst first, so the first class seen in a bin is its worst.
          if (worst[i] < 0) {
            worst[i] = rank;
            line[i] = this.marks.lineAt(s.idx[pos[i]]);
          }
        }
        if (s.cumBytes) for (let i = 0; i < width; i++) cmoBytes[i] += s.cumBytes[pos[i + 1]] - s.cumBytes[pos[i]];
        if (s.cumTlbi) for (let i = 0; i < width; i++) tlbi[i] += s.cumTlbi[pos[i + 1]] - s.cumTlbi[pos[i]];
        if (s.avoidedTs.length) {
          edgePositions(s.avoidedTs, t0, t1, width, apos);
          for (let i = 0; i < width; i++) avoided[i] += apos[i + 1] - apos[i];
        }
        counts.set(s.cls, c);
        if (isFaultClass(s.cls)) faultsByClass.set(s.cls, c);
      }
      const px: number[] = [];
      for (let i = 0; i < width; i++) if (total[i] > 0) px.push(i);
      const bins: LaneBins = {
        lane: lane.id,
        config: this.config,
        px,
        total: px.map((i) => total[i]),
        worst: px.map((i) => worst[i]),
        line: px.map((i) => line[i]),
        avoided: px.map((i) => avoided[i]),
        counts: {},
      };
      for (const [cls, c] of counts) bins.counts[cls] = px.map((i) => c[i]);
      out.push({ bins, faultsByClass, cmoBytes, tlbi });
    }
    return out;
  }

  /** Visit the invalid windows overlapping [t0, t1] in the selected lanes. */
  private eachWindow(t0: number, t1: number, filter: TimelineFilter | undefined, visit: (lane: Lane, j: number) => boolean | void): void {
    for (const lane of this.selectedLanes(filter)) {
      const w = lane.windows;
      const from = lowerBound(w.ts, t0 - w.maxDur);
      const to = upperBound(w.ts, t1, from);
      for (let j = from; j < to; j++) {
        if (w.end[j] < t0) continue;
        if (filter?.classes && !passesFilter(filter, lane.id, this.binClass(w.idx[j]))) continue;
        if (visit(lane, j) === false) return;
      }
    }
  }

  /** Invalid windows overlapping [t0, t1] as bars, or undefined when there are more than `limit`. */
  windowsIn(t0: number, t1: number, filter?: TimelineFilter, limit = MAX_WINDOW_BARS): WindowBar[] | undefined {
    const bars: WindowBar[] = [];
    let over = false;
    this.eachWindow(t0, t1, filter, (lane, j) => {
      if (bars.length >= limit) {
        over = true;
        return false;
      }
      const w = lane.windows;
      const i = w.idx[j];
      const bar: WindowBar = { lane: lane.id, config: this.config, ts: w.ts[j], endTs: w.end[j], line: this.marks.lineAt(i), cls: this.binClass(i) };
      const ipa = this.marks.ipaAt(i);
      const size = this.marks.sizeAt(i);
      if (!Number.isNaN(ipa)) bar.ipa = ipa;
      if (!Number.isNaN(size)) bar.size = size;
      bars.push(bar);
    });
    return over ? undefined : bars;
  }

  /**
   * Per-pixel number of invalid windows per lane that overlap the pixel's time span (when bars
   * would be too many to send). Without a class filter this costs two bin-edge searches per lane,
   * however many windows the range holds: a window overlaps pixel i when it starts before the
   * pixel ends and ends at or after it starts, so open(i) = #(ts < edge i+1) - #(end < edge i).
   */
  windowCoverage(t0: number, t1: number, width: number, filter?: TimelineFilter): { lane: string; config: TrackConfig; px: number[]; open: number[] }[] {
    if (filter?.classes) return this.filteredWindowCoverage(t0, t1, width, filter);
    const out: { lane: string; config: TrackConfig; px: number[]; open: number[] }[] = [];
    const starts = new Int32Array(width + 1);
    const ends = new Int32Array(width + 1);
    for (const lane of this.selectedLanes(filter)) {
      const w = lane.windows;
      if (w.ts.length === 0) continue;
      edgePositions(w.ts, t0, t1, width, starts);
      edgePositions(w.endSorted, t0, t1, width, ends);
      const px: number[] = [];
      const open: number[] = [];
      for (let i = 0; i < width; i++) {
        const n = starts[i + 1] - ends[i];
        if (n > 0) {
          px.push(i);
          open.push(n);
        }
      }
      if (px.length) out.push({ lane: lane.id, config: this.config, px, open });
    }
    return out;
  }

  /** The same coverage when a class filter applies: a walk over the windows of the range. */
  private filteredWindowCoverage(t0: number, t1: number, width: number, filter: TimelineFilter): { lane: string; config: TrackConfig; px: number[]; open: number[] }[] {
    const diffs = new Map<Lane, Int32Array>();
    const span = t1 - t0;
    const px = (t: number) => Math.max(0, Math.min(width - 1, Math.floor(((t - t0) / span) * width)));
    this.eachWindow(t0, t1, filter, (lane, j) => {
      let d = diffs.get(lane);
      if (!d) diffs.set(lane, (d = new Int32Array(width + 1)));
      d[px(lane.windows.ts[j])]++;
      d[px(lane.windows.end[j]) + 1]--;
    });
    return [...diffs].map(([lane, d]) => {
      const pxs: number[] = [];
      const open: number[] = [];
      let run = 0;
      for (let i = 0; i < width; i++) {
        run += d[i];
        if (run > 0) {
          pxs.push(i);
          open.push(run);
        }
      }
      return { lane: lane.id, config: this.config, px: pxs, open };
    });
  }

  /** Trace markers in [t0, t1]: all when few, else the first one of each pixel. */
  markersIn(t0: number, t1: number, width: number): { markers: MarkerRule[]; thinned: number } {
    const from = lowerBound(this.markerTs, t0);
    const to = upperBound(this.markerTs, t1, from);
    const rule = (j: number): MarkerRule => {
      const i = this.markerIdx[j];
      return { ts: this.marks.tsAt(i), line: this.marks.lineAt(i), label: this.marks.labelAt(i) ?? '' };
    };
    if (to - from <= MAX_MARKERS) return { markers: Array.from({ length: to - from }, (_, k) => rule(from + k)), thinned: 0 };
    const pos = edgePositions(this.markerTs, t0, t1, width);
    const markers: MarkerRule[] = [];
    for (let i = 0; i < width; i++) if (pos[i + 1] > pos[i]) markers.push(rule(pos[i]));
    return { markers, thinned: to - from - markers.length };
  }

  /** Faults per IPA region and time column over [t0, t1]. */
  heat(t0: number, t1: number, columns: number): HeatTrack {
    const rows = Array.from(this.heatRegions.keys, (k) => ({ ipa: k * this.heatRegions.size, size: this.heatRegions.size }));
    const cells = new Array<number>(rows.length * columns).fill(0);
    let max = 0;
    const pos = new Int32Array(columns + 1);
    this.heatTs.forEach((ts, r) => {
      edgePositions(ts, t0, t1, columns, pos);
      for (let c = 0; c < columns; c++) {
        const n = pos[c + 1] - pos[c];
        cells[r * columns + c] = n;
        if (n > max) max = n;
      }
    });
    return { columns, rows, cells, max };
  }

  /** Statistics of [t0, t1]: the same numbers as countMarksInRange over the same marks. */
  rangeStats(t0: number, t1: number, filter?: TimelineFilter): RangeStats {
    const st = emptyRangeStats(t0, t1);
    for (const lane of this.selectedLanes(filter)) {
      for (const s of this.selectedSeries(lane, filter)) {
        const a = lowerBound(s.ts, t0);
        const b = upperBound(s.ts, t1, a);
        const diff = (cum: Float64Array | undefined) => (cum ? cum[b] - cum[a] : 0);
        const avoidedA = lowerBound(s.avoidedTs, t0);
        addToStats(st, lane.id, s.cls, b - a, {
          cmoBytes: diff(s.cumBytes),
          tlbi: diff(s.cumTlbi),
          windows: diff(s.cumWindows),
          windowNs: diff(s.cumWindowNs),
          avoided: upperBound(s.avoidedTs, t1, avoidedA) - avoidedA,
        });
      }
    }
    return st;
  }

  private binClass(i: number): BinClass {
    return BIN_CLASS_ORDER[this.ranks[i]];
  }

  private detail(i: number): MarkDetail {
    const m = this.marks.get(i);
    const d: MarkDetail = { lane: m.lane, config: this.config, ts: m.ts, kind: m.kind, cls: this.binClass(i), line: m.line, avoided: this.avoidedLines.has(m.line) };
    if (m.endTs !== undefined) d.endTs = m.endTs;
    if (m.ipa !== undefined) d.ipa = m.ipa;
    if (m.size !== undefined) d.size = m.size;
    if (m.label !== undefined) d.label = m.label;
    return d;
  }

  /** The first `limit` marks of [t0, t1] in time order (tooltips, the accessible list). */
  marksIn(t0: number, t1: number, filter?: TimelineFilter, limit = 20): MarkDetail[] {
    const picked: number[] = [];
    for (const lane of this.selectedLanes(filter)) {
      for (const s of this.selectedSeries(lane, filter)) {
        const a = lowerBound(s.ts, t0);
        const b = Math.min(upperBound(s.ts, t1, a), a + limit);
        for (let j = a; j < b; j++) picked.push(s.idx[j]);
      }
    }
    picked.sort((x, y) => this.marks.tsAt(x) - this.marks.tsAt(y) || x - y);
    return picked.slice(0, limit).map((i) => this.detail(i));
  }

  /** Marks whose [ipa, ipa + size) holds `ipa`, in time order: the first `limit` and the total. */
  findIpa(ipa: number, limit = 100): { total: number; hits: MarkDetail[] } {
    // One pass over the IPA and size columns, then sort only the matches.
    const matches: number[] = [];
    const marks = this.marks;
    for (let i = 0; i < marks.length; i++) {
      const start = marks.ipaAt(i);
      if (!(ipa >= start)) continue;
      const size = marks.sizeAt(i);
      if (ipa < start + (size > 0 ? size : 1) && this.ranks[i] >= 0) matches.push(i);
    }
    matches.sort((x, y) => marks.tsAt(x) - marks.tsAt(y) || x - y);
    return { total: matches.length, hits: matches.slice(0, limit).map((i) => this.detail(i)) };
  }

  /** The mark at `line`, or the last one before it (the first one when none is before). */
  locate(line: number): { ts: number; lane: string; line: number } | undefined {
    const byLine = this.byLine;
    if (byLine.length === 0) return undefined;
    const marks = this.marks;
    let lo = 0;
    let hi = byLine.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (marks.lineAt(byLine[mid]) <= line) lo = mid + 1;
      else hi = mid;
    }
    const i = byLine[Math.max(0, lo - 1)];
    return { ts: marks.tsAt(i), lane: marks.laneName(marks.laneAt(i)), line: marks.lineAt(i) };
  }
}

/** Column count of the heat track for a window `width` pixels wide (one column per 4 px). */
export function heatColumns(width: number): number {
  return Math.max(1, Math.floor(width / 4));
}

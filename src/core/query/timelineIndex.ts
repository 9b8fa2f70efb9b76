// The windowed level-of-detail index of one replay's marks, built once: per lane and bin class a
// sorted timestamp array with prefix sums of the measures (CMO bytes, TLBIs, invalid windows), so
// any window at any pixel width costs one binary search per bin edge, whatever the trace size.
// Answers the timeline's window, selection, tooltip, find-IPA and locate-line queries.
import type { Mark } from '../analysis/types';
import {
  BIN_CLASS_INDEX,
  BIN_CLASS_ORDER,
  binClassOf,
  isFaultClass,
  type BinClass,
  type HeatTrack,
  type LaneBins,
  type MarkDetail,
  type MarkerRule,
  type RangeStats,
  type TimelineFilter,
  type TrackConfig,
  type WindowBar,
} from '../../shared/timelineProtocol';
import { addToStats, emptyRangeStats, markMeasures, passesFilter } from './rangeStats';
import { edgePositions, lowerBound, SAMPLE_STRIDE, sampleOf, upperBound } from './sortedSearch';
import { ipaRegions, regionRow, type IpaRegions } from './ipaRegions';

/** Individual invalid-window bars up to this many per query; beyond, per-pixel coverage. */
export const MAX_WINDOW_BARS = 2000;
/** Markers up to this many per query; beyond, one per pixel. */
export const MAX_MARKERS = 400;
export const HEAT_ROWS = 32;

/** Marks of one lane and one class, in time order. */
interface Series {
  cls: BinClass;
  ts: Float64Array;
  /** sampleOf(ts), for big series only. */
  sample?: Float64Array;
  /** Index of each entry in the replay's marks. */
  idx: Int32Array;
  /** Line of each entry: a bin's line is read from here, not from the (scattered) mark objects. */
  lines: Int32Array;
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
  windows: { ts: Float64Array; end: Float64Array; idx: Int32Array; maxDur: number };
}

export interface TimelineIndexInput {
  lanes: readonly { id: string; label: string }[];
  marks: readonly Mark[];
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

/** Sort mark indices by a key, stable on mark order; marks come mostly in order, so check first. */
function sortBy(ids: number[], key: (i: number) => number): Int32Array {
  const idx = Int32Array.from(ids);
  let sorted = true;
  for (let j = 1; j < idx.length && sorted; j++) if (key(idx[j]) < key(idx[j - 1])) sorted = false;
  if (!sorted) idx.set(ids.slice().sort((x, y) => key(x) - key(y) || x - y));
  return idx;
}

function sortByTs(ids: number[], marks: readonly Mark[]): Int32Array {
  return sortBy(ids, (i) => marks[i].ts);
}

export class TimelineIndex {
  readonly config: TrackConfig;
  readonly lanes: Lane[] = [];
  readonly markCount: number;
  readonly extent: { t0: number; t1: number };
  readonly classes: BinClass[];
  readonly avoidedLines: ReadonlySet<number>;
  private readonly marks: readonly Mark[];
  private readonly laneById = new Map<string, Lane>();
  private readonly markerTs: Float64Array;
  private readonly markerIdx: Int32Array;
  private readonly heatRegions: IpaRegions;
  /** Fault timestamps per heat row. */
  private readonly heatTs: Float64Array[];
  /** Indices of the marks that passed validation, in mark order. */
  private readonly valid: Int32Array;
  private byLineCache: Int32Array | undefined;

  constructor(input: TimelineIndexInput) {
    this.config = input.config ?? 'A';
    this.marks = input.marks;
    this.avoidedLines = new Set(input.avoidedLines ?? []);
    const marks = input.marks;
    for (const l of input.lanes) this.addLane(l.id, l.label);

    // Bucket valid marks by lane and class index; a mark with a non-finite timestamp is untrusted noise.
    const buckets = new Map<Lane, (number[] | undefined)[]>();
    const markerIds: number[] = [];
    const heatIds: number[] = [];
    const valid = new Int32Array(marks.length);
    let nValid = 0;
    let t0 = Infinity;
    let t1 = -Infinity;
    let lastLane: Lane | undefined;
    let lastBuckets: (number[] | undefined)[] = [];
    for (let i = 0; i < marks.length; i++) {
      const m = marks[i];
      const ts = m.ts;
      if (!Number.isFinite(ts)) continue;
      const cls = m.cls ?? m.kind;
      const rank = BIN_CLASS_INDEX[cls];
      if (rank === undefined) continue;
      valid[nValid++] = i;
      if (ts < t0) t0 = ts;
      const end = m.endTs !== undefined && Number.isFinite(m.endTs) && m.endTs > ts ? m.endTs : ts;
      if (end > t1) t1 = end;
      if (lastLane === undefined || lastLane.id !== m.lane) {
        lastLane = this.laneById.get(m.lane) ?? this.addLane(m.lane, m.lane);
        let b = buckets.get(lastLane);
        if (!b) buckets.set(lastLane, (b = []));
        lastBuckets = b;
      }
      (lastBuckets[rank] ??= []).push(i);
      if (m.kind === 'marker') markerIds.push(i);
      if (m.ipa !== undefined && isFaultClass(cls) && Number.isFinite(m.ipa)) heatIds.push(i);
    }
    this.valid = valid.subarray(0, nValid);
    this.markCount = nValid;
    this.extent = nValid ? { t0, t1 } : { t0: 0, t1: 0 };

    const present = new Set<BinClass>();
    for (const lane of this.lanes) {
      const byRank = buckets.get(lane) ?? [];
      const windowIds: number[] = [];
      BIN_CLASS_ORDER.forEach((cls, rank) => {
        const ids = byRank[rank];
        if (!ids) return;
        present.add(cls);
        lane.series.push(this.buildSeries(cls, ids));
        for (const i of ids) if (marks[i].kind === 'window') windowIds.push(i);
      });
      const widx = sortByTs(windowIds, marks);
      const wts = new Float64Array(widx.length);
      const wend = new Float64Array(widx.length);
      let maxDur = 0;
      for (let j = 0; j < widx.length; j++) {
        const m = marks[widx[j]];
        wts[j] = m.ts;
        wend[j] = m.endTs !== undefined && Number.isFinite(m.endTs) && m.endTs > m.ts ? m.endTs : m.ts;
        maxDur = Math.max(maxDur, wend[j] - wts[j]);
      }
      lane.windows = { ts: wts, end: wend, idx: widx, maxDur };
    }
    this.classes = BIN_CLASS_ORDER.filter((c) => present.has(c));

    this.markerIdx = sortByTs(markerIds, marks);
    this.markerTs = Float64Array.from(this.markerIdx, (i) => marks[i].ts);

    this.heatRegions = ipaRegions(heatIds.map((i) => marks[i].ipa as number), HEAT_ROWS);
    const rows: number[][] = Array.from(this.heatRegions.keys, () => []);
    for (const i of heatIds) {
      const r = regionRow(this.heatRegions, marks[i].ipa as number);
      if (r >= 0) rows[r].push(marks[i].ts);
    }
    // A typed-array sort (numeric, no comparator) puts each row in time order.
    this.heatTs = rows.map((r) => Float64Array.from(r).sort());
  }

  /** Mark indices ordered by line (built on first use: only locate() needs them). */
  private get byLine(): Int32Array {
    return (this.byLineCache ??= sortBy(Array.from(this.valid), (i) => this.marks[i].line));
  }

  private addLane(id: string, label: string): Lane {
    const lane: Lane = { id, label, series: [], windows: { ts: new Float64Array(0), end: new Float64Array(0), idx: new Int32Array(0), maxDur: 0 } };
    this.lanes.push(lane);
    this.laneById.set(id, lane);
    return lane;
  }

  private buildSeries(cls: BinClass, ids: number[]): Series {
    const first = this.fillSeries(cls, Int32Array.from(ids));
    if (first.sorted) return first.series;
    // Out of time order (CPUs interleave): sort the indices by the timestamps just read, fill again.
    const order = Array.from(first.series.ts.keys()).sort((x, y) => first.series.ts[x] - first.series.ts[y] || x - y);
    return this.fillSeries(cls, Int32Array.from(order, (j) => first.series.idx[j])).series;
  }

  /** One pass over a series' marks: timestamps, lines and the prefix sums of the measures (see markMeasures for the rule). */
  private fillSeries(cls: BinClass, idx: Int32Array): { series: Series; sorted: boolean } {
    const marks = this.marks;
    const n = idx.length;
    let sorted = true;
    const ts = new Float64Array(n);
    const lines = new Int32Array(n);
    let bytes: Float64Array | undefined;
    let tlbi: Float64Array | undefined;
    let windows: Float64Array | undefined;
    let windowNs: Float64Array | undefined;
    const avoided: number[] = [];
    const checkAvoided = this.avoidedLines.size > 0;
    for (let j = 0; j < n; j++) {
      const m = marks[idx[j]];
      ts[j] = m.ts;
      if (j > 0 && m.ts < ts[j - 1]) sorted = false;
      lines[j] = m.line;
      if (m.kind === 'cmo') bytes ??= new Float64Array(n + 1);
      else if (m.kind === 'tlbi') tlbi ??= new Float64Array(n + 1);
      else if (m.kind === 'window') {
        windows ??= new Float64Array(n + 1);
        windowNs ??= new Float64Array(n + 1);
      }
      if (bytes) bytes[j + 1] = bytes[j] + (m.kind === 'cmo' ? m.size ?? 0 : 0);
      if (tlbi) tlbi[j + 1] = tlbi[j] + (m.kind === 'tlbi' ? 1 : 0);
      if (windows && windowNs) {
        const isWindow = m.kind === 'window';
        windows[j + 1] = windows[j] + (isWindow ? 1 : 0);
        windowNs[j + 1] = windowNs[j] + (isWindow ? markMeasures(m).windowNs : 0);
      }
      if (checkAvoided && this.avoidedLines.has(m.line)) avoided.push(m.ts);
    }
    const s: Series = { cls, ts, idx, lines, avoidedTs: Float64Array.from(avoided) };
    if (n > 4 * SAMPLE_STRIDE * SAMPLE_STRIDE) s.sample = sampleOf(ts);
    if (bytes) s.cumBytes = bytes;
    if (tlbi) s.cumTlbi = tlbi;
    if (windows && windowNs) {
      s.cumWindows = windows;
      s.cumWindowNs = windowNs;
    }
    return { series: s, sorted };
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
            line[i] = s.lines[pos[i]];
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
        if (filter?.classes && !passesFilter(filter, lane.id, binClassOf(this.marks[w.idx[j]]))) continue;
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
      const m = this.marks[w.idx[j]];
      const bar: WindowBar = { lane: lane.id, config: this.config, ts: w.ts[j], endTs: w.end[j], line: m.line, cls: binClassOf(m) };
      if (m.ipa !== undefined) bar.ipa = m.ipa;
      if (m.size !== undefined) bar.size = m.size;
      bars.push(bar);
    });
    return over ? undefined : bars;
  }

  /** Per-pixel number of open invalid windows per lane (when bars would be too many to send). */
  windowCoverage(t0: number, t1: number, width: number, filter?: TimelineFilter): { lane: string; config: TrackConfig; px: number[]; open: number[] }[] {
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
      const m = this.marks[this.markerIdx[j]];
      return { ts: m.ts, line: m.line, label: m.label ?? '' };
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

  private detail(i: number): MarkDetail {
    const m = this.marks[i];
    const d: MarkDetail = { lane: m.lane, config: this.config, ts: m.ts, kind: m.kind, cls: binClassOf(m), line: m.line, avoided: this.avoidedLines.has(m.line) };
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
    picked.sort((x, y) => this.marks[x].ts - this.marks[y].ts || x - y);
    return picked.slice(0, limit).map((i) => this.detail(i));
  }

  /** Marks whose [ipa, ipa + size) holds `ipa`, in time order: the first `limit` and the total. */
  findIpa(ipa: number, limit = 100): { total: number; hits: MarkDetail[] } {
    // One pass in mark order (memory order of the mark objects), then sort only the matches.
    const matches: number[] = [];
    const marks = this.marks;
    const valid = this.valid;
    for (let j = 0; j < valid.length; j++) {
      const m = marks[valid[j]];
      const start = m.ipa;
      if (start === undefined || ipa < start) continue;
      const size = m.size && m.size > 0 ? m.size : 1;
      if (ipa < start + size) matches.push(valid[j]);
    }
    matches.sort((x, y) => marks[x].ts - marks[y].ts || x - y);
    return { total: matches.length, hits: matches.slice(0, limit).map((i) => this.detail(i)) };
  }

  /** The mark at `line`, or the last one before it (the first one when none is before). */
  locate(line: number): { ts: number; lane: string; line: number } | undefined {
    if (this.byLine.length === 0) return undefined;
    let lo = 0;
    let hi = this.byLine.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.marks[this.byLine[mid]].line <= line) lo = mid + 1;
      else hi = mid;
    }
    const m = this.marks[this.byLine[Math.max(0, lo - 1)]];
    return { ts: m.ts, lane: m.lane, line: m.line };
  }
}

/** Column count of the heat track for a window `width` pixels wide (one column per 4 px). */
export function heatColumns(width: number): number {
  return Math.max(1, Math.floor(width / 4));
}

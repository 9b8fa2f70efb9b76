// The answers of the timeline's queries (src/core/query): time ranges, per-pixel lane bins, window
// bars, markers, heat tracks, range statistics, mark details. The language server sends them as they
// are; src/shared/timelineProtocol.ts re-exports them as the results of its requests.
import type { MarkKind } from '../domain/types';
import type { BinClass } from './binClasses';

export interface TimeRange {
  t0: number;
  t1: number;
}

/** Restrict a query: undefined = everything. */
export interface TimelineFilter {
  lanes?: string[];
  classes?: BinClass[];
}

/** Which replay a track shows: A (the configuration of the editor) or B (the what-if). */
export type TrackConfig = 'A' | 'B';

export interface LaneInfo {
  id: string;
  label: string;
  config: TrackConfig;
}

export interface TimelineInfo {
  available: boolean;
  /** Why there is nothing to show (no analysis yet, not a trace). */
  reason?: string;
  /** Trace extent in ns. */
  extent: TimeRange;
  lanes: LaneInfo[];
  /** Classes present anywhere in the trace, worst first. */
  classes: BinClass[];
  /** Total marks of configuration A. */
  markCount: number;
  /** Marks A's replay could not keep (its mark store was full), and the time of the first: past it, ordinary marks are missing. */
  marksDropped?: { count: number; fromTs: number };
  configA: string;
  /** Set when a what-if replay (B) exists. */
  configB?: string;
  /** Lines B avoids (counted, not listed: the window carries them per bin). */
  avoidedCount: number;
  /** Bumps whenever the analysis behind the timeline changes. */
  version: number;
}

/** Per-pixel summary of one lane (sparse: only bins holding something, parallel arrays). */
export interface LaneBins {
  lane: string;
  config: TrackConfig;
  /** Bin index (0..width-1) of each entry below. */
  px: number[];
  total: number[];
  /** Index into BIN_CLASS_ORDER of the worst class in the bin. */
  worst: number[];
  /** Line of the first mark of the worst class in the bin (what a click reveals). */
  line: number[];
  /** Marks in the bin that the what-if replay avoids (drawn ghosted). */
  avoided: number[];
  /** Counts per class, parallel to px; only classes present in the window. */
  counts: Partial<Record<BinClass, number[]>>;
}

export interface WindowBar {
  lane: string;
  config: TrackConfig;
  ts: number;
  endTs: number;
  line: number;
  ipa?: number;
  size?: number;
  cls?: BinClass;
}

export interface MarkerRule {
  ts: number;
  line: number;
  /** Trace text: render with textContent / fillText only. */
  label: string;
}

export interface HeatTrack {
  /** Columns of the heat map (each covers width/columns pixels). */
  columns: number;
  /** IPA regions, lowest first. */
  rows: { ipa: number; size: number }[];
  /** Row-major: cells[row * columns + column] = faults. */
  cells: number[];
  max: number;
}

export interface SummaryTracks {
  /** Faults per bin over all vCPU lanes by class (parallel to `px`). */
  px: number[];
  faults: Partial<Record<BinClass, number[]>>;
  cmoBytes: number[];
  tlbi: number[];
  heat: HeatTrack;
}

export interface WindowResult {
  range: TimeRange;
  width: number;
  lanes: LaneBins[];
  /** Invalid windows overlapping the range; when there are too many, `windowsDense` holds coverage instead. */
  windows: WindowBar[];
  /** Per-pixel: number of invalid windows open (per lane), when individual bars would be too many. */
  windowsDense?: { lane: string; config: TrackConfig; px: number[]; open: number[] }[];
  markers: MarkerRule[];
  /** Markers left out because more than one fell in a pixel. */
  markersThinned: number;
  summary: SummaryTracks;
  /** Server-side time to answer, ms. */
  elapsedMs: number;
}

/** Counts over a time range; the same function feeds the timeline's selection and the CLI. */
export interface RangeStats {
  range: TimeRange;
  /** Marks in [t0, t1] after the filter. */
  total: number;
  byClass: Partial<Record<BinClass, number>>;
  perLane: Record<string, number>;
  faults: { total: number; spurious: number; byClass: Partial<Record<BinClass, number>> };
  cmoBytes: number;
  tlbi: number;
  /** Invalid windows starting in the range and their summed length. */
  invalidWindows: { count: number; totalNs: number };
  avoided: number;
}

/** A selection's statistics: configuration A (what the CLI counts) and, with a what-if, B. */
export interface RangeStatsResult {
  a: RangeStats;
  b?: RangeStats;
}

export interface MarkDetail {
  lane: string;
  config: TrackConfig;
  ts: number;
  endTs?: number;
  kind: MarkKind;
  cls: BinClass;
  line: number;
  ipa?: number;
  size?: number;
  /** Trace text: render with textContent only. */
  label?: string;
  avoided: boolean;
}

export interface FindIpaResult {
  ipa: number;
  total: number;
  /** The first hits in time order (at most `limit`). */
  hits: MarkDetail[];
}

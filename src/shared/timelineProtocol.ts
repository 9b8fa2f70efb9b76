// Every message of the timeline, typed once: the params and results of the custom LSP requests the
// panel sends to the server (`stage2Lens/timeline*`, whose request objects are in requests.ts), and
// the messages between the webview and the extension, discriminated unions on `type` that
// handlers switch over exhaustively (see `assertNever`).
// The bin classes, their severity order and the bin-edge formula live here too, because the
// server bins with them and the webview draws with them: one definition for both sides.
import type { FindingClass, MarkKind } from '../core/analysis/types';
import { CLASS_ORDER, FINDING_CLASSES, findingEntry, isRedundantCmo, isSpurious, type FindingNature } from '../core/catalog/findings';

// ---------------------------------------------------------------------------------------------
// Bin classes: what a bin counts. A mark's class is its finding class when it has one (a spurious
// fault, a redundant CMO), else its kind (`fault` = an ordinary fault).

export type BinClass = FindingClass | MarkKind;

/** How much a class should stand out, by its nature in the catalog (lower first). */
const NATURE_RANK: Readonly<Record<FindingNature, number>> = { anomaly: 0, 'inherent-race': 1, redundant: 2, 'by-design': 3, 'host-action': 4, 'no-op': 5 };
const SEVERITY_RANK = { error: 0, warning: 1, information: 2, hint: 3 } as const;

/**
 * Worst first: a bin's `worst` is the first of these it contains. Finding classes by nature then
 * severity (catalog order breaks ties): anomalies and spurious faults stand out, no-op calls last.
 */
export const BIN_CLASS_ORDER: readonly BinClass[] = [
  ...[...FINDING_CLASSES]
    .sort((a, b) => NATURE_RANK[a.nature] - NATURE_RANK[b.nature] || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])
    .map((e) => e.cls),
  'window', 'split', 'coalesce', 'tlbi', 'cmo', 'host', 'fault', 'marker',
];

export const BIN_CLASS_INDEX: Readonly<Record<BinClass, number>> = Object.fromEntries(
  BIN_CLASS_ORDER.map((c, i) => [c, i]),
) as Record<BinClass, number>;

/** Spurious faults (drawn in the warning/error colours): the catalog's rule, src/core/catalog/findings.ts. */
export function isSpuriousClass(c: BinClass): boolean {
  return isFindingClass(c) && isSpurious(c);
}

/** Redundant or anomalous cache maintenance (no-op static branches such as C1/C2 are not). */
export function isRedundantCmoClass(c: BinClass): boolean {
  return isFindingClass(c) && isRedundantCmo(c);
}

/** Whether a bin class is a finding class of the catalog (else it is a mark kind). */
export function isFindingClass(c: BinClass): c is FindingClass {
  return (CLASS_ORDER as readonly string[]).includes(c);
}

/** What a mark of each kind without a finding class is, as the legend names it. */
const KIND_TITLE: Readonly<Record<MarkKind, string>> = {
  fault: 'Fault',
  window: 'Invalid window (break-before-make)',
  split: 'Block split',
  coalesce: 'Table collapse',
  cmo: 'Cache maintenance',
  tlbi: 'TLB invalidation',
  marker: 'Trace marker',
  host: 'Host action',
};

/** A class's title for the legend and the details panel: the finding catalog's for a finding class, the mark kind's otherwise. */
export function binClassTitle(c: BinClass): string {
  if (isFindingClass(c)) return findingEntry(c).title;
  return (KIND_TITLE as Record<string, string | undefined>)[c] ?? c;
}

/** Classes that count as faults (ordinary or classified). */
export function isFaultClass(c: BinClass): boolean {
  return c === 'fault' || (isFindingClass(c) && findingEntry(c).subject !== 'cmo');
}

export function binClassOf(mark: { kind: MarkKind; cls?: FindingClass | undefined }): BinClass {
  return mark.cls ?? mark.kind;
}

/**
 * Bins of a window [t0, t1] at `width` pixels: bin i covers [binStart(i), binStart(i+1)), the last
 * bin also holds t1 itself, so the bins of a window add up to the range statistics of [t0, t1].
 */
export function binStart(t0: number, t1: number, width: number, i: number): number {
  return i >= width ? t1 : t0 + ((t1 - t0) * i) / width;
}

// ---------------------------------------------------------------------------------------------
// Shared shapes

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

/** A cause of a finding (the map that won the race, the split that opened the window) and where it is on the timeline. */
export interface MarkCause {
  line: number;
  message: string;
  /** Where the cause's mark is (absent when the timeline holds no mark at or before its line). */
  ts?: number;
  lane?: string;
}

/** A finding's cause drawn as an arrow (Perfetto's flow event): from the cause to the finding, each on its lane at its line's time. */
export interface CauseArrow {
  from: { lane: string; ts: number };
  to: { lane: string; ts: number };
  /** The finding's line and code. */
  line: number;
  code: string;
}

/** A finding on the selected mark's line, as its diagnostic says it. */
export interface MarkFinding {
  /** The finding's code, `S1-lost-race`. */
  code: string;
  message: string;
  causes: MarkCause[];
}

/** What the details panel shows for the selected mark. */
export interface MarkDetails {
  mark: MarkDetail;
  /** The trace line itself. Trace text: render with textContent only. */
  lineText?: string;
  /** The line's hover (the decoded event, its findings, the model's state at that instant) as plain-text paragraphs. */
  hover: string[];
  findings: MarkFinding[];
}

/**
 * The timestamp (ns) of an ftrace text line (`task-pid [cpu] flags 17.294369: event: ...`, also as
 * `trace-cmd report` and the rendered trace.dat print it): where a cause whose line has no mark of
 * its own (a map, a probe) happened. Undefined when the line shows no timestamp.
 */
export function traceLineTimestampNs(text: string): number | undefined {
  const m = /(?:^|\s)(\d{1,10})\.(\d{1,9}):\s/.exec(text);
  return m ? Number(m[1]) * 1e9 + Number(m[2].padEnd(9, '0')) : undefined;
}

/**
 * The lane a cause happened on: its mark's lane, else the lane of configuration A whose label the
 * cause's message names (the engine names vCPUs by their lane labels, `vCPU 3 (kvmtest-207) mapped
 * it here`), longest label first so `vCPU 1` never takes `vCPU 12`'s cause.
 */
export function causeLane(c: MarkCause, lanes: readonly LaneInfo[]): string | undefined {
  if (c.lane !== undefined) return c.lane;
  return [...lanes].filter((l) => l.config === 'A' && c.message.includes(l.label)).sort((a, b) => b.label.length - a.label.length)[0]?.id;
}

/** The mark the timeline holds for `line`: the one of configuration A at that line, else any at that line. */
export function markOfLine(marks: readonly MarkDetail[], line: number): MarkDetail | undefined {
  return marks.find((m) => m.line === line && m.config === 'A') ?? marks.find((m) => m.line === line);
}

/**
 * A hover's Markdown as plain-text paragraphs, for a page that never turns text into HTML: emphasis,
 * code spans, escapes and link targets dropped (a link keeps its text), rules between sections
 * dropped, one entry per non-empty line.
 */
export function markdownToPlainLines(markdown: string): string[] {
  const out: string[] = [];
  for (const raw of markdown.split(/\r?\n/)) {
    if (/^\s*(---+|\|\s*-+\s*\|.*)\s*$/.test(raw)) continue;
    const text = raw
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\*\*|__|`/g, '')
      .replace(/(^|[\s(])_([^_]+)_(?=$|[\s).,:;])/g, '$1$2')
      .replace(/^#+\s*/, '')
      .replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1')
      .trim();
    if (text) out.push(text);
  }
  return out;
}

export interface FindIpaResult {
  ipa: number;
  total: number;
  /** The first hits in time order (at most `limit`). */
  hits: MarkDetail[];
}

// ---------------------------------------------------------------------------------------------
// Extension <-> server: params and results of the custom LSP requests (request objects: requests.ts)

export interface UriParams {
  uri: string;
}
export type InfoParams = UriParams;
export interface WindowParams extends UriParams, TimeRange {
  width: number;
  filter?: TimelineFilter;
}
export interface RangeStatsParams extends UriParams, TimeRange {
  filter?: TimelineFilter;
}
export interface MarksParams extends UriParams, TimeRange {
  filter?: TimelineFilter;
  limit?: number;
}
export interface FindIpaParams extends UriParams {
  ipa: number;
  limit?: number;
}
export interface LocateParams extends UriParams {
  line: number;
}
export interface LocateResult {
  ts: number;
  lane: string;
  line: number;
}

// ---------------------------------------------------------------------------------------------
// Webview <-> extension

/** What the webview keeps in getState/setState (survives hide/show and reload). */
export interface TimelineViewState {
  uri: string;
  viewport?: TimeRange;
  filter?: TimelineFilter;
  selection?: TimeRange;
  findText?: string;
  /** The line of the selected mark (its details are asked for again after a reload). */
  selectedLine?: number;
  /** The range marked with `m`, drawn across every lane. */
  markedRange?: TimeRange;
  /** Draw the cause arrows of every finding in view, not only the selected one's. */
  allArrows?: boolean;
  /** Lanes pinned to the top, in the order they were pinned. */
  pinnedLanes?: string[];
}

export type WebviewToExtension =
  | { type: 'ready'; state?: TimelineViewState }
  | { type: 'window'; seq: number; range: TimeRange; width: number; filter?: TimelineFilter }
  | { type: 'rangeStats'; seq: number; range: TimeRange; filter?: TimelineFilter }
  | { type: 'marks'; seq: number; range: TimeRange; filter?: TimelineFilter }
  | { type: 'findIpa'; seq: number; ipa: number }
  | { type: 'reveal'; line: number }
  /** The details of the mark at `line` (the selected mark), for the details panel. */
  | { type: 'details'; seq: number; line: number }
  /** Open the class page (docs/findings/) of the finding `code` on `line`: the page its diagnostic links to. */
  | { type: 'openFindingPage'; line: number; code: string }
  /** The cause arrows of the findings in `range` (the "all arrows" toggle). */
  | { type: 'causes'; seq: number; range: TimeRange };

export type ExtensionToWebview =
  | { type: 'info'; uri: string; info: TimelineInfo }
  | { type: 'window'; seq: number; result: WindowResult | null }
  | { type: 'rangeStats'; seq: number; result: RangeStatsResult | null }
  | { type: 'marks'; seq: number; result: MarkDetail[] }
  | { type: 'findIpa'; seq: number; result: FindIpaResult | null }
  | { type: 'cursor'; line: number; ts: number; lane: string }
  | { type: 'details'; seq: number; result: MarkDetails | null }
  /** "Reveal in Timeline": select the mark of `line` and zoom to it. */
  | { type: 'select'; line: number }
  | { type: 'causes'; seq: number; result: CauseArrow[] }
  | { type: 'error'; seq?: number; message: string };

/** Exhaustiveness check for switches over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(x)}`);
}

/** Parse an IPA typed by a user: `0x8000_0000`, `80000000h`, `2147483648`; undefined when not a number. */
export function parseIpa(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '').toLowerCase();
  let v: number;
  if (/^0x[0-9a-f]{1,13}$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^[0-9a-f]{1,13}h$/.test(t)) v = parseInt(t.slice(0, -1), 16);
  else if (/^[0-9]{1,16}$/.test(t)) v = parseInt(t, 10);
  else if (/^[0-9a-f]{1,13}$/.test(t)) v = parseInt(t, 16);
  else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}

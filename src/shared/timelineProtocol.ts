// Every message of the timeline, typed once: the params and results of the custom LSP requests the
// panel sends to the server (`stage2Lens/timeline*`, whose request objects are in requests.ts), and
// the messages between the webview and the extension, discriminated unions on `type` that
// handlers switch over exhaustively (see `assertNever`).
// The bin classes, their severity order and the bin-edge formula are defined in
// src/core/query/binClasses.ts (the server bins with them) and re-exported here for the webview,
// which draws with them: one definition for both sides, and core never imports src/shared.
export {
  BIN_CLASS_INDEX, BIN_CLASS_ORDER, binClassOf, binStart, isFaultClass, isRedundantCmoClass, isSpuriousClass, type BinClass,
} from '../core/query/binClasses';

export type {
  TimeRange, TimelineFilter, TrackConfig, LaneInfo, TimelineInfo, LaneBins, WindowBar, MarkerRule, HeatTrack, SummaryTracks, WindowResult, RangeStats, RangeStatsResult, MarkDetail, FindIpaResult,
} from '../core/query/types';
import type { TimeRange, TimelineFilter, TimelineInfo, WindowResult, RangeStatsResult, MarkDetail, FindIpaResult, LaneInfo } from '../core/query/types';
import type { BinClass } from '../core/query/binClasses';
import type { FindingClass, MarkKind } from '../core/domain/types';
import { CLASS_ORDER, findingEntry } from '../core/catalog/findings';

// ---------------------------------------------------------------------------------------------
// The legend and the details panel: class titles from the finding catalog

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

// ---------------------------------------------------------------------------------------------
// The selected mark's details and the cause arrows (webview <-> extension)

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

/** "Reveal in Timeline": `stage2Lens.revealInTimeline [uri, line]` (a 1-based line). */
export const REVEAL_IN_TIMELINE_COMMAND = 'stage2Lens.revealInTimeline';

/**
 * The `command:` URI of "Reveal in Timeline" for a Markdown link (the hover's): the arguments as
 * URI-encoded JSON, with the parentheses a file name may hold encoded too, since a Markdown link's
 * target ends at the first `)`.
 */
export function revealInTimelineCommandUri(uri: string, line: number): string {
  const args = encodeURIComponent(JSON.stringify([uri, line])).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `command:${REVEAL_IN_TIMELINE_COMMAND}?${args}`;
}

/**
 * A hover's Markdown as plain-text paragraphs, for a page that never turns text into HTML: emphasis,
 * code spans, escapes and link targets dropped (a link keeps its text, a `command:` link goes),
 * rules between sections dropped, one entry per non-empty line.
 */
export function markdownToPlainLines(markdown: string): string[] {
  const out: string[] = [];
  for (const raw of markdown.split(/\r?\n/)) {
    if (/^\s*(---+|\|\s*-+\s*\|.*)\s*$/.test(raw)) continue;
    const text = raw
      // a command link is an action of the hover (Reveal in Timeline), not part of what it says
      .replace(/\[[^\]]*\]\(command:[^)]*\)/g, '')
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
  /** Height of a lane, px (absent: the default). */
  laneHeight?: number;
  /** Groups of rows collapsed to their header: `vcpus`, `host`, `summary` (webview/layout.ts). */
  collapsedGroups?: string[];
}

/**
 * A timeline that is one side of a recording diff ("Compare with Another Trace..."): which side,
 * the two traces, whether its zoom and pan move the other's, the classes the diff says changed
 * and the legend's words for each, and why the link is off at the moment (undefined while it maps).
 */
export interface CompareViewState {
  side: 'A' | 'B';
  self: string;
  other: string;
  linked: boolean;
  /** Every finding class of the diff with its verdict; `changed` says whether the legend highlights it. */
  classes: { cls: string; changed: boolean; text: string }[];
  note?: string;
}

export type WebviewToExtension =
  | { type: 'ready'; state?: TimelineViewState }
  /** The user moved the view (zoom, pan, fit): a linked timeline follows. Sent only while the page is one side of a diff. */
  | { type: 'viewport'; range: TimeRange }
  /** The link toggle of a diff's timeline: on or off. */
  | { type: 'link'; on: boolean }
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
  /** This timeline is (or, with undefined, no longer is) one side of a recording diff. */
  | { type: 'compare'; state: CompareViewState | undefined }
  /** The linked timeline moved: show this range (mapped through the diff's phases). */
  | { type: 'linkedViewport'; range: TimeRange }
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

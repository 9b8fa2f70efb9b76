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
import type { TimeRange, TimelineFilter, TimelineInfo, WindowResult, RangeStatsResult, MarkDetail, FindIpaResult } from '../core/query/types';

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
}

export type WebviewToExtension =
  | { type: 'ready'; state?: TimelineViewState }
  | { type: 'window'; seq: number; range: TimeRange; width: number; filter?: TimelineFilter }
  | { type: 'rangeStats'; seq: number; range: TimeRange; filter?: TimelineFilter }
  | { type: 'marks'; seq: number; range: TimeRange; filter?: TimelineFilter }
  | { type: 'findIpa'; seq: number; ipa: number }
  | { type: 'reveal'; line: number };

export type ExtensionToWebview =
  | { type: 'info'; uri: string; info: TimelineInfo }
  | { type: 'window'; seq: number; result: WindowResult | null }
  | { type: 'rangeStats'; seq: number; result: RangeStatsResult | null }
  | { type: 'marks'; seq: number; result: MarkDetail[] }
  | { type: 'findIpa'; seq: number; result: FindIpaResult | null }
  | { type: 'cursor'; line: number; ts: number; lane: string }
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

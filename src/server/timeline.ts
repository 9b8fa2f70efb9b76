// The timeline's LSP requests (`stage2Lens/timelineInfo|Window|RangeStats|Marks|FindIpa|Locate`,
// see src/shared/requests.ts) answered from a TimelineQuery built once per analysis and
// kept while that analysis is current. `notifyTimelineChanged` tells the panel to re-query.
import type { Connection, RequestHandler, RequestType } from 'vscode-languageserver';
import { TimelineQuery, type Analysis, type Comparison } from '../core/index';
import {
  TimelineChangedNotification,
  TimelineFindIpaRequest,
  TimelineInfoRequest,
  TimelineLocateRequest,
  TimelineMarksRequest,
  TimelineRangeStatsRequest,
  TimelineWindowRequest,
} from '../shared/requests';
import type { TimelineInfo, TimeRange } from '../shared/timelineProtocol';

/** The what-if replay of a trace (configuration B) and its comparison with A, when the user made one. */
export interface WhatIf {
  analysis: Analysis;
  comparison: Comparison;
}

function configLabel(a: Analysis): string {
  const c = a.config;
  const parts = [`${a.arch}`, `${c.granule / 1024}K`, `BBM L${c.bbmLevel}`];
  if (c.eagerSplitChunk !== 'auto' && c.eagerSplitChunk > 0) parts.push(`eager split ${c.eagerSplitChunk / 1024} KiB`);
  if (c.fwb === true) parts.push('FWB');
  return parts.join(', ');
}

const unavailable = (reason: string): TimelineInfo => ({
  available: false,
  reason,
  extent: { t0: 0, t1: 1 },
  lanes: [],
  classes: [],
  markCount: 0,
  configA: '',
  avoidedCount: 0,
  version: 0,
});

export function registerTimelineHandlers(
  connection: Connection,
  getAnalysis: (uri: string) => Analysis | undefined,
  getWhatIf?: (uri: string) => WhatIf | undefined,
): { forget(uri: string): void; extent(uri: string): TimeRange | undefined } {
  // One query per (A, B) pair; a new analysis object means a new index (the old one is collected).
  const cache = new WeakMap<Analysis, { b: Analysis | undefined; q: TimelineQuery }>();
  const versions = new Map<string, { a: Analysis; b: Analysis | undefined; version: number }>();

  function queryFor(uri: string): TimelineQuery | undefined {
    const a = getAnalysis(uri);
    if (!a) return undefined;
    const w = getWhatIf?.(uri);
    const hit = cache.get(a);
    if (hit && hit.b === w?.analysis) return hit.q;
    const prev = versions.get(uri);
    const version = prev && (prev.a !== a || prev.b !== w?.analysis) ? prev.version + 1 : prev?.version ?? 1;
    versions.set(uri, { a, b: w?.analysis, version });
    const q = new TimelineQuery({
      a: { lanes: a.lanes, marks: a.marks, configLabel: configLabel(a) },
      ...(w ? { b: { lanes: w.analysis.lanes, marks: w.analysis.marks, configLabel: configLabel(w.analysis) }, avoidedLines: w.comparison.avoidedLines } : {}),
      version,
    });
    cache.set(a, { b: w?.analysis, q });
    return q;
  }

  /** A failing query is logged and answered with `failed`: the panel shows an empty or unavailable timeline, the server lives on. */
  function on<P, R>(type: RequestType<P, R, void>, failed: R, handler: (p: P) => R): void {
    const answer = (params: P): R => {
      try {
        return handler(params);
      } catch (e) {
        connection.console.error(`${type.method}: ${e instanceof Error ? e.message : String(e)}`);
        return failed;
      }
    };
    // A plain R is a HandlerResult<R>; TypeScript cannot see it through the library's conditional type for a generic R.
    connection.onRequest(type, answer as RequestHandler<P, R, void>);
  }

  on(TimelineInfoRequest, unavailable('The timeline query failed (see the Stage-2 Lens output).'), (p) => {
    const q = queryFor(p.uri);
    if (!q) return unavailable('The trace has not been analysed yet (open it, or wait for the analysis to finish).');
    const info = q.info();
    return q.a.markCount === 0 && !q.b ? { ...info, available: false, reason: 'The analysis produced no timeline marks (no stage-2 activity in this trace).' } : info;
  });
  on(TimelineWindowRequest, null, (p) => queryFor(p.uri)?.window({ t0: p.t0, t1: p.t1 }, p.width, p.filter) ?? null);
  on(TimelineRangeStatsRequest, null, (p) => queryFor(p.uri)?.rangeStats({ t0: p.t0, t1: p.t1 }, p.filter) ?? null);
  on(TimelineMarksRequest, [], (p) => queryFor(p.uri)?.marks({ t0: p.t0, t1: p.t1 }, p.filter, p.limit) ?? []);
  on(TimelineFindIpaRequest, null, (p) => queryFor(p.uri)?.findIpa(p.ipa, p.limit) ?? null);
  on(TimelineLocateRequest, null, (p) => queryFor(p.uri)?.locate(p.line) ?? null);
  // the version map holds the analyses it numbered: a closed trace's must go with it
  return {
    forget: (uri) => void versions.delete(uri),
    // The extent the trace's timeline shows (the panel's bounds), which the linked timelines' phases must share.
    extent: (uri) => queryFor(uri)?.info().extent,
  };
}

/** Call when the analysis (or the what-if) of `uri` changed: an open timeline re-queries. */
export function notifyTimelineChanged(connection: Connection, uri: string): void {
  void connection.sendNotification(TimelineChangedNotification, { uri });
}

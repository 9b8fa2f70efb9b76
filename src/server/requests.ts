// The `stage2Lens/*` custom requests (request objects in src/shared/requests.ts, types in
// src/shared/protocol.ts): replay (re-analyses the trace with a preset or configuration and
// re-publishes its diagnostics), compare, recordingDiff (two open traces), summary, coverage,
// exportReport, recordingScript and renderDat. Each handler adapts core results to the
// protocol's plain JSON; cancellation and failures become LSP errors, never a dead server.
import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import type { ConfigChoice, UriParams } from '../shared/protocol';
import {
  CompareRequest,
  CoverageRequest,
  ExportReportRequest,
  RecordingDiffRequest,
  RecordingScriptRequest,
  RenderDatRequest,
  ReplayRequest,
  SummaryRequest,
} from '../shared/requests';
import { presetByName, validateConfig } from '../core/index';
import { CancelledError, type TraceEntry, type TraceStore } from './traceStore';
import { summarize } from './summary';
import { exportReport } from './report';
import { recordingScript } from './recordingScript';
import { renderDat } from './renderDat';
import { recordingDiffResult, whyNotComparable } from './recordingDiff';
import type { TimeRange } from '../shared/timelineProtocol';

export interface RequestDeps {
  store: TraceStore;
  /** The entry for a URI, opening it from disk when no editor synced it. */
  ensure(uri: string): Promise<TraceEntry | undefined>;
  /** The extent a trace's timeline shows, once it has an analysis. */
  timelineExtent(uri: string): TimeRange | undefined;
}

/** `p`, or a CancelledError as soon as `token` is cancelled (the work behind `p` goes on). */
function untilCancelled<T>(p: Promise<T>, token: CancellationToken): Promise<T> {
  if (token.isCancellationRequested) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const sub = token.onCancellationRequested(() => reject(new CancelledError()));
    p.then(resolve, reject).finally(() => sub.dispose());
  });
}

function asResponseError(e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  if (e instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
  return new ResponseError(LSPErrorCodes.RequestFailed, e instanceof Error ? e.message : String(e));
}

function isUriParams(p: unknown): p is UriParams {
  return typeof (p as UriParams | undefined)?.uri === 'string';
}

/** A choice the engine accepts: a known preset, or a configuration core's validateConfig passes (what schemas/config.schema.json describes). */
function checkedChoice(c: unknown): ConfigChoice {
  const choice = c as ConfigChoice | undefined;
  if (choice?.kind === 'preset' && presetByName(choice.preset)) return choice;
  if (choice?.kind === 'config' && typeof choice.label === 'string') {
    const { config, errors } = validateConfig(choice.config);
    if (errors.length || !config) throw new ResponseError(LSPErrorCodes.RequestFailed, `invalid configuration ${choice.label}: ${errors.join('; ')}`);
    return { kind: 'config', label: choice.label, config };
  }
  throw new ResponseError(LSPErrorCodes.RequestFailed, 'invalid configuration choice');
}

export function registerRequests(connection: Connection, deps: RequestDeps): void {
  const { store } = deps;
  const entryOf = async (params: unknown): Promise<TraceEntry> => {
    if (!isUriParams(params)) throw new ResponseError(LSPErrorCodes.RequestFailed, 'missing uri');
    const entry = store.get(params.uri) ?? (await deps.ensure(params.uri));
    if (!entry) throw new ResponseError(LSPErrorCodes.RequestFailed, `not an open trace: ${params.uri} (the server reads only documents the client opened)`);
    return entry;
  };
  const guarded = <P, R>(handler: (params: P, token: CancellationToken) => Promise<R>) => async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
    try {
      return await handler(params, token);
    } catch (e) {
      return asResponseError(e);
    }
  };

  connection.onRequest(ReplayRequest, guarded(async (params, token) => {
    const entry = await entryOf(params);
    const analysis = await store.analyze(entry.uri, checkedChoice(params.choice), token);
    return summarize(entry.uri, entry.label, analysis, entry.durationMs);
  }));

  connection.onRequest(CompareRequest, guarded(async (params, token) => {
    const entry = await entryOf(params);
    const { comparison, labelA, labelB } = await store.compare(entry.uri, checkedChoice(params.a), checkedChoice(params.b), token);
    return { ...comparison, labelA, labelB };
  }));

  connection.onRequest(RecordingDiffRequest, guarded(async (params, token) => {
    if (typeof params?.before !== 'string' || typeof params?.after !== 'string') throw new ResponseError(LSPErrorCodes.RequestFailed, 'missing before or after');
    if (params.before === params.after) throw new ResponseError(LSPErrorCodes.RequestFailed, 'a trace compared with itself: pick another trace');
    const [ea, eb] = [await entryOf({ uri: params.before }), await entryOf({ uri: params.after })];
    const names = { before: ea.source.name, after: eb.source.name };
    // Each trace's current analysis (the second one is usually still being analysed: wait for it).
    const [a, b] = await untilCancelled(Promise.all([store.current(ea.uri), store.current(eb.uri)]), token);
    if (!a) throw new ResponseError(LSPErrorCodes.RequestFailed, `the analysis of ${names.before} failed (see the Stage-2 Lens output)`);
    if (!b) throw new ResponseError(LSPErrorCodes.RequestFailed, `the analysis of ${names.after} failed (see the Stage-2 Lens output)`);
    const why = whyNotComparable(a, b, names);
    if (why) throw new ResponseError(LSPErrorCodes.RequestFailed, why);
    const xa = deps.timelineExtent(ea.uri);
    const xb = deps.timelineExtent(eb.uri);
    return recordingDiffResult(a, b, names, xa && xb ? { a: xa, b: xb } : undefined);
  }));

  connection.onRequest(SummaryRequest, guarded(async (params) => {
    const entry = await entryOf(params);
    const analysis = await store.current(entry.uri);
    return analysis ? summarize(entry.uri, entry.label, analysis, entry.durationMs) : null;
  }));

  connection.onRequest(CoverageRequest, guarded(async (params) => {
    const entry = await entryOf(params);
    const a = await store.current(entry.uri);
    if (!a) return null;
    return { items: a.coverage, unrecognized: a.stats.unrecognized, lacks: a.stats.lacks, lines: a.stats.lines };
  }));

  connection.onRequest(ExportReportRequest, guarded(async (params) => {
    const entry = await entryOf(params);
    if (!['md', 'json', 'sarif'].includes(params.format)) throw new ResponseError(LSPErrorCodes.RequestFailed, `unknown report format: ${String(params.format)}`);
    const a = await store.current(entry.uri);
    if (!a) throw new ResponseError(LSPErrorCodes.RequestFailed, 'no analysis of this trace yet');
    return exportReport(a, params.format, entry.uri, entry.source.name);
  }));

  connection.onRequest(RecordingScriptRequest, guarded(async (params) => recordingScript(params)));

  connection.onRequest(RenderDatRequest, guarded(async (params, token) => {
    if (!isUriParams(params)) throw new ResponseError(LSPErrorCodes.RequestFailed, 'missing uri');
    return renderDat(params.uri, token);
  }));
}

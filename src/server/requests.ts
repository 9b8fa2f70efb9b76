// The `stage2Lens/*` custom requests (request objects in src/shared/requests.ts, types in
// src/shared/protocol.ts): replay (re-analyses the trace with a preset or configuration and
// re-publishes its diagnostics), compare, summary, coverage, exportReport, recordingScript and
// renderDat. Each handler adapts core results to the
// protocol's plain JSON; cancellation and failures become LSP errors, never a dead server.
import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import type { ConfigChoice, UriParams } from '../shared/protocol';
import {
  CompareRequest,
  CoverageRequest,
  ExportReportRequest,
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

export interface RequestDeps {
  store: TraceStore;
  /** The entry for a URI, opening it from disk when no editor synced it. */
  ensure(uri: string): Promise<TraceEntry | undefined>;
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

// The Stage-2 Lens language server: wires the connection (stdio, node-ipc or socket, from argv),
// the synced documents, files read from disk (only those the client named in `stage2Lens/largeFiles`),
// settings, and one adapter per feature: diagnostics, hover, code lens, symbols, inlay hints, the
// `stage2Lens/*` requests, the `stage2Lens/status` notification and the timeline's handlers.
import {
  CodeLensRefreshRequest,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  DiagnosticSeverity,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createAnalyzer, type Analyzer, type TraceStats } from '../core/index';
import { decodeEsr, partialSentence } from '../core/index';
import type { StatusNotification } from '../shared/protocol';
import { LargeFilesNotification, StatusNotificationType } from '../shared/requests';
import { ServerSettings } from './configuration';
import { defaultDocsRoot, findingsToDiagnostics } from './diagnostics';
import { esrMarkdown } from './esrText';
import { buildHover } from './hover';
import { buildCodeLenses } from './codeLens';
import { buildEsrHints } from './inlayHints';
import { decodeLine } from './lineDecoder';
import { progressFactory } from './progress';
import { registerRequests } from './requests';
import { buildSymbols } from './symbols';
import { summarize } from './summary';
import { notifyTimelineChanged, registerTimelineHandlers } from './timeline';
import { documentSource, diskSource } from './traceSource';
import { TraceStore, type TraceEntry } from './traceStore';
import { escapeControls } from '../shared/controlChars';
import { RECLAIM_MIN_BYTES, reclaimSoon } from './memory';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const settings = new ServerSettings(connection);
const docsRoot = process.env.STAGE2_LENS_DOCS ?? defaultDocsRoot();
/** Traces the client has open in editors without a synced document (too large for VS Code to sync). */
const largeFiles = new Set<string>();
let progressSupported = false;
/** Whether the client re-asks for code lenses when told (the per-finding lenses appear when an analysis ends). */
let codeLensRefresh = false;
/** Per trace, the 1-based lines of its published findings' diagnostics: where "Reveal in Timeline" lenses go. */
const findingLines = new Map<string, number[]>();
let analyzer: Analyzer | undefined;

const log = (message: string) => connection.console.log(message);

// A bug in one request must never take the server down: log it and keep answering.
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
process.on('uncaughtException', (e) => log(`uncaught exception: ${e.stack ?? e.message}`));

const store = new TraceStore({
  analyzer: () => (analyzer ??= createAnalyzer()),
  settings: () => settings.current,
  progress: progressFactory(connection, () => progressSupported),
  log,
  events: {
    findings(uri, findings, early) {
      const doc = documents.get(uri);
      const lineLength = doc ? (line: number) => (line < doc.lineCount ? doc.offsetAt({ line: line + 1, character: 0 }) - doc.offsetAt({ line, character: 0 }) : undefined) : undefined;
      const diagnostics = findingsToDiagnostics(findings, uri, settings.current, docsRoot, lineLength).map(inertDiagnostic);
      // a finding's diagnostic links its class page; the "N more not shown" summary does not
      findingLines.set(uri, diagnostics.filter((d) => d.codeDescription).map((d) => d.range.start.line + 1));
      if (!early && codeLensRefresh) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
      void connection.sendDiagnostics({ uri, diagnostics: early ? diagnostics : [...readDiagnostics(store.get(uri)?.analysis?.stats), ...diagnostics] });
    },
    status(s: StatusNotification) {
      void connection.sendNotification(StatusNotificationType, s);
      // what a large analysis allocated on its way (text slices, decoded chunks) is garbage now
      if (s.kind === 'ready' && !s.partial && (store.get(s.uri)?.source.size ?? 0) >= RECLAIM_MIN_BYTES) reclaimSoon();
    },
    changed(uri) {
      notifyTimelineChanged(connection, uri);
    },
  },
});

/** A diagnostic with the control characters of its trace-derived messages escaped (a task named ESC[2J...). */
function inertDiagnostic(d: Diagnostic): Diagnostic {
  return {
    ...d,
    message: typeof d.message === 'string' ? escapeControls(d.message) : d.message,
    ...(d.relatedInformation ? { relatedInformation: d.relatedInformation.map((r) => ({ ...r, message: escapeControls(r.message) })) } : {}),
  };
}

/**
 * What the reader said about the whole input, as a diagnostic on line 1: not a trace (the CLI's
 * exit 3) or a partial read (exit 5), with the same words as the CLI.
 */
function readDiagnostics(stats: TraceStats | undefined): Diagnostic[] {
  const message = stats?.notATrace !== undefined ? `not a trace: ${stats.notATrace}` : stats?.partial ? partialSentence(stats.partial) : undefined;
  if (message === undefined) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Warning, source: 'stage2-lens', message: escapeControls(message) }];
}

/** Background analysis: failures are reported as status, never thrown. */
function reanalyze(uri: string): void {
  store.analyze(uri).catch(() => undefined);
}

/**
 * The entry of a trace the client opened: a synced document, or a file the client asked the
 * server to read from disk (stage2Lens/largeFiles: an editor VS Code does not sync). Any other URI
 * gets nothing: a request naming a file nobody opened (a hover on file:///home/u/creds.log) must
 * not make the server read it, nor keep an entry that nothing would ever close.
 */
async function ensure(uri: string): Promise<TraceEntry | undefined> {
  const known = store.get(uri);
  if (known) return known;
  const doc = documents.get(uri);
  const source = doc ? documentSource(doc) : largeFiles.has(uri) ? await diskSource(uri) : undefined;
  if (!source) return undefined;
  if (store.get(uri)) return store.get(uri);
  // closed (or no longer wanted) while its file was being looked at
  if (!documents.get(uri) && !largeFiles.has(uri)) return undefined;
  const entry = store.setSource(uri, source);
  reanalyze(uri);
  return entry;
}

connection.onInitialize((params): InitializeResult => {
  const caps = params.capabilities;
  progressSupported = Boolean(caps.window?.workDoneProgress);
  codeLensRefresh = Boolean(caps.workspace?.codeLens?.refreshSupport);
  settings.initialize(params.initializationOptions, Boolean(caps.workspace?.configuration));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      codeLensProvider: { resolveProvider: false },
      documentSymbolProvider: true,
      inlayHintProvider: true,
    },
    serverInfo: { name: 'stage2-lens', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  void settings.start().then((changed) => {
    // Traces opened before the first pull were analysed with the initial settings.
    if (changed) for (const uri of store.uris()) reanalyze(uri);
  });
});

connection.onDidChangeConfiguration(async (change) => {
  if (await settings.refresh(change.settings)) {
    for (const uri of store.uris()) reanalyze(uri);
    void connection.languages.inlayHint.refresh().catch(() => undefined);
  }
});

const pendingEdits = new Map<string, ReturnType<typeof setTimeout>>();

documents.onDidChangeContent(({ document }) => {
  const uri = document.uri;
  const fresh = !store.get(uri);
  store.setSource(uri, documentSource(document));
  clearTimeout(pendingEdits.get(uri));
  if (fresh) {
    reanalyze(uri);
    return;
  }
  // Typing in a trace is rare; when it happens, analyse once the edits pause.
  pendingEdits.set(uri, setTimeout(() => {
    pendingEdits.delete(uri);
    reanalyze(uri);
  }, 300));
});

/** Everything the server holds for a trace: its entry (analysis, what-if, source) and its timeline index. */
function release(uri: string): void {
  const size = store.get(uri)?.source.size ?? 0;
  store.close(uri);
  findingLines.delete(uri);
  timeline.forget(uri);
  if (size >= RECLAIM_MIN_BYTES) reclaimSoon();
}

documents.onDidClose(({ document }) => {
  const uri = document.uri;
  clearTimeout(pendingEdits.get(uri));
  pendingEdits.delete(uri);
  // a large file may stay open in an editor the client reports separately
  if (!largeFiles.has(uri)) release(uri);
});

connection.onNotification(LargeFilesNotification, async (params) => {
  const wanted = new Set(Array.isArray(params?.uris) ? params.uris.filter((u) => typeof u === 'string') : []);
  for (const uri of [...largeFiles]) {
    if (wanted.has(uri)) continue;
    largeFiles.delete(uri);
    if (!documents.get(uri)) release(uri);
  }
  for (const uri of wanted) {
    if (largeFiles.has(uri) || documents.get(uri)) continue;
    largeFiles.add(uri);
    await ensure(uri);
  }
});

connection.onHover(async (params) => {
  try {
    const uri = params.textDocument.uri;
    const entry = await ensure(uri);
    if (!entry) return null;
    const line = params.position.line + 1;
    // A small trace just opened: wait for its first analysis rather than answer without a model.
    if (!entry.analysis && (entry.source.size ?? 0) < 50 << 20) await store.current(uri);
    const { text, event } = await decodeLine(entry.source, line);
    const hover = buildHover({ uri, line, analysis: entry.analysis, event, docsRoot, analyzing: entry.run !== undefined });
    if (!event && text) {
      // Without a decoded event, still decode an ESR printed on the line.
      const m = /\b(?:hsr|esr)[\s=:]+(?:0x)?([0-9a-fA-F]{1,16})\b/.exec(text);
      if (m) {
        const esr = Number.parseInt(m[1].slice(-8), 16);
        const esrPart = esrMarkdown(esr, decodeEsr(esr)).join('\n\n');
        const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? `${hover.contents.value}\n\n---\n\n${esrPart}` : esrPart;
        return { contents: { kind: 'markdown', value } };
      }
    }
    return hover;
  } catch (e) {
    log(`hover failed: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
});

connection.onCodeLens(async (params) => {
  const entry = store.get(params.textDocument.uri);
  if (!entry) return [];
  const a = entry.analysis;
  return buildCodeLenses(entry.uri, a ? summarize(entry.uri, entry.label, a, entry.durationMs) : undefined, entry.run !== undefined, findingLines.get(entry.uri));
});

connection.onDocumentSymbol(async (params) => {
  const a = await store.current(params.textDocument.uri);
  return a ? buildSymbols(a) : [];
});

connection.languages.inlayHint.on(async (params) => {
  if (!settings.current.inlayHints.esr) return [];
  const entry = store.get(params.textDocument.uri) ?? (await ensure(params.textDocument.uri));
  if (!entry) return [];
  const first = params.range.start.line + 1;
  // Bounded whatever range the client asks for: hints are for what is on screen.
  const last = Math.min(params.range.end.line + 1, first + 2000);
  return buildEsrHints(await entry.source.lines(first, last), first);
});

registerRequests(connection, { store, ensure, timelineExtent: (uri) => timeline.extent(uri) });
const timeline = registerTimelineHandlers(connection, (uri) => store.get(uri)?.analysis, (uri) => store.get(uri)?.whatIf);

documents.listen(connection);
connection.listen();

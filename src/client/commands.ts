// The command table (category "Stage-2 Lens"): one factory per command (the style of
// rust-analyzer's editors/code/src/commands.ts), each built from the Ctx and wrapped by `onTrace` or
// `guarded` (ctx.ts), which find the trace and report failures once. Each command asks the server
// (the typed requests of src/shared/requests.ts) and presents the answer: quick picks for
// configurations, untitled Markdown for summaries, comparisons and coverage, the save dialog for
// reports (VS Code's dialog confirms an overwrite; nothing is written without it), an untitled
// editor for recording scripts; "Compare with Another Trace..." opens the recording diff's Markdown
// beside the trace and the two timelines linked (timelinePanel.ts, timelineLink.ts). The timeline's
// command lives with its panel (timelinePanel.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../shared/presets';
import type { ConfigChoice, RecordingScriptParams, ReplayConfig, ReportFormat } from '../shared/protocol';
import { CompareRequest, CoverageRequest, ExportReportRequest, RecordingDiffRequest, RecordingScriptRequest, ReplayRequest, SummaryRequest } from '../shared/requests';
import { activeTraceUri, isTraceUri } from './activeTrace';
import { datUriFor, isTraceDat } from './datDocument';
import { errorText, guarded, onTrace, type Cmd, type CommandFactory, type Ctx } from './ctx';
import { compareMarkdown, coverageMarkdown, summaryMarkdown } from './markdownViews';
import { focusGroup, revealInTimeline, showTimeline, TimelinePanel } from './timelinePanel';
import { TimelineLink } from './timelineLink';
import { plural } from '../shared/plural';

async function openMarkdown(content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(doc, { preview: true });
}

function traceName(uri: vscode.Uri): string {
  return path.posix.basename(uri.path);
}

/** A preset or a configuration file (JSON, checked by the server against schemas/config.schema.json). */
async function pickConfiguration(title: string): Promise<ConfigChoice | undefined> {
  const items: (vscode.QuickPickItem & { choice?: ConfigChoice })[] = [
    ...PRESETS.filter((p) => p.inPicker).map((p) => ({ label: p.label, detail: p.detail, choice: { kind: 'preset', preset: p.id } as ConfigChoice })),
    { label: 'Configuration file…', detail: 'A JSON replay configuration (schemas/config.schema.json)' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Replay the trace as if…', matchOnDetail: true });
  if (!picked) return undefined;
  if (picked.choice) return picked.choice;
  const [file] = (await vscode.window.showOpenDialog({ title: 'Replay configuration', canSelectMany: false, filters: { 'Replay configuration': ['json'] } })) ?? [];
  if (!file) return undefined;
  try {
    const config: unknown = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error('the file does not hold a JSON object');
    return { kind: 'config', label: traceName(file), config: config as ReplayConfig };
  } catch (e) {
    void vscode.window.showErrorMessage(`Stage-2 Lens: cannot read ${traceName(file)}: ${errorText(e)}`);
    return undefined;
  }
}

async function pick<T extends string>(title: string, items: { label: string; value: T; detail?: string }[]): Promise<T | undefined> {
  return (await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }))?.value;
}

function replayWith(ctx: Ctx): Cmd {
  return onTrace('replay failed', async (uri) => {
    const choice = await pickConfiguration('Stage-2 Lens: Replay with Configuration');
    if (!choice) return;
    const r = await ctx.client().sendRequest(ReplayRequest, { uri: uri.toString(), choice });
    void vscode.window.showInformationMessage(`Stage-2 Lens (${r.label}): ${plural(r.counters.faults.total, 'fault')}, ${r.spurious} spurious, ${plural(r.findings, 'finding')}.`);
  });
}

function compare(ctx: Ctx): Cmd {
  return onTrace('comparison failed', async (uri) => {
    const a = await pickConfiguration('Stage-2 Lens: first configuration (A)');
    if (!a) return;
    const b = await pickConfiguration('Stage-2 Lens: second configuration (B)');
    if (!b) return;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Stage-2 Lens: comparing…', cancellable: true }, (_p, token) =>
      ctx.client().sendRequest(CompareRequest, { uri: uri.toString(), a, b }, token));
    await openMarkdown(compareMarkdown(r, traceName(uri)));
  });
}

/** Every trace open in an editor tab (or as an `ftrace` document), but `except`. */
function openTraces(except: vscode.Uri): vscode.Uri[] {
  const out = new Map<string, vscode.Uri>();
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const input = tab.input;
      if (!(input instanceof vscode.TabInputText)) continue;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === input.uri.toString());
      if (doc?.languageId === 'ftrace' || isTraceUri(input.uri)) out.set(input.uri.toString(), input.uri);
    }
  }
  out.delete(except.toString());
  return [...out.values()];
}

/** The second trace: one of the open traces, or a file from the open dialog. */
async function pickSecondTrace(first: vscode.Uri): Promise<vscode.Uri | undefined> {
  const browse = { label: '$(folder-opened) Browse...', detail: 'A trace file (.trace, .ftrace, trace.dat)' };
  const items: (vscode.QuickPickItem & { uri?: vscode.Uri })[] = [
    ...openTraces(first).map((uri) => ({ label: traceName(uri), description: vscode.workspace.asRelativePath(uri), uri })),
    browse,
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Stage-2 Lens: compare ${traceName(first)} (A, before) with… (B, after)`, placeHolder: 'The second recording' });
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const [file] = (await vscode.window.showOpenDialog({
    title: 'Stage-2 Lens: the trace to compare with',
    canSelectMany: false,
    defaultUri: first.scheme === 'file' ? vscode.Uri.joinPath(first, '..') : undefined,
    filters: { Traces: ['trace', 'ftrace', 'dat'], 'All files': ['*'] },
  })) ?? [];
  return file;
}

/**
 * Opens the second trace in a tab behind the first one's (the server analyses what the editor
 * has open; a tab keeps it open), and gives back the URI the server knows it by. A file that is
 * gone is said so; a text that is not a trace is opened as one, and the server says what it is.
 */
async function openSecondTrace(uri: vscode.Uri, first: vscode.Uri): Promise<vscode.Uri> {
  if (uri.scheme === 'file') {
    const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
    if (!exists) throw new Error(`${traceName(uri)} does not exist (${uri.fsPath})`);
  }
  const firstEditor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === first.toString());
  const viewColumn = firstEditor?.viewColumn ?? vscode.ViewColumn.Active;
  let opened = uri;
  if (await isTraceDat(uri)) {
    // A trace.dat is read as the text the server renders of it (datDocument.ts), under its own URI.
    const doc = await vscode.workspace.openTextDocument(datUriFor(uri));
    await vscode.languages.setTextDocumentLanguage(doc, 'ftrace');
    await vscode.window.showTextDocument(doc, { viewColumn, preview: false, preserveFocus: true });
    opened = doc.uri;
  } else {
    // vscode.open: a file over 50 MB gets a tab without a document, which the server reads from disk (largeFiles.ts).
    await vscode.commands.executeCommand('vscode.open', uri, { preview: false, preserveFocus: true, viewColumn });
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc && doc.languageId !== 'ftrace') await vscode.languages.setTextDocumentLanguage(doc, 'ftrace');
  }
  // The first trace in front again: the diff is about it.
  if (firstEditor) await vscode.window.showTextDocument(firstEditor.document, { viewColumn, preserveFocus: false, preview: false });
  return opened;
}

/**
 * "Compare with Another Trace...": the active trace (A, before) against a second one (B, after),
 * as `stage2-lens diff A B` compares them. The server waits for both analyses (the second is
 * usually just starting: progress, cancel), then the diff's Markdown opens beside the trace and the
 * two timelines below it, one above the other, zoom and pan linked, the classes the diff says
 * changed highlighted. `[a, b]` as arguments skip the pickers.
 */
function compareWithTrace(ctx: Ctx): Cmd {
  return guarded('comparison failed', async (aArg?: unknown, bArg?: unknown) => {
    const a = activeTraceUri(aArg);
    if (!a) {
      void vscode.window.showWarningMessage('Stage-2 Lens: open a trace (.trace, .ftrace or trace.dat) first.');
      return;
    }
    const picked = bArg !== undefined ? activeTraceUri(bArg) : await pickSecondTrace(a);
    if (!picked) return;
    if (picked.toString() === a.toString()) throw new Error(`${traceName(a)} compared with itself: pick another trace`);
    const b = await openSecondTrace(picked, a);
    const diff = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Stage-2 Lens: comparing ${traceName(a)} with ${traceName(b)}`, cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'waiting for the analysis of both traces…' });
        // A trace too large to sync reaches the server by a notification of the open tabs (largeFiles.ts), a moment after its tab opens.
        const unsynced = !vscode.workspace.textDocuments.some((d) => d.uri.toString() === b.toString());
        for (let attempt = 0; ; attempt++) {
          try {
            return await ctx.client().sendRequest(RecordingDiffRequest, { before: a.toString(), after: b.toString() }, token);
          } catch (e) {
            if (token.isCancellationRequested) return undefined;
            if (!unsynced || attempt >= 20 || !/not an open trace/.test(errorText(e))) throw e;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      },
    );
    if (!diff) return;
    const column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === a.toString())?.viewColumn;
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: diff.markdown });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    // The timelines go under the trace's editor group: make it the active one again.
    if (column) await focusGroup(column);
    await TimelinePanel.openLinkedPair(ctx.extension, ctx.client(), new TimelineLink(a.toString(), b.toString(), diff));
    // The diff belongs beside the trace only: a second tab of it was seen in the trace's group (code-server 4.100).
    const diffTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === doc.uri.toString());
    const keep = diffTabs.find((t) => t.group.viewColumn !== column);
    if (keep) await vscode.window.tabGroups.close(diffTabs.filter((t) => t !== keep), true);
  });
}

function exportReport(ctx: Ctx): Cmd {
  return onTrace('export failed', async (uri) => {
    const format = await pick<ReportFormat>('Stage-2 Lens: report format', [
      { label: 'Markdown', value: 'md' },
      { label: 'JSON', value: 'json' },
      { label: 'SARIF', value: 'sarif', detail: 'for code-scanning tools' },
    ]);
    if (!format) return;
    const r = await ctx.client().sendRequest(ExportReportRequest, { uri: uri.toString(), format });
    const folder = uri.scheme === 'file' ? vscode.Uri.joinPath(uri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    // The save dialog asks before replacing an existing file; cancelling writes nothing.
    const target = await vscode.window.showSaveDialog({
      title: 'Stage-2 Lens: Export Report',
      defaultUri: folder ? vscode.Uri.joinPath(folder, r.fileName) : undefined,
      filters: { [format === 'md' ? 'Markdown' : format === 'json' ? 'JSON' : 'SARIF']: [format] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(r.text));
    void vscode.window.showInformationMessage(`Stage-2 Lens: report written to ${traceName(target)}.`);
  });
}

const notAnalysedYet = 'Stage-2 Lens: the trace has not been analysed yet.';

function showCoverage(ctx: Ctx): Cmd {
  return onTrace(undefined, async (uri) => {
    const r = await ctx.client().sendRequest(CoverageRequest, { uri: uri.toString() });
    if (!r) void vscode.window.showInformationMessage(notAnalysedYet);
    else await openMarkdown(coverageMarkdown(r, traceName(uri)));
  });
}

function showSummary(ctx: Ctx): Cmd {
  return onTrace(undefined, async (uri) => {
    const r = await ctx.client().sendRequest(SummaryRequest, { uri: uri.toString() });
    if (!r) void vscode.window.showInformationMessage(notAnalysedYet);
    else await openMarkdown(summaryMarkdown(r, traceName(uri)));
  });
}

function restartServer(ctx: Ctx): Cmd {
  return () => ctx.restartServer();
}

function createRecordingScript(ctx: Ctx): Cmd {
  return guarded(undefined, async () => {
    const arch = await pick<RecordingScriptParams['arch']>('Stage-2 Lens: architecture of the host', [
      { label: 'arm64', value: 'arm64' },
      { label: 'x86', value: 'x86' },
    ]);
    if (!arch) return;
    const mode = arch === 'x86' ? 'vhe' : await pick<RecordingScriptParams['mode']>('Stage-2 Lens: where KVM runs', [
      { label: 'VHE', value: 'vhe', detail: 'the host kernel runs at EL2 (most current systems)' },
      { label: 'nVHE / protected', value: 'nvhe', detail: 'KVM\'s hypervisor code runs separately at EL2' },
    ]);
    if (!mode) return;
    const tool = await pick<RecordingScriptParams['tool']>('Stage-2 Lens: recording tool', [
      { label: 'tracefs (/sys/kernel/tracing)', value: 'tracefs', detail: 'no extra tools needed; writes a .trace text file' },
      { label: 'trace-cmd', value: 'trace-cmd', detail: 'writes a trace.dat' },
    ]);
    if (!tool) return;
    const probes = await pick<RecordingScriptParams['probes']>('Stage-2 Lens: kprobes on stage-2 functions', [
      { label: 'Basic', value: 'basic', detail: 'tracepoints plus the few probes every analysis needs' },
      { label: 'Full', value: 'full', detail: 'every stage-2 probe: maps, splits, CMOs and TLBIs observed, not inferred' },
    ]);
    if (!probes) return;
    const r = await ctx.client().sendRequest(RecordingScriptRequest, { arch, mode, tool, probes });
    const doc = await vscode.workspace.openTextDocument({ language: 'shellscript', content: r.text });
    await vscode.window.showTextDocument(doc);
  });
}

/** Every command of package.json's `contributes.commands`, by id. */
export const COMMANDS: Record<string, CommandFactory> = {
  'stage2Lens.replayWith': replayWith,
  'stage2Lens.compare': compare,
  'stage2Lens.compareWithTrace': compareWithTrace,
  'stage2Lens.showTimeline': showTimeline,
  'stage2Lens.revealInTimeline': revealInTimeline,
  'stage2Lens.exportReport': exportReport,
  'stage2Lens.showCoverage': showCoverage,
  'stage2Lens.showSummary': showSummary,
  'stage2Lens.restartServer': restartServer,
  'stage2Lens.createRecordingScript': createRecordingScript,
};

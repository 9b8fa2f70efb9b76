// The command table (category "Stage-2 Lens"): one factory per command (the style of
// rust-analyzer's editors/code/src/commands.ts), each built from the Ctx and wrapped by `onTrace` or
// `guarded` (ctx.ts), which find the trace and report failures once. Each command asks the server
// (the typed requests of src/shared/requests.ts) and presents the answer: quick picks for
// configurations, untitled Markdown for summaries, comparisons and coverage, the save dialog for
// reports (VS Code's dialog confirms an overwrite; nothing is written without it), an untitled
// editor for recording scripts. The timeline's command lives with its panel (timelinePanel.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../shared/presets';
import type { ConfigChoice, RecordingScriptParams, ReplayConfig, ReportFormat } from '../shared/protocol';
import { CompareRequest, CoverageRequest, ExportReportRequest, RecordingScriptRequest, ReplayRequest, SummaryRequest } from '../shared/requests';
import { errorText, guarded, onTrace, type Cmd, type CommandFactory, type Ctx } from './ctx';
import { compareMarkdown, coverageMarkdown, summaryMarkdown } from './markdownViews';
import { revealInTimeline, showTimeline } from './timelinePanel';
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
  'stage2Lens.showTimeline': showTimeline,
  'stage2Lens.revealInTimeline': revealInTimeline,
  'stage2Lens.exportReport': exportReport,
  'stage2Lens.showCoverage': showCoverage,
  'stage2Lens.showSummary': showSummary,
  'stage2Lens.restartServer': restartServer,
  'stage2Lens.createRecordingScript': createRecordingScript,
};

// The command table (category "Stage-2 Lens"): each command asks the server (stage2Lens/* requests)
// and presents the answer: quick picks for configurations, untitled Markdown for summaries,
// comparisons and coverage, the save dialog for reports (VS Code's dialog confirms an overwrite;
// nothing is written without it), an untitled editor for recording scripts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PRESETS } from '../shared/presets';
import {
  methods,
  type CompareParams,
  type CompareResult,
  type ConfigChoice,
  type CoverageResult,
  type ExportReportParams,
  type ExportReportResult,
  type RecordingScriptParams,
  type RecordingScriptResult,
  type ReplayConfig,
  type ReplayParams,
  type ReplayResult,
  type ReportFormat,
  type SummaryResult,
  type UriParams,
} from '../shared/protocol';
import { activeTraceUri } from './activeTrace';
import { compareMarkdown, coverageMarkdown, summaryMarkdown } from './markdownViews';
import { TimelinePanel } from './timelinePanel';
import { plural } from '../shared/plural';

type Handler = (...args: unknown[]) => Promise<void> | void;

async function openMarkdown(content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(doc, { preview: true });
}

function traceName(uri: vscode.Uri): string {
  return path.posix.basename(uri.path);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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

function needTrace(arg: unknown): vscode.Uri | undefined {
  const uri = activeTraceUri(arg);
  if (!uri) void vscode.window.showWarningMessage('Stage-2 Lens: open a trace (.trace, .ftrace or trace.dat) first.');
  return uri;
}

async function pick<T extends string>(title: string, items: { label: string; value: T; detail?: string }[]): Promise<T | undefined> {
  return (await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }))?.value;
}

export function registerCommands(context: vscode.ExtensionContext, client: () => LanguageClient, restart: () => Promise<void>): void {
  const request = <P, R>(method: string, params: P): Promise<R> => client().sendRequest<R>(method, params);

  const table: Record<string, Handler> = {
    'stage2Lens.replayWith': async (arg) => {
      const uri = needTrace(arg);
      if (!uri) return;
      const choice = await pickConfiguration('Stage-2 Lens: Replay with Configuration');
      if (!choice) return;
      try {
        const r = await request<ReplayParams, ReplayResult>(methods.replay, { uri: uri.toString(), choice });
        void vscode.window.showInformationMessage(`Stage-2 Lens (${r.label}): ${plural(r.counters.faults.total, 'fault')}, ${r.spurious} spurious, ${plural(r.findings, 'finding')}.`);
      } catch (e) {
        void vscode.window.showErrorMessage(`Stage-2 Lens: replay failed: ${errorText(e)}`);
      }
    },
    'stage2Lens.compare': async (arg) => {
      const uri = needTrace(arg);
      if (!uri) return;
      const a = await pickConfiguration('Stage-2 Lens: first configuration (A)');
      if (!a) return;
      const b = await pickConfiguration('Stage-2 Lens: second configuration (B)');
      if (!b) return;
      try {
        const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Stage-2 Lens: comparing…', cancellable: true }, (_p, token) =>
          client().sendRequest<CompareResult>(methods.compare, { uri: uri.toString(), a, b } satisfies CompareParams, token));
        await openMarkdown(compareMarkdown(r, traceName(uri)));
      } catch (e) {
        void vscode.window.showErrorMessage(`Stage-2 Lens: comparison failed: ${errorText(e)}`);
      }
    },
    'stage2Lens.showTimeline': (arg) => {
      const uri = needTrace(arg);
      if (uri) TimelinePanel.createOrShow(context, client(), uri);
    },
    'stage2Lens.exportReport': async (arg) => {
      const uri = needTrace(arg);
      if (!uri) return;
      const format = await pick<ReportFormat>('Stage-2 Lens: report format', [
        { label: 'Markdown', value: 'md' },
        { label: 'JSON', value: 'json' },
        { label: 'SARIF', value: 'sarif', detail: 'for code-scanning tools' },
      ]);
      if (!format) return;
      try {
        const r = await request<ExportReportParams, ExportReportResult>(methods.exportReport, { uri: uri.toString(), format });
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
      } catch (e) {
        void vscode.window.showErrorMessage(`Stage-2 Lens: export failed: ${errorText(e)}`);
      }
    },
    'stage2Lens.showCoverage': async (arg) => {
      const uri = needTrace(arg);
      if (!uri) return;
      try {
        const r = await request<UriParams, CoverageResult | null>(methods.coverage, { uri: uri.toString() });
        if (!r) void vscode.window.showInformationMessage('Stage-2 Lens: the trace has not been analysed yet.');
        else await openMarkdown(coverageMarkdown(r, traceName(uri)));
      } catch (e) {
        void vscode.window.showErrorMessage(`Stage-2 Lens: ${errorText(e)}`);
      }
    },
    'stage2Lens.showSummary': async (arg) => {
      const uri = needTrace(arg);
      if (!uri) return;
      try {
        const r = await request<UriParams, SummaryResult>(methods.summary, { uri: uri.toString() });
        if (!r) void vscode.window.showInformationMessage('Stage-2 Lens: the trace has not been analysed yet.');
        else await openMarkdown(summaryMarkdown(r, traceName(uri)));
      } catch (e) {
        void vscode.window.showErrorMessage(`Stage-2 Lens: ${errorText(e)}`);
      }
    },
    'stage2Lens.restartServer': async () => {
      await restart();
    },
    'stage2Lens.createRecordingScript': async () => {
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
      try {
        const r = await request<RecordingScriptParams, RecordingScriptResult>(methods.recordingScript, { arch, mode, tool, probes });
        const doc = await vscode.workspace.openTextDocument({ language: 'shellscript', content: r.text });
        await vscode.window.showTextDocument(doc);
      } catch (e) {
        void vscode.window.showErrorMessage(`Stage-2 Lens: ${errorText(e)}`);
      }
    },
  };

  for (const [id, handler] of Object.entries(table)) context.subscriptions.push(vscode.commands.registerCommand(id, handler));
}

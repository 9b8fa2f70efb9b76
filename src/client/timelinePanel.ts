// The timeline feature (clangd's style: it owns its command, its requests and its view): the
// "Stage-2 Timeline" webview panel, one per trace, created by `stage2Lens.showTimeline` (the
// `showTimeline` factory), revived after a reload by a serializer (view type `stage2Lens.timeline`).
// It relays the webview's window/selection/find requests to the server (the `Timeline*Request`
// objects of src/shared/requests.ts), reveals lines the user activates, shows the editor's cursor in
// the timeline and re-queries on `stage2Lens/timelineChanged`.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  TimelineChangedNotification,
  TimelineFindIpaRequest,
  TimelineInfoRequest,
  TimelineLocateRequest,
  TimelineMarksRequest,
  TimelineRangeStatsRequest,
  TimelineWindowRequest,
} from '../shared/requests';
import { assertNever, type ExtensionToWebview, type TimelineViewState, type WebviewToExtension } from '../shared/timelineProtocol';
import { restorableTraceUri, timeRangeOf } from '../shared/webviewInput';
import { onTrace, type Cmd, type Ctx } from './ctx';
import { newNonce, timelineHtml } from './timelineHtml';

export const TIMELINE_VIEW_TYPE = 'stage2Lens.timeline';
const TITLE = 'Stage-2 Timeline';

/** `stage2Lens.showTimeline`: the timeline of the trace, beside its editor. */
export function showTimeline(ctx: Ctx): Cmd {
  return onTrace(undefined, (uri) => TimelinePanel.createOrShow(ctx.extension, ctx.client(), uri));
}

/** The rest of the feature: panels revived after a reload, and the editor's cursor shown in the timeline. */
export function registerTimeline(ctx: Ctx): void {
  ctx.extension.subscriptions.push(
    TimelinePanel.registerSerializer(ctx.extension, ctx.client()),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor.document.languageId === 'ftrace') TimelinePanel.revealLine(e.textEditor.document.uri, e.selections[0].active.line + 1);
    }),
  );
}

export class TimelinePanel {
  private static readonly panels = new Map<string, TimelinePanel>();
  private static notificationHooked = new WeakSet<LanguageClient>();
  /** The client of the latest call: after "Restart Server" panels talk to the new one. */
  private static latestClient: LanguageClient | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly initialClient: LanguageClient,
    private readonly uri: vscode.Uri,
  ) {
    const webviewRoot = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    panel.webview.html = timelineHtml({
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'main.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'main.css')).toString(),
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: WebviewToExtension) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    TimelinePanel.panels.set(uri.toString(), this);
    TimelinePanel.hookNotifications(initialClient);
  }

  private get client(): LanguageClient {
    return TimelinePanel.latestClient ?? this.initialClient;
  }

  static createOrShow(context: vscode.ExtensionContext, client: LanguageClient, uri: vscode.Uri): void {
    TimelinePanel.latestClient = client;
    TimelinePanel.hookNotifications(client);
    const existing = TimelinePanel.panels.get(uri.toString());
    if (existing) {
      existing.panel.reveal(undefined, true);
      return;
    }
    // The file name in the title: two traces' timelines side by side must be told apart.
    const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW_TYPE, `${TITLE}: ${uri.path.split('/').pop() ?? ''}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
    });
    new TimelinePanel(panel, context, client, uri);
  }

  static registerSerializer(context: vscode.ExtensionContext, client: LanguageClient): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        // the state was stored by the webview: a trace URI of a scheme the language client serves, or nothing
        const stored = restorableTraceUri((state as TimelineViewState | undefined)?.uri);
        let uri: vscode.Uri | undefined;
        try {
          uri = stored === undefined ? undefined : vscode.Uri.parse(stored, true);
        } catch {
          uri = undefined;
        }
        if (!uri) {
          panel.dispose();
          return;
        }
        new TimelinePanel(panel, context, client, uri);
      },
    });
  }

  /** The analysis of `uri` changed (e.g. a status `ready`): an open timeline re-queries. */
  static analysisChanged(uri: vscode.Uri | string): void {
    void TimelinePanel.panels.get(uri.toString())?.sendInfo().catch(() => undefined);
  }

  /** The editor's cursor moved in a trace: show it in the timeline. */
  static revealLine(uri: vscode.Uri, line: number): void {
    const p = TimelinePanel.panels.get(uri.toString());
    if (!p || !p.panel.visible) return;
    void p.client.sendRequest(TimelineLocateRequest, { uri: uri.toString(), line }).then(
      (r) => r && p.post({ type: 'cursor', line: r.line, ts: r.ts, lane: r.lane }),
      () => undefined,
    );
  }

  private static hookNotifications(client: LanguageClient): void {
    if (TimelinePanel.notificationHooked.has(client)) return;
    TimelinePanel.notificationHooked.add(client);
    client.onNotification(TimelineChangedNotification, (p) => TimelinePanel.analysisChanged(p.uri));
  }

  private post(m: ExtensionToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private async sendInfo(): Promise<void> {
    const uri = this.uri.toString();
    const info = await this.client.sendRequest(TimelineInfoRequest, { uri });
    this.post({ type: 'info', uri, info });
  }

  private async onMessage(m: WebviewToExtension): Promise<void> {
    const uri = this.uri.toString();
    try {
      switch (m.type) {
        case 'ready':
          await this.sendInfo();
          return;
        case 'window':
          this.post({ type: 'window', seq: m.seq, result: await this.client.sendRequest(TimelineWindowRequest, { uri, ...timeRangeOf(m.range), width: m.width, ...(m.filter ? { filter: m.filter } : {}) }) });
          return;
        case 'rangeStats':
          this.post({ type: 'rangeStats', seq: m.seq, result: await this.client.sendRequest(TimelineRangeStatsRequest, { uri, ...timeRangeOf(m.range), ...(m.filter ? { filter: m.filter } : {}) }) });
          return;
        case 'marks':
          this.post({ type: 'marks', seq: m.seq, result: await this.client.sendRequest(TimelineMarksRequest, { uri, ...timeRangeOf(m.range), ...(m.filter ? { filter: m.filter } : {}), limit: 8 }) });
          return;
        case 'findIpa':
          this.post({ type: 'findIpa', seq: m.seq, result: await this.client.sendRequest(TimelineFindIpaRequest, { uri, ipa: m.ipa, limit: 50 }) });
          return;
        case 'reveal':
          await this.reveal(m.line);
          return;
        default:
          assertNever(m);
      }
    } catch (e) {
      const seq = 'seq' in m ? m.seq : undefined;
      this.post({ type: 'error', ...(seq !== undefined ? { seq } : {}), message: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Move the trace's editor to a 1-based line (opening it beside the timeline when closed). */
  private async reveal(line: number): Promise<void> {
    if (!Number.isInteger(line) || line < 1) return;
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.uri.toString());
    const pos = new vscode.Position(line - 1, 0);
    const document = visible?.document ?? (await vscode.workspace.openTextDocument(this.uri));
    const editor = await vscode.window.showTextDocument(document, {
      viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
      selection: new vscode.Range(pos, pos),
      preserveFocus: false,
    });
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private dispose(): void {
    TimelinePanel.panels.delete(this.uri.toString());
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

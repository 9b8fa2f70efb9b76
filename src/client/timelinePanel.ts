// The timeline feature (clangd's style: it owns its command, its requests and its view): the
// "Stage-2 Timeline" webview panel, one per trace, created by `stage2Lens.showTimeline` (the
// `showTimeline` factory), revived after a reload by a serializer (view type `stage2Lens.timeline`).
// It relays the webview's window/selection/find requests to the server (the `Timeline*Request`
// objects of src/shared/requests.ts), reveals lines the user activates, shows the editor's cursor in
// the timeline and re-queries on `stage2Lens/timelineChanged`. It answers the details panel from
// the server's marks, the editor's diagnostics and hover (so the panel says what the hover says),
// and offers "Reveal in Timeline" (`stage2Lens.revealInTimeline`) as a quick fix on each finding.
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
import { escapeControls } from '../shared/controlChars';
import {
  assertNever,
  markdownToPlainLines,
  causeLane,
  markOfLine,
  REVEAL_IN_TIMELINE_COMMAND,
  traceLineTimestampNs,
  type CauseArrow,
  type ExtensionToWebview,
  type MarkCause,
  type MarkDetails,
  type MarkFinding,
  type TimelineViewState,
  type TimeRange,
  type WebviewToExtension,
} from '../shared/timelineProtocol';
import { normalizeTimelineSettings, type TimelineSettings } from '../shared/settings';
import { restorableTraceUri, timeRangeOf } from '../shared/webviewInput';
import { activeTraceUri } from './activeTrace';
import { guarded, onTrace, type Cmd, type Ctx } from './ctx';
import { newNonce, timelineHtml } from './timelineHtml';
import type { TimelineLink } from './timelineLink';

export const TIMELINE_VIEW_TYPE = 'stage2Lens.timeline';
const TITLE = 'Stage-2 Timeline';
/** The `source` of the server's diagnostics (src/server/diagnostics.ts). */
const DIAGNOSTIC_SOURCE = 'stage2-lens';

/** `stage2Lens.showTimeline`: the timeline of the trace, where `stage2Lens.timeline.openIn` says. */
export function showTimeline(ctx: Ctx): Cmd {
  return onTrace(undefined, (uri) => TimelinePanel.createOrShow(ctx.extension, ctx.client(), uri));
}

/**
 * The editor column a new timeline opens in, per `stage2Lens.timeline.openIn`. `below` first makes
 * an empty group under the active one (VS Code focuses it), so that the panel's "active" column is it.
 */
async function columnForNewTimeline(where?: TimelineSettings['openIn']): Promise<vscode.ViewColumn> {
  const openIn = where ?? normalizeTimelineSettings(vscode.workspace.getConfiguration().get('stage2Lens')).openIn;
  switch (openIn) {
    case 'beside':
      return vscode.ViewColumn.Beside;
    case 'active':
      return vscode.ViewColumn.Active;
    case 'below':
      await vscode.commands.executeCommand('workbench.action.newGroupBelow');
      return vscode.ViewColumn.Active;
    default:
      return assertNever(openIn);
  }
}

/** The workbench's commands that focus the editor group of a view column (1 to 8). */
const FOCUS_GROUP = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth', 'Seventh', 'Eighth'].map((n) => `workbench.action.focus${n}EditorGroup`);

/** Make the editor group of `column` the active one (as far as the workbench has commands for it). */
export async function focusGroup(column: vscode.ViewColumn): Promise<void> {
  const command = FOCUS_GROUP[column - 1];
  if (command) await vscode.commands.executeCommand(command);
}

/**
 * `stage2Lens.revealInTimeline [uri, line]`: the timeline of the trace, zoomed to the mark of that
 * 1-based line and with it selected. Without arguments (the palette): the active trace at the cursor.
 */
export function revealInTimeline(ctx: Ctx): Cmd {
  return guarded('Reveal in Timeline failed', async (uriArg?: unknown, lineArg?: unknown) => {
    const uri = activeTraceUri(uriArg);
    const editor = vscode.window.activeTextEditor;
    const line = typeof lineArg === 'number' ? lineArg : editor && uri && editor.document.uri.toString() === uri.toString() ? editor.selection.active.line + 1 : undefined;
    if (!uri || line === undefined) {
      void vscode.window.showWarningMessage('Stage-2 Lens: put the cursor on a trace line (or use the quick fix of a finding) to reveal it in the timeline.');
      return;
    }
    await TimelinePanel.createOrShow(ctx.extension, ctx.client(), uri, line);
  });
}

/** "Reveal in Timeline" on each finding's diagnostic: in the editor's light bulb and the Problems panel's quick fixes. */
class RevealInTimelineActions implements vscode.CodeActionProvider {
  static readonly kind = vscode.CodeActionKind.QuickFix.append('revealInTimeline');

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    // A finding's diagnostic links to its class page (the "N more not shown" summary does not and has no mark).
    const lines = new Set(context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && typeof d.code === 'object').map((d) => d.range.start.line + 1));
    return [...lines].map((line) => {
      const action = new vscode.CodeAction(lines.size > 1 ? `Reveal line ${line} in Timeline` : 'Reveal in Timeline', RevealInTimelineActions.kind);
      action.command = { command: REVEAL_IN_TIMELINE_COMMAND, title: 'Reveal in Timeline', arguments: [document.uri.toString(), line] };
      action.diagnostics = context.diagnostics.filter((d) => d.range.start.line + 1 === line);
      return action;
    });
  }
}

/** The rest of the feature: panels revived after a reload, the editor's cursor shown in the timeline, and the quick fix. */
export function registerTimeline(ctx: Ctx): void {
  ctx.extension.subscriptions.push(
    TimelinePanel.registerSerializer(ctx.extension, ctx.client()),
    vscode.languages.registerCodeActionsProvider({ language: 'ftrace' }, new RevealInTimelineActions(), { providedCodeActionKinds: [RevealInTimelineActions.kind] }),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor.document.languageId === 'ftrace') TimelinePanel.revealLine(e.textEditor.document.uri, e.selections[0].active.line + 1);
    }),
  );
}

export class TimelinePanel {
  private static readonly panels = new Map<string, TimelinePanel>();
  /** Timelines being opened (their editor group may still be in the making), by trace URI. */
  private static readonly opening = new Map<string, Promise<void>>();
  private static notificationHooked = new WeakSet<LanguageClient>();
  /** The client of the latest call: after "Restart Server" panels talk to the new one. */
  private static latestClient: LanguageClient | undefined;
  /** The latest recording diff's two timelines (one pair at a time: a new diff replaces it). */
  private static link: TimelineLink | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** A line "Reveal in Timeline" asked to select: sent again whenever the page (re)loads, until the page asks for its details. */
  private pendingSelect: number | undefined;
  /** Every finding's cause arrows, built on the first ask after the trace's diagnostics or analysis changed. */
  private causeArrows: Promise<CauseArrow[]> | undefined;
  /** Resolves when the page first says it is ready (its script runs). */
  private readonly loaded: Promise<void>;
  private markLoaded: () => void = () => undefined;

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
      vscode.languages.onDidChangeDiagnostics((e) => {
        if (e.uris.some((u) => u.toString() === uri.toString())) this.causeArrows = undefined;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    TimelinePanel.panels.set(uri.toString(), this);
    TimelinePanel.hookNotifications(initialClient);
    this.loaded = new Promise((resolve) => (this.markLoaded = resolve));
  }

  private get client(): LanguageClient {
    return TimelinePanel.latestClient ?? this.initialClient;
  }

  /**
   * Open (or bring forward) the trace's timeline; with `selectLine`, select that line's mark and
   * zoom to it. A new panel opens where `openIn` (default: the setting) says.
   */
  static async createOrShow(context: vscode.ExtensionContext, client: LanguageClient, uri: vscode.Uri, selectLine?: number, openIn?: TimelineSettings['openIn']): Promise<void> {
    TimelinePanel.latestClient = client;
    TimelinePanel.hookNotifications(client);
    const existing = TimelinePanel.panels.get(uri.toString());
    if (existing) {
      existing.panel.reveal(undefined, selectLine === undefined);
      if (selectLine !== undefined) existing.select(selectLine);
      return;
    }
    // A second call while the first is still making its group (a double click on the lens) waits
    // for that panel instead of making a group of its own.
    const opening = TimelinePanel.opening.get(uri.toString());
    if (opening) {
      await opening;
      return TimelinePanel.createOrShow(context, client, uri, selectLine, openIn);
    }
    const open = (async () => {
      const viewColumn = await columnForNewTimeline(openIn);
      // The file name in the title: two traces' timelines side by side must be told apart.
      const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW_TYPE, `${TITLE}: ${uri.path.split('/').pop() ?? ''}`, { viewColumn, preserveFocus: true }, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
      });
      const created = new TimelinePanel(panel, context, client, uri);
      if (selectLine !== undefined) created.pendingSelect = selectLine;
    })();
    TimelinePanel.opening.set(uri.toString(), open);
    try {
      await open;
    } finally {
      TimelinePanel.opening.delete(uri.toString());
    }
  }

  /**
   * The two timelines of a recording diff, one above the other: A's (the trace the command ran on)
   * below the active editor group (or where it already is), B's in a new group right under A's,
   * both told they are linked (zoom and pan of one move the other through the diff's phases).
   */
  static async openLinkedPair(context: vscode.ExtensionContext, client: LanguageClient, link: TimelineLink): Promise<void> {
    TimelinePanel.setLink(link);
    const a = vscode.Uri.parse(link.before, true);
    const b = vscode.Uri.parse(link.after, true);
    const pa = TimelinePanel.panels.get(link.before);
    if (pa) {
      pa.panel.reveal(undefined, true);
      // Its group becomes the active one through a command (awaited), not through the webview's focus (which lands late).
      if (pa.panel.viewColumn) await focusGroup(pa.panel.viewColumn);
    } else {
      // A new group below the active one, made active, holds A's new panel (opened without taking the focus).
      await TimelinePanel.createOrShow(context, client, a, undefined, 'below');
      // B's panel is made once A's page has loaded (made back to back, A's page stayed blank in code-server 4.100).
      const created = TimelinePanel.panels.get(link.before);
      if (created) await Promise.race([created.loaded, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    // The active group is A's timeline's: B's goes in a new group right under it.
    await vscode.commands.executeCommand('workbench.action.newGroupBelow');
    const pb = TimelinePanel.panels.get(link.after);
    if (pb) pb.panel.reveal(vscode.ViewColumn.Active, true);
    else await TimelinePanel.createOrShow(context, client, b, undefined, 'active');
  }

  /** Make `link` the linked pair (or none): the panels of the old pair and the new one are told. */
  static setLink(link: TimelineLink | undefined): void {
    const old = TimelinePanel.link;
    TimelinePanel.link = link;
    for (const uri of new Set([old?.before, old?.after, link?.before, link?.after])) if (uri) TimelinePanel.panels.get(uri)?.postCompareState();
  }

  /** This panel's side of the linked pair, or undefined state when it is on none. */
  private postCompareState(): void {
    const link = TimelinePanel.link;
    const side = link?.sideOf(this.uri.toString());
    this.post({ type: 'compare', state: link && side ? link.state(side) : undefined });
  }

  /** The user moved this timeline: the other of the pair follows, or both say why the link is off. */
  private followLink(range: TimeRange): void {
    const link = TimelinePanel.link;
    const side = link?.sideOf(this.uri.toString());
    if (!link || !side) return;
    const { range: mapped, noteChanged } = link.follow(side, range);
    const other = TimelinePanel.panels.get(link.uriOf(side === 'A' ? 'B' : 'A'));
    if (mapped) other?.post({ type: 'linkedViewport', range: mapped });
    if (noteChanged) {
      this.postCompareState();
      other?.postCompareState();
    }
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

  /** Select a line's mark: now if the page is listening, and again once it has (re)loaded. */
  private select(line: number): void {
    this.pendingSelect = line;
    this.post({ type: 'select', line });
  }

  private post(m: ExtensionToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private async sendInfo(): Promise<void> {
    const uri = this.uri.toString();
    this.causeArrows = undefined;
    const info = await this.client.sendRequest(TimelineInfoRequest, { uri });
    this.post({ type: 'info', uri, info });
  }

  private async onMessage(m: WebviewToExtension): Promise<void> {
    const uri = this.uri.toString();
    try {
      switch (m.type) {
        case 'ready':
          this.markLoaded();
          await this.sendInfo();
          this.postCompareState();
          if (this.pendingSelect !== undefined) this.post({ type: 'select', line: this.pendingSelect });
          return;
        case 'viewport':
          this.followLink(timeRangeOf(m.range));
          return;
        case 'link': {
          const link = TimelinePanel.link;
          if (!link?.sideOf(uri)) return;
          link.setLinked(m.on === true);
          for (const u of [link.before, link.after]) TimelinePanel.panels.get(u)?.postCompareState();
          return;
        }
        case 'details':
          if (m.line === this.pendingSelect) this.pendingSelect = undefined;
          this.post({ type: 'details', seq: m.seq, result: await this.details(m.line) });
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
        case 'openFindingPage':
          await this.openFindingPage(m.line, m.code);
          return;
        case 'causes': {
          const { t0, t1 } = timeRangeOf(m.range);
          const all = await (this.causeArrows ??= this.allCauseArrows());
          this.post({ type: 'causes', seq: m.seq, result: all.filter((a) => a.to.ts >= t0 && a.to.ts <= t1) });
          return;
        }
        default:
          assertNever(m);
      }
    } catch (e) {
      const seq = 'seq' in m ? m.seq : undefined;
      this.post({ type: 'error', ...(seq !== undefined ? { seq } : {}), message: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * The details panel's content for the mark of a 1-based line: the mark (from the server's
   * timeline), the line's text when the document is open, its findings with their causes placed on
   * the timeline (from the diagnostics VS Code holds), and the line's hover as plain text.
   */
  private async details(line: number): Promise<MarkDetails | null> {
    if (!Number.isInteger(line) || line < 1) return null;
    const uri = this.uri.toString();
    const at = await this.client.sendRequest(TimelineLocateRequest, { uri, line });
    if (!at || at.line !== line) return null;
    const marks = await this.client.sendRequest(TimelineMarksRequest, { uri, t0: at.ts, t1: at.ts, filter: { lanes: [at.lane] }, limit: 50 });
    const mark = markOfLine(marks, line);
    if (!mark) return null;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    const lineText = document && line <= document.lineCount ? escapeControls(document.lineAt(line - 1).text) : undefined;
    const diagnostics = vscode.languages.getDiagnostics(this.uri).filter((d) => d.source === DIAGNOSTIC_SOURCE && d.range.start.line === line - 1);
    const findings = await Promise.all(diagnostics.map((d) => this.findingOf(d, document)));
    return { mark, ...(lineText !== undefined ? { lineText } : {}), hover: await this.hoverText(line), findings };
  }

  /**
   * A finding's diagnostic with its causes placed in time: at their lines' own timestamps (a cause
   * line ending a long fault episode is where the map happened, not where the episode began), else
   * at their marks; on the lane of their mark when the line has one.
   */
  private async findingOf(d: vscode.Diagnostic, document: vscode.TextDocument | undefined): Promise<MarkFinding> {
    const code = typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
    const causes = await Promise.all(
      (d.relatedInformation ?? []).map(async (r): Promise<MarkCause> => {
        const line = r.location.range.start.line + 1;
        const located = await this.client.sendRequest(TimelineLocateRequest, { uri: this.uri.toString(), line }).catch(() => null);
        const mark = located && located.line === line ? located : undefined;
        const ts = (document && line <= document.lineCount ? traceLineTimestampNs(document.lineAt(line - 1).text) : undefined) ?? mark?.ts;
        return { line, message: r.message, ...(ts !== undefined ? { ts } : {}), ...(mark ? { lane: mark.lane } : {}) };
      }),
    );
    return { code, message: d.message, causes };
  }

  /**
   * The cause arrow of every finding the editor's diagnostics hold (at most the diagnostics cap),
   * each end at its line's timestamp and on the lane of its line's mark (a cause without one: the
   * lane its message names). Needs the document's text: none for a trace too large to sync.
   */
  private async allCauseArrows(): Promise<CauseArrow[]> {
    const uri = this.uri.toString();
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (!document) return [];
    const info = await this.client.sendRequest(TimelineInfoRequest, { uri });
    const laneOfLine = new Map<number, Promise<string | undefined>>();
    const markLane = (line: number) => {
      let lane = laneOfLine.get(line);
      if (!lane) {
        lane = this.client.sendRequest(TimelineLocateRequest, { uri, line }).then((r) => (r && r.line === line ? r.lane : undefined), () => undefined);
        laneOfLine.set(line, lane);
      }
      return lane;
    };
    const tsOf = (line: number) => (line <= document.lineCount ? traceLineTimestampNs(document.lineAt(line - 1).text) : undefined);
    const findings = vscode.languages.getDiagnostics(this.uri).filter((d) => d.source === DIAGNOSTIC_SOURCE && typeof d.code === 'object' && d.relatedInformation?.length);
    const arrows = await Promise.all(
      findings.map(async (d) => {
        const line = d.range.start.line + 1;
        const code = typeof d.code === 'object' ? String(d.code.value) : '';
        const [toTs, toLane] = [tsOf(line), await markLane(line)];
        if (toTs === undefined || toLane === undefined) return [];
        return Promise.all(
          (d.relatedInformation ?? []).map(async (r): Promise<CauseArrow | undefined> => {
            const causeLine = r.location.range.start.line + 1;
            const fromTs = tsOf(causeLine);
            const fromLane = (await markLane(causeLine)) ?? causeLane({ line: causeLine, message: r.message }, info.lanes);
            return fromTs !== undefined && fromLane !== undefined ? { from: { lane: fromLane, ts: fromTs }, to: { lane: toLane, ts: toTs }, line, code } : undefined;
          }),
        );
      }),
    );
    return arrows.flat().filter((a): a is CauseArrow => a !== undefined).sort((a, b) => a.to.ts - b.to.ts);
  }

  /** What the hover of the line shows, as plain text (empty when the document cannot be opened, e.g. a trace too large to sync). */
  private async hoverText(line: number): Promise<string[]> {
    try {
      const hovers = (await vscode.commands.executeCommand<vscode.Hover[] | undefined>('vscode.executeHoverProvider', this.uri, new vscode.Position(line - 1, 0))) ?? [];
      return hovers.flatMap((h) => h.contents.flatMap((c) => markdownToPlainLines(typeof c === 'string' ? c : c.value)));
    } catch {
      return [];
    }
  }

  /**
   * The class page a finding's diagnostic links to (its code's target), as a Markdown preview. Only
   * a page one of this trace's diagnostics names is opened: the page asks by line and code, not by URI.
   */
  private async openFindingPage(line: number, code: string): Promise<void> {
    const d = vscode.languages.getDiagnostics(this.uri).find((x) => x.source === DIAGNOSTIC_SOURCE && x.range.start.line === line - 1 && typeof x.code === 'object' && String(x.code.value) === code);
    const page = d && typeof d.code === 'object' ? d.code.target : undefined;
    if (!page) return;
    try {
      await vscode.commands.executeCommand('markdown.showPreview', page);
    } catch {
      await vscode.commands.executeCommand('vscode.open', page);
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

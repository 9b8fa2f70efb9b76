// The status bar item `stage2Lens.status`, driven by the server's `stage2Lens/status`
// notification (live counts while analysing, then `S2: 1113 faults · 601 spurious`); it shows the
// state of the trace in the active editor and opens the summary when clicked.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { statusText, type StatusNotification } from '../shared/protocol';
import { StatusNotificationType } from '../shared/requests';
import { activeTraceUri } from './activeTrace';
import { plural } from '../shared/plural';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stage2Lens.status', vscode.StatusBarAlignment.Left, 50);
  private readonly byUri = new Map<string, StatusNotification>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.item.name = 'Stage-2 Lens';
    this.item.command = 'stage2Lens.showSummary';
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.render()),
    );
  }

  /** Show what the server reports (`stage2Lens/status`) for as long as the returned disposable lives. */
  follow(client: LanguageClient): vscode.Disposable {
    return client.onNotification(StatusNotificationType, (s) => this.update(s));
  }

  update(s: StatusNotification): void {
    switch (s.kind) {
      case 'closed':
        this.byUri.delete(s.uri);
        break;
      case 'analyzing':
      case 'ready':
      case 'failed':
        this.byUri.set(s.uri, s);
        break;
      default: {
        const unhandled: never = s;
        void unhandled;
      }
    }
    this.render();
  }

  /** Forget every trace's state (the server restarts and will report again). */
  clear(): void {
    this.byUri.clear();
    this.render();
  }

  private render(): void {
    const uri = activeTraceUri();
    const s = uri ? this.byUri.get(uri.toString()) : undefined;
    if (!s) {
      this.item.hide();
      return;
    }
    this.item.text = s.kind === 'analyzing' ? `$(sync~spin) ${statusText(s)}` : statusText(s);
    this.item.tooltip =
      s.kind === 'ready' ? `Stage-2 Lens (${s.label}${s.partial ? ', first findings' : ''}): ${plural(s.findings, 'finding')}. Click for the summary.`
      : s.kind === 'failed' ? `Stage-2 Lens: ${s.message}`
      : `Stage-2 Lens: analysing (${s.kind === 'analyzing' ? s.label : ''})`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

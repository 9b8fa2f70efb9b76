// Placeholder: the timeline webview panel (owned by the timeline work). The command table calls
// createOrShow; activate() calls registerSerializer so a reload restores open panels.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export class TimelinePanel {
  static createOrShow(_context: vscode.ExtensionContext, _client: LanguageClient, _uri: vscode.Uri): void {
    void vscode.window.showInformationMessage('Stage-2 Lens: the timeline is not available yet.');
  }

  static registerSerializer(_context: vscode.ExtensionContext, _client: LanguageClient): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  /** The editor's cursor moved in a trace: show it in the timeline. */
  static revealLine(_uri: vscode.Uri, _line: number): void {}
}

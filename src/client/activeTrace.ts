// Which trace a command acts on: the URI passed by a code lens, else the active editor's `ftrace`
// document, else the active tab when it shows a trace too large for VS Code to sync to extensions.
import * as vscode from 'vscode';

const traceFile = /\.(trace|ftrace)$/i;

export function isTraceUri(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && traceFile.test(uri.path);
}

export function activeTraceUri(arg?: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg);
  const doc = vscode.window.activeTextEditor?.document;
  if (doc?.languageId === 'ftrace') return doc.uri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText && isTraceUri(input.uri)) return input.uri;
  return undefined;
}

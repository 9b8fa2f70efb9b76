// Traces open in an editor tab without a text document: VS Code does not hand files over 50 MB to
// extensions, so the client tells the server which ones are open (`stage2Lens/largeFiles`) and
// the server reads them from disk, publishing diagnostics for them as for any other trace.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LargeFilesNotification } from '../shared/requests';
import { isTraceUri } from './activeTrace';

function openUnsyncedTraces(): string[] {
  const synced = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
  const out = new Set<string>();
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputText && isTraceUri(tab.input.uri) && !synced.has(tab.input.uri.toString())) out.add(tab.input.uri.toString());
    }
  }
  return [...out].sort();
}

export function trackLargeFiles(context: vscode.ExtensionContext, client: () => LanguageClient): () => void {
  let last = '';
  const send = () => {
    const uris = openUnsyncedTraces();
    const key = uris.join('\n');
    if (key === last) return;
    last = key;
    void client().sendNotification(LargeFilesNotification, { uris }).catch(() => {
      last = '';
    });
  };
  context.subscriptions.push(
    vscode.window.tabGroups.onDidChangeTabs(send),
    vscode.workspace.onDidOpenTextDocument(send),
    vscode.workspace.onDidCloseTextDocument(send),
  );
  // After a (re)start the server knows nothing: send the full set again.
  return () => {
    last = '';
    send();
  };
}

// The extension's entry point: starts the language client, registers the command table, the
// status bar (driven by `stage2Lens/status`), trace.dat documents, large-file tracking and the
// timeline panel's serializer; forwards cursor moves in a trace to the timeline. Thin by design.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { methods, type StatusNotification } from '../shared/protocol';
import { registerCommands } from './commands';
import { registerDatDocuments } from './datDocument';
import { createLanguageClient } from './languageClient';
import { trackLargeFiles } from './largeFiles';
import { StatusBar } from './statusBar';
import { TimelinePanel } from './timelinePanel';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const statusBar = new StatusBar();
  context.subscriptions.push(statusBar);
  client = createLanguageClient(context);
  const current = () => {
    if (!client) throw new Error('the Stage-2 Lens server is not running');
    return client;
  };
  const resendLargeFiles = trackLargeFiles(context, current);
  // Registered before start, the handler survives restarts (the client re-installs it).
  context.subscriptions.push(client.onNotification(methods.status, (s: StatusNotification) => statusBar.update(s)));
  registerCommands(context, current, async () => {
    statusBar.clear();
    await current().restart();
    resendLargeFiles();
  });
  registerDatDocuments(context, current);
  context.subscriptions.push(
    TimelinePanel.registerSerializer(context, client),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor.document.languageId === 'ftrace') TimelinePanel.revealLine(e.textEditor.document.uri, e.selections[0].active.line + 1);
    }),
  );
  await client.start();
  resendLargeFiles();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

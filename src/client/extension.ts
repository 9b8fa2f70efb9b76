// The extension's entry point: starts the language client, builds the Ctx every command is made
// from (ctx.ts), registers the command table (commands.ts), the status bar (driven by
// `stage2Lens/status`), trace.dat documents, large-file tracking and the timeline feature (its
// serializer and the editor's cursor in the timeline). Thin by design.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { COMMANDS } from './commands';
import { registerCommands, type Ctx } from './ctx';
import { registerDatDocuments } from './datDocument';
import { createLanguageClient } from './languageClient';
import { trackLargeFiles } from './largeFiles';
import { StatusBar } from './statusBar';
import { registerTimeline } from './timelinePanel';

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
  context.subscriptions.push(statusBar.follow(client));
  const ctx: Ctx = {
    extension: context,
    client: current,
    async restartServer() {
      statusBar.clear();
      await current().restart();
      resendLargeFiles();
    },
  };
  registerCommands(ctx, COMMANDS);
  registerDatDocuments(context, current);
  registerTimeline(ctx);
  await client.start();
  resendLargeFiles();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

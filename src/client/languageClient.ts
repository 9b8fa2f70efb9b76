// The LanguageClient factory: starts the bundled server (<out>/server/server.js, beside this
// bundle's folder) over node IPC for `ftrace` documents and the read-only `stage2lens-dat:`
// renderings of trace.dat files. Client id `stage2Lens`, so `stage2Lens.trace.server` traces it.
// Hovers may run "Reveal in Timeline" and no other command (see `trustRevealInTimeline`).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { REVEAL_IN_TIMELINE_COMMAND } from '../shared/timelineProtocol';

export const datScheme = 'stage2lens-dat';

export function createLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const module = path.join(__dirname, '..', 'server', 'server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'ftrace', scheme: 'file' },
      { language: 'ftrace', scheme: 'untitled' },
      { language: 'ftrace', scheme: datScheme },
    ],
    outputChannelName: 'Stage-2 Lens',
    // The server pulls `stage2Lens` with workspace/configuration; this only tells it when to.
    synchronize: { configurationSection: 'stage2Lens' },
    middleware: {
      async provideHover(document, position, token, next) {
        const hover = await next(document, position, token);
        if (hover) trustRevealInTimeline(hover);
        return hover;
      },
    },
  };
  const client = new LanguageClient('stage2Lens', 'Stage-2 Lens', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client.stop() });
  return client;
}

/**
 * VS Code runs a `command:` link of a hover only when its Markdown is trusted. Trust is given for
 * "Reveal in Timeline" alone, not wholesale: the hover quotes trace text (escaped by the server,
 * but a missed escape must still not be able to run any other command).
 */
export function trustRevealInTimeline(hover: vscode.Hover): void {
  for (const c of hover.contents) if (c instanceof vscode.MarkdownString) c.isTrusted = { enabledCommands: [REVEAL_IN_TIMELINE_COMMAND] };
}

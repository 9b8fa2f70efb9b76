// The LanguageClient factory: starts the bundled server (<out>/server/server.js, beside this
// bundle's folder) over node IPC for `ftrace` documents and the read-only `stage2lens-dat:`
// renderings of trace.dat files. Client id `stage2Lens`, so `stage2Lens.trace.server` traces it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

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
  };
  const client = new LanguageClient('stage2Lens', 'Stage-2 Lens', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client.stop() });
  return client;
}

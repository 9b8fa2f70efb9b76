// trace.dat files in the editor: a read-only `stage2lens-dat:` document holding the kernel-format
// text the server renders (RenderDatRequest, stage2Lens/renderDat), language `ftrace`, so diagnostics and hovers work
// on its lines. Opening a .dat whose first bytes are the trace.dat magic redirects to it.
import { open } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RenderDatRequest } from '../shared/requests';
import { datScheme } from './languageClient';

/** "\x17\x08Dtracing": the first 10 bytes of every trace.dat. */
const magic = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67];

export async function isTraceDat(uri: vscode.Uri): Promise<boolean> {
  if (uri.scheme !== 'file' || !/\.dat$/i.test(uri.path)) return false;
  const handle = await open(uri.fsPath, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const buf = Buffer.alloc(magic.length);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return bytesRead === magic.length && magic.every((b, i) => buf[i] === b);
  } finally {
    await handle.close();
  }
}

export function datUriFor(file: vscode.Uri): vscode.Uri {
  return file.with({ scheme: datScheme });
}

export function registerDatDocuments(context: vscode.ExtensionContext, client: () => LanguageClient): void {
  const provider: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri, token) {
      try {
        const r = await client().sendRequest(RenderDatRequest, { uri: uri.with({ scheme: 'file' }).toString() }, token);
        return r.truncated ? `${r.text}\n# Stage-2 Lens: rendering stopped at the size limit; use \`stage2-lens report\` for the whole file.\n` : r.text;
      } catch (e) {
        return `# Stage-2 Lens could not render this trace.dat: ${e instanceof Error ? e.message : String(e)}\n`;
      }
    },
  };
  const redirecting = new Set<string>();
  const redirect = async (tab: vscode.Tab) => {
    if (!(tab.input instanceof vscode.TabInputText)) return;
    const file = tab.input.uri;
    if (redirecting.has(file.toString()) || !(await isTraceDat(file))) return;
    redirecting.add(file.toString());
    try {
      const doc = await vscode.workspace.openTextDocument(datUriFor(file));
      await vscode.languages.setTextDocumentLanguage(doc, 'ftrace');
      await vscode.window.showTextDocument(doc, { viewColumn: tab.group.viewColumn, preview: tab.isPreview });
      await vscode.window.tabGroups.close(tab);
    } finally {
      redirecting.delete(file.toString());
    }
  };
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(datScheme, provider),
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const tab of e.opened) void redirect(tab);
    }),
  );
}

// A real LSP client for the tests: spawns the bundled server (<out>/server/server.js, found from
// this file) with --stdio, speaks JSON-RPC through vscode-languageserver-protocol's connection,
// answers the server's own requests (progress creation, configuration, registrations), and lets
// tests wait on events (diagnostics published, a status notification), never on time.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type { Diagnostic, InitializeResult } from 'vscode-languageserver-protocol';
import type { StatusNotification } from '../../src/shared/protocol';

export const serverPath = join(__dirname, '..', '..', 'server', 'server.js');
/** The bundled CLI: `stage2-lens lsp --stdio` starts the same server. */
export const cliPath = join(__dirname, '..', '..', 'cli', 'main.js');

export interface Harness {
  connection: ProtocolConnection;
  child: ChildProcess;
  initializeResult: InitializeResult;
  /** Resolves with the next diagnostics published for `uri` that satisfy `accept`. */
  diagnostics(uri: string, accept?: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]>;
  /** Resolves with the next status notification for `uri` that satisfies `accept`. */
  status(uri: string, accept: (s: StatusNotification) => boolean): Promise<StatusNotification>;
  /** The diagnostics last published for `uri`. */
  latest(uri: string): Diagnostic[] | undefined;
  /** Resolves with the token of the next work-done progress the server creates. */
  nextProgressToken(): Promise<string | number>;
  /** Every `$/progress` value received, per token. */
  progress: Map<string | number, unknown[]>;
  stderr(): string;
  close(): Promise<void>;
}

interface Waiter<T> {
  uri: string;
  accept: (v: T) => boolean;
  resolve: (v: T) => void;
}

export function fileUri(path: string): string {
  return pathToFileURL(path).toString();
}

export async function startServer(settings: unknown, opts: { workDoneProgress?: boolean; args?: string[]; pullConfiguration?: boolean; signal?: AbortSignal } = {}): Promise<Harness> {
  const args = opts.args ?? [serverPath, '--stdio'];
  if (!existsSync(args[0])) throw new Error(`no bundled server at ${args[0]}: build first (node scripts/build.mjs --out <dir>)`);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // A test that times out never reaches close(): its signal kills the server, so that pending
  // requests fail and the test process can exit.
  opts.signal?.addEventListener('abort', () => child.kill());
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const latestDiagnostics = new Map<string, Diagnostic[]>();
  const diagWaiters: Waiter<Diagnostic[]>[] = [];
  const statusWaiters: Waiter<StatusNotification>[] = [];
  const progress = new Map<string | number, unknown[]>();

  connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
    latestDiagnostics.set(p.uri, p.diagnostics);
    for (const w of [...diagWaiters]) {
      if (w.uri === p.uri && w.accept(p.diagnostics)) {
        diagWaiters.splice(diagWaiters.indexOf(w), 1);
        w.resolve(p.diagnostics);
      }
    }
  });
  connection.onNotification('stage2Lens/status', (s: StatusNotification) => {
    for (const w of [...statusWaiters]) {
      if (w.uri === s.uri && w.accept(s)) {
        statusWaiters.splice(statusWaiters.indexOf(w), 1);
        w.resolve(s);
      }
    }
  });
  connection.onNotification('$/progress', (p: { token: string | number; value: unknown }) => {
    const list = progress.get(p.token) ?? [];
    list.push(p.value);
    progress.set(p.token, list);
  });
  const tokenWaiters: ((t: string | number) => void)[] = [];
  connection.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
    for (const w of tokenWaiters.splice(0)) w(p.token);
    return null;
  });
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('workspace/configuration', () => [settings]);
  connection.onRequest('workspace/inlayHint/refresh', () => null);
  connection.onNotification('window/logMessage', () => undefined);
  connection.listen();

  const initializeResult = (await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      window: { workDoneProgress: Boolean(opts.workDoneProgress) },
      workspace: { configuration: Boolean(opts.pullConfiguration) },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true } },
    },
    initializationOptions: opts.pullConfiguration ? undefined : { settings },
  })) as InitializeResult;
  await connection.sendNotification('initialized', {});

  return {
    connection,
    child,
    initializeResult,
    progress,
    latest: (uri) => latestDiagnostics.get(uri),
    nextProgressToken: () => new Promise((resolve) => tokenWaiters.push(resolve)),
    diagnostics(uri, accept = () => true) {
      return new Promise((resolve) => diagWaiters.push({ uri, accept, resolve }));
    },
    status(uri, accept) {
      return new Promise((resolve) => statusWaiters.push({ uri, accept, resolve }));
    },
    stderr: () => stderr,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        child.kill();
      }
      await exited;
      connection.dispose();
    },
  };
}

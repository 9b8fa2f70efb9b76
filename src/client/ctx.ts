// What every command is built from (the shape of rust-analyzer's editors/code/src/ctx.ts): the
// extension context, the running language client and "Restart Server"; and the two wrappers that
// do once what every command needs: find the trace it acts on (or say how to open one), and turn a
// failure into one error message instead of an unhandled rejection.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { activeTraceUri } from './activeTrace';

export interface Ctx {
  readonly extension: vscode.ExtensionContext;
  /** The running language client; throws when the server is not running. */
  client(): LanguageClient;
  /** Stop and start the server again (the status bar forgets, open large files are re-announced). */
  restartServer(): Promise<void>;
}

/** A command's callback, as vscode.commands.registerCommand takes it. */
export type Cmd = (...args: unknown[]) => unknown;

/** One command: built once from the context, registered under its id. */
export type CommandFactory = (ctx: Ctx) => Cmd;

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A command that may fail: a failure is shown as `Stage-2 Lens: <what failed>: <why>` (or
 * `Stage-2 Lens: <why>` without `failure`). Cancelling a picker is not a failure: the body returns.
 */
export function guarded(failure: string | undefined, body: (...args: unknown[]) => Promise<void> | void): Cmd {
  return async (...args: unknown[]) => {
    try {
      await body(...args);
    } catch (e) {
      void vscode.window.showErrorMessage(`Stage-2 Lens: ${failure ? `${failure}: ` : ''}${errorText(e)}`);
    }
  };
}

/**
 * A command that acts on a trace: the URI a code lens passes, else the active trace (activeTrace.ts).
 * With none, it says how to get one and does nothing; otherwise as `guarded`.
 */
export function onTrace(failure: string | undefined, body: (uri: vscode.Uri) => Promise<void> | void): Cmd {
  return guarded(failure, async (arg?: unknown) => {
    const uri = activeTraceUri(arg);
    if (!uri) {
      void vscode.window.showWarningMessage('Stage-2 Lens: open a trace (.trace, .ftrace or trace.dat) first.');
      return;
    }
    await body(uri);
  });
}

/** Register every command of the table under its id, for the life of the extension. */
export function registerCommands(ctx: Ctx, factories: Record<string, CommandFactory>): void {
  for (const [id, factory] of Object.entries(factories)) ctx.extension.subscriptions.push(vscode.commands.registerCommand(id, factory(ctx)));
}

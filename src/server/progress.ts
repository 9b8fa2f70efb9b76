// `$/progress` for an analysis: a server-initiated work-done progress (window/workDoneProgress/create)
// with a percentage and a cancel button, when the client supports it; otherwise a silent handle.
import type { Connection } from 'vscode-languageserver/node';
import type { ProgressHandle } from './traceStore';

const silent: ProgressHandle = { report: () => undefined, done: () => undefined, onCancel: () => undefined };

export function progressFactory(connection: Connection, supported: () => boolean): (title: string) => Promise<ProgressHandle> {
  return async (title) => {
    if (!supported()) return silent;
    const reporter = await connection.window.createWorkDoneProgress().catch(() => undefined);
    if (!reporter) return silent;
    reporter.begin(title, 0, undefined, true);
    let finished = false;
    return {
      report: (percent, message) => {
        if (!finished) reporter.report(percent ?? 0, message);
      },
      done: () => {
        if (finished) return;
        finished = true;
        reporter.done();
      },
      onCancel: (listener) => {
        reporter.token.onCancellationRequested(listener);
      },
    };
  };
}

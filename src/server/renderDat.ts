// stage2Lens/renderDat: the kernel-format text of a trace.dat (core's src/core/tracedat/), which the
// client shows in a read-only `stage2lens-dat:` document. The file is read from disk by URI.
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import type { RenderDatResult } from '../shared/protocol';

export async function renderDat(_uri: string, _token: CancellationToken): Promise<RenderDatResult> {
  throw new ResponseError(LSPErrorCodes.RequestFailed, 'trace.dat rendering (src/core/tracedat/) is not available in this build yet');
}

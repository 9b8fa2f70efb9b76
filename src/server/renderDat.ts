// stage2Lens/renderDat: the kernel-format text of a trace.dat (core's renderTraceDat), which the
// client shows in a read-only `stage2lens-dat:` document. The file is read from disk by URI, by
// ranges (bounded memory); the text stops at a limit that keeps the document small enough for
// VS Code to sync to the server (it is then analysed like any open trace).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import { renderTraceDat } from '../core/index';
import { BYTE_SNIFF_BYTES, sniffBytes } from '../core/index';
import type { RenderDatResult } from '../shared/protocol';

/** Just under VS Code's 50 MB sync limit. */
export const renderLimitChars = 48 * 1024 * 1024;

class LimitReached extends Error {}

/**
 * The request names a path: only a regular file that starts like a trace.dat is read (the same
 * sniffing as every reader), so that /etc/passwd, /dev/zero or /proc/self/environ get a refusal
 * rather than an empty "success" or a read that never ends.
 */
async function assertTraceDat(path: string): Promise<void> {
  const fail = (why: string): never => {
    throw new ResponseError(LSPErrorCodes.RequestFailed, `${path}: ${why}`);
  };
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    return fail(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    if (!(await fh.stat()).isFile()) fail('not a regular file');
    const head = Buffer.alloc(BYTE_SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const sniff = sniffBytes(head.subarray(0, bytesRead));
    if (sniff.kind === 'refused') fail(`not a trace.dat: ${sniff.reason}`);
    if (sniff.kind !== 'trace-dat') fail('not a trace.dat (no trace.dat magic at its start)');
  } finally {
    await fh.close();
  }
}

export async function renderDat(uri: string, token: CancellationToken, limit = renderLimitChars): Promise<RenderDatResult> {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    throw new ResponseError(LSPErrorCodes.RequestFailed, `not a file URI: ${uri}`);
  }
  await assertTraceDat(path);
  const abort = new AbortController();
  token.onCancellationRequested(() => abort.abort());
  const parts: string[] = [];
  let length = 0;
  let truncated = false;
  try {
    await renderTraceDat(createReadStream(path, { highWaterMark: 1 << 20 }), (text) => {
      if (length + text.length > limit) {
        truncated = true;
        throw new LimitReached();
      }
      parts.push(text);
      length += text.length;
    }, { signal: abort.signal, openRange: (start, end) => createReadStream(path, { start, end: end === undefined ? undefined : end - 1, highWaterMark: 1 << 20 }) });
  } catch (e) {
    if (abort.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    if (!(e instanceof LimitReached)) throw new ResponseError(LSPErrorCodes.RequestFailed, `cannot read the trace.dat: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { text: parts.join(''), truncated };
}

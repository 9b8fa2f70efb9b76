// Giving memory back after a large trace is closed. A synced document's text arrives as one
// JSON-RPC message: its bytes, the decoded string and the analysis of a 45 MB trace are a few
// hundred MB, and once the document is closed all of it is garbage, but V8 collects external
// strings and buffers only in later major collections and shrinks its heap only after them: left
// to itself, the server keeps its peak RSS for minutes (issue #22: 395 MB after two documents were
// closed). After the release of a large trace the server runs two full collections (the second
// frees what the first finalised), once the close has settled, so that RSS returns to about where
// it started. `gc` is exposed through V8's flag at run time (the server may run inside the CLI's
// process, started without --expose-gc); where that is refused, nothing is done.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Traces at least this large are worth a full collection when they are released. */
export const RECLAIM_MIN_BYTES = 8 << 20;
/** Let the close settle (a run being aborted, the last diagnostics sent) before collecting. */
const RECLAIM_DELAY_MS = 200;

let collect: (() => void) | undefined | null;

function gcFunction(): (() => void) | undefined {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect ?? undefined;
}

let pending: ReturnType<typeof setTimeout> | undefined;

/** Schedules the collections (several releases in a row share one). */
export function reclaimSoon(): void {
  const gc = gcFunction();
  if (!gc || pending) return;
  pending = setTimeout(() => {
    pending = undefined;
    gc();
    setImmediate(gc);
  }, RECLAIM_DELAY_MS);
  pending.unref();
}

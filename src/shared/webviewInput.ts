// What the timeline panel accepts from its webview (a page that renders trace-derived data and
// could be made to send anything): only the time range of a request and, when VS Code restores a
// panel, the trace URI the page stored. The panel always queries its own trace: a message cannot
// name another (no `uri` key survives timeRangeOf), and a restored panel reopens only a URI of a
// scheme the language client serves.
import type { TimeRange } from './timelineProtocol';

/** The schemes the language client registers trace documents for (src/client/languageClient.ts). */
export const TRACE_URI_SCHEMES = ['file', 'untitled', 'stage2lens-dat'] as const;

/** `{t0, t1}` of a webview message, as finite numbers in order; anything else (other keys included) is dropped. */
export function timeRangeOf(range: unknown): TimeRange {
  const r = (typeof range === 'object' && range !== null ? range : {}) as Record<string, unknown>;
  const t0 = r.t0;
  const t1 = r.t1;
  if (typeof t0 !== 'number' || typeof t1 !== 'number' || !Number.isFinite(t0) || !Number.isFinite(t1) || t0 > t1) throw new Error('invalid time range from the timeline page');
  return { t0, t1 };
}

/** The stored URI of a panel to restore, when it is a trace URI of a scheme the client serves; else undefined. */
export function restorableTraceUri(stored: unknown): string | undefined {
  if (typeof stored !== 'string' || stored.length === 0 || stored.length > 4096) return undefined;
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(stored);
  if (!m || !(TRACE_URI_SCHEMES as readonly string[]).includes(m[1].toLowerCase())) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(stored)) return undefined;
  return stored;
}

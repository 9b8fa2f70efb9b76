// The accessible twin of the canvas: `#marks-list`, one keyboard-operable button per visible bin,
// invalid window and trace marker, each with `data-line` and an aria-label saying what it holds;
// activating one (click, Enter, Space) reveals that line in the editor. Built with createElement
// and textContent only: trace text never becomes HTML.
import { BIN_CLASS_ORDER, binStart, type BinClass, type LaneInfo, type TimeRange, type WindowResult } from '../src/shared/timelineProtocol';
import { className } from './theme';
import { formatDuration, formatIpa, formatTs, timeToX } from './viewport';

export interface ListEntry {
  line: number;
  /** Short visible text. */
  text: string;
  /** Full description for screen readers. */
  aria: string;
  lane?: string;
  config?: 'A' | 'B';
  bin?: number;
  ts: number;
  /** Lower sorts first when the list must be cut. */
  rank: number;
}

export const LIST_LIMIT = 200;

function laneLabel(lanes: readonly LaneInfo[], id: string, config: 'A' | 'B'): string {
  const l = lanes.find((x) => x.id === id && x.config === config);
  const label = l?.label ?? id;
  return config === 'B' ? `${label} (what-if B)` : label;
}

/** A visible item before its text is built: only the `limit` kept ones get text (a zoomed-out window has thousands). */
interface Candidate {
  ts: number;
  rank: number;
  make: () => ListEntry;
}

/** Entries for everything visible in `vp` of the answered window, worst first when over the limit, then in time order. */
export function marksListEntries(data: WindowResult | undefined, lanes: readonly LaneInfo[], vp: TimeRange, width: number, limit = LIST_LIMIT): { entries: ListEntry[]; omitted: number } {
  if (!data) return { entries: [], omitted: 0 };
  const step = (vp.t1 - vp.t0) / Math.max(1, width);
  const all: Candidate[] = [];
  const visible = (t0: number, t1: number) => timeToX(vp, width, t1) >= 0 && timeToX(vp, width, t0) <= width;
  for (const m of data.markers) {
    if (!visible(m.ts, m.ts)) continue;
    all.push({ ts: m.ts, rank: -1, make: () => ({ line: m.line, ts: m.ts, rank: -1, text: `${formatTs(m.ts, step)} marker: ${m.label}`, aria: `trace marker at ${formatTs(m.ts, step)}: ${m.label}, line ${m.line}` }) });
  }
  const windowRank = BIN_CLASS_ORDER.indexOf('window');
  for (const w of data.windows) {
    if (!visible(w.ts, w.endTs)) continue;
    all.push({
      ts: w.ts,
      rank: windowRank,
      make: () => {
        const where = w.ipa !== undefined ? ` over ${formatIpa(w.ipa)}${w.size ? `+${formatIpa(w.size)}` : ''}` : '';
        const lane = laneLabel(lanes, w.lane, w.config);
        return {
          line: w.line, ts: w.ts, rank: windowRank, lane: w.lane, config: w.config,
          text: `${lane} · ${formatTs(w.ts, step)} · invalid window ${formatDuration(w.endTs - w.ts)}${where}`,
          aria: `${lane}: invalid window from ${formatTs(w.ts, step)} for ${formatDuration(w.endTs - w.ts)}${where}, line ${w.line}`,
        };
      },
    });
  }
  for (const lb of data.lanes) {
    const lane = laneLabel(lanes, lb.lane, lb.config);
    const counts = Object.entries(lb.counts) as [BinClass, number[]][];
    for (let k = 0; k < lb.px.length; k++) {
      const i = lb.px[k];
      const t0 = binStart(data.range.t0, data.range.t1, data.width, i);
      const t1 = binStart(data.range.t0, data.range.t1, data.width, i + 1);
      if (!visible(t0, t1)) continue;
      let own = 0;
      for (const [cls, arr] of counts) if (arr[k] && !(cls === 'marker' || (cls === 'window' && !data.windowsDense))) own += arr[k];
      // Markers and window bars have entries of their own: a bin holding only those is not repeated.
      if (own === 0) continue;
      all.push({
        ts: t0,
        rank: lb.worst[k],
        make: () => {
          const parts: string[] = [];
          for (const [cls, arr] of counts) if (arr[k]) parts.push(`${arr[k]} ${className(cls)}`);
          const worst = BIN_CLASS_ORDER[lb.worst[k]] ?? 'fault';
          const n = lb.total[k];
          const avoided = lb.avoided[k] ? `; ${lb.avoided[k]} avoided by the what-if` : '';
          return {
            line: lb.line[k], ts: t0, rank: lb.worst[k], lane: lb.lane, config: lb.config, bin: i,
            text: `${lane} · ${formatTs(t0, step)} · ${parts.join(', ')}`,
            aria: `${lane} at ${formatTs(t0, step)}: ${n === 1 ? `one ${className(worst)}` : `${n} marks, worst ${className(worst)}`} (${parts.join(', ')})${avoided}, line ${lb.line[k]}`,
          };
        },
      });
    }
  }
  let kept = all;
  if (all.length > limit) kept = [...all].sort((a, b) => a.rank - b.rank || a.ts - b.ts).slice(0, limit);
  kept.sort((a, b) => a.ts - b.ts || a.rank - b.rank);
  return { entries: kept.map((c) => c.make()), omitted: all.length - kept.length };
}

/** The parts of the DOM this module touches (a stub in unit tests). */
export interface ListDom {
  createElement(tag: 'li' | 'button'): ListElement;
}
export interface ListElement {
  textContent: string | null;
  className: string;
  setAttribute(name: string, value: string): void;
  append(...nodes: ListElement[]): void;
  addEventListener(type: 'click' | 'focus' | 'keydown', fn: (e: { key?: string; preventDefault?(): void }) => void): void;
  replaceChildren(...nodes: ListElement[]): void;
}

/** Fill `list` with one button per entry; `onActivate` gets the entry's line. */
export function renderMarksList(doc: ListDom, list: ListElement, entries: readonly ListEntry[], onActivate: (e: ListEntry) => void, onFocus?: (e: ListEntry) => void): void {
  const items = entries.map((e) => {
    const li = doc.createElement('li');
    const b = doc.createElement('button');
    b.className = 'mark-item';
    b.setAttribute('type', 'button');
    b.setAttribute('data-line', String(e.line));
    b.setAttribute('aria-label', e.aria);
    b.textContent = e.text;
    // Buttons activate on Enter and Space natively; click covers the mouse and the e2e test.
    b.addEventListener('click', () => onActivate(e));
    if (onFocus) b.addEventListener('focus', () => onFocus(e));
    li.append(b);
    return li;
  });
  list.replaceChildren(...items);
}

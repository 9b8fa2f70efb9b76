// The timeline webview's state, in three objects (main.ts holds one of each): `ViewState`, what the
// user looks at and what survives hide/show and reload; `Replies`, what the extension answered, so
// that an older answer never replaces a newer one; `Interaction`, gestures and timers in progress.
// No DOM here: main.ts wires these to the page.
import { BIN_CLASS_ORDER, type CauseArrow, type CompareViewState, type MarkDetail, type MarkDetails, type TimelineFilter, type TimelineInfo, type TimelineViewState, type TimeRange, type WindowResult } from '../src/shared/timelineProtocol';
import type { LaneGroup, Row } from './layout';
import type { Theme } from './theme';
import { DEFAULT_MIN_SPAN, type Bounds } from './viewport';

export type Highlight = { lane: string; config: 'A' | 'B'; bin: number };

/** What the user looks at: the persisted state (viewport, filter, selection, find text), the viewport's bounds, rows, width, theme, the editor's cursor and the highlighted bin. */
export class ViewState {
  saved: TimelineViewState;
  bounds: Bounds = { t0: 0, t1: 1, minSpan: DEFAULT_MIN_SPAN };
  vp: TimeRange;
  rows: Row[] = [];
  /** CSS pixels of the canvas. */
  width = 800;
  cursorTs: number | undefined;
  highlight: Highlight | undefined;
  /** The details of the selected mark (`saved.selectedLine`), once the extension has answered. */
  details: MarkDetails | undefined;
  /** This timeline's side of a recording diff (from the extension on every load; not persisted). */
  compare: CompareViewState | undefined;
  /** By BIN_CLASS_ORDER rank, the classes drawn dimmed for the diff (undefined: none). */
  dimmed: boolean[] | undefined;

  constructor(
    saved: TimelineViewState | undefined,
    public theme: Theme,
    /** Where the state is kept (the webview's setState). */
    private readonly persist: (state: TimelineViewState) => void,
  ) {
    this.saved = saved ?? { uri: '' };
    this.vp = this.saved.viewport ?? { t0: 0, t1: 1 };
  }

  /** Change the persisted state (not yet saved); a key set to undefined is removed, so a cleared setting leaves nothing behind. */
  patch(p: Partial<TimelineViewState>): void {
    const next: Record<string, unknown> = { ...this.saved, ...p };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    this.saved = next as unknown as TimelineViewState;
  }

  save(): void {
    this.patch({ viewport: this.vp });
    this.persist(this.saved);
  }

  /** What F fits and M marks: the selected mark's extent, else the selected range. */
  selectionRange(): TimeRange | undefined {
    const m = this.selectedMark();
    if (m) return { t0: m.ts, t1: m.endTs ?? m.ts };
    return this.saved.selection;
  }

  /** The selected mark, once its details have arrived. */
  selectedMark(): MarkDetail | undefined {
    const d = this.details;
    return d && d.mark.line === this.saved.selectedLine ? d.mark : undefined;
  }

  /** M: mark `r`, or clear the mark when `r` is the range already marked (as Perfetto's M toggles). */
  toggleMarkedRange(r: TimeRange): void {
    const m = this.saved.markedRange;
    this.patch({ markedRange: m && m.t0 === r.t0 && m.t1 === r.t1 ? undefined : { t0: r.t0, t1: r.t1 } });
  }

  /** Collapse a group of rows, or expand it again (a group header's button). */
  toggleGroup(group: LaneGroup): void {
    const collapsed = this.saved.collapsedGroups ?? [];
    const next = collapsed.includes(group) ? collapsed.filter((g) => g !== group) : [...collapsed, group];
    this.patch({ collapsedGroups: next.length ? next : undefined });
  }

  /** The groups collapsed now, of the ones the layout knows (a stored state is untrusted input). */
  collapsedGroups(known: readonly LaneGroup[]): LaneGroup[] {
    const stored = this.saved.collapsedGroups;
    return Array.isArray(stored) ? known.filter((g) => stored.includes(g)) : [];
  }

  /**
   * Become (or stop being) one side of a recording diff: the classes the diff does not say
   * changed are dimmed, unless it says none changed (then nothing is).
   */
  setCompare(c: CompareViewState | undefined): void {
    this.compare = c;
    const changed = new Set((c?.classes ?? []).filter((x) => x.changed).map((x) => x.cls));
    this.dimmed = changed.size ? BIN_CLASS_ORDER.map((cls) => !changed.has(cls)) : undefined;
  }

  filter(): TimelineFilter | undefined {
    const f = this.saved.filter;
    return f && (f.classes || f.lanes) ? f : undefined;
  }
}

type ReplyKind = 'window' | 'rangeStats' | 'marks' | 'details' | 'causes';

/** What the extension answered: the trace's info, the window being drawn, and request numbers so that an older answer never replaces a newer one. */
export class Replies {
  info: TimelineInfo | undefined;
  window: WindowResult | undefined;
  /** The cause arrows of the findings in view, while every finding's arrows are shown (undefined until the first answer). */
  causes: CauseArrow[] | undefined;
  private seq = 0;
  private readonly latest: Record<ReplyKind, number> = { window: -1, rangeStats: -1, marks: -1, details: -1, causes: -1 };

  next(): number {
    return ++this.seq;
  }

  /** Whether the answer to request `seq` is the newest of its kind so far (then it is the one shown). */
  accept(kind: ReplyKind, seq: number): boolean {
    if (seq < this.latest[kind]) return false;
    this.latest[kind] = seq;
    return true;
  }
}

/** Gestures and timers in progress. */
export class Interaction {
  drag: { x: number; select: boolean; moved: boolean; vp: TimeRange } | undefined;
  /** The tooltip of a lane bin, waiting for that bin's details. */
  hoverAt: { x: number; y: number; head: string[] } | undefined;
  hoverTimer: ReturnType<typeof setTimeout> | undefined;
  windowTimer: ReturnType<typeof setTimeout> | undefined;
  listTimer: ReturnType<typeof setTimeout> | undefined;
  /** Asking again for an info that is not available yet, backing off. */
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  retryDelay = 1000;
  drawPending = false;
  /** The rows whose names are beside the canvas (drawn again when the rows change). */
  namedRows: readonly Row[] | undefined;
  /** "Reveal in Timeline" asked for a mark: zoom to it when its details arrive. */
  fitWhenDetailsArrive = false;
}

// The timeline webview: keeps the viewport (in getState/setState, so it survives hide/show and
// reload), asks the extension for per-pixel windows (`window`), selection statistics
// (`rangeStats`), tooltip details (`marks`) and IPA searches (`findIpa`), draws frames with
// draw.ts and mirrors what is visible into the accessible `#marks-list`. Messages: timelineProtocol.
// Its state is three objects of state.ts: `view` (what the user looks at, persisted), `replies`
// (what the extension answered; the newest answer wins) and `ui` (gestures and timers in progress);
// the page's elements are `dom`. Trace text reaches the page through textContent only.
import {
  assertNever,
  binClassTitle,
  causeLane,
  isFaultClass,
  isFindingClass,
  isRedundantCmoClass,
  isSpuriousClass,
  parseIpa,
  traceLineTimestampNs,
  type BinClass,
  type CompareViewState,
  type ExtensionToWebview,
  type MarkDetail,
  type MarkDetails,
  type RangeStats,
  type RangeStatsResult,
  type TimelineFilter,
  type TimelineInfo,
  type TimelineViewState,
  type TimeRange,
  type TrackConfig,
  type WebviewToExtension,
} from '../src/shared/timelineProtocol';
import { drawFrame, type Canvas2D } from './draw';
import { computeLayout, hitBin, LANE_GROUPS, LANE_H, LANE_HEIGHTS, laneBinsFor, layoutHeight, orderLanes, rowAt, type LaneGroup } from './layout';
import { marksListEntries, renderMarksList, type ListDom, type ListElement } from './marksList';
import { classColour, className, readTheme, type Theme } from './theme';
import { registerToolkit } from './toolkit';
import {
  arrowsToDraw,
  centreOn,
  clampViewport,
  DEFAULT_MIN_SPAN,
  describeViewport,
  formatBytes,
  formatDuration,
  formatIpa,
  formatTs,
  fullView,
  fitRange,
  keyAction,
  navigate,
  panBy,
  wheelZoomFactor,
  xToTime,
  zoomAt,
} from './viewport';
import { Interaction, Replies, ViewState } from './state';
import { describeStats } from './statsText';

interface VsCodeApi {
  postMessage(m: WebviewToExtension): void;
  getState(): TimelineViewState | undefined;
  setState(s: TimelineViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
registerToolkit();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The page's elements, fixed by the template (src/client/timelineHtml.ts). */
const dom = {
  canvas: $<HTMLCanvasElement>('timeline'),
  wrap: $<HTMLDivElement>('canvas-wrap'),
  tooltip: $<HTMLDivElement>('tooltip'),
  status: $<HTMLSpanElement>('status'),
  statsBox: $<HTMLElement>('range-stats'),
  marksList: $<HTMLUListElement>('marks-list'),
  marksOmitted: $<HTMLParagraphElement>('marks-omitted'),
  findResults: $<HTMLUListElement>('find-results'),
  classFilter: $<HTMLSelectElement>('class-filter'),
  laneFilter: $<HTMLSelectElement>('lane-filter'),
  findField: $<HTMLInputElement>('find-ipa'),
  details: $<HTMLElement>('details'),
  legend: $<HTMLUListElement>('legend'),
  viewRange: $<HTMLSpanElement>('view-range'),
  laneNames: $<HTMLDivElement>('lane-names'),
  laneHeight: $<HTMLSelectElement>('lane-height'),
  arrowsToggle: $<HTMLElement>('arrows-toggle'),
  arrowsNote: $<HTMLSpanElement>('arrows-note'),
  compareBar: $<HTMLElement>('compare-bar'),
  compareLabel: $<HTMLSpanElement>('compare-label'),
  linkToggle: $<HTMLElement>('link-toggle'),
  linkNote: $<HTMLSpanElement>('link-note'),
  reducedMotion: window.matchMedia('(prefers-reduced-motion: reduce)'),
  listDom: { createElement: (tag) => document.createElement(tag) as unknown as ListElement } satisfies ListDom,
};
const ctx = dom.canvas.getContext('2d') as unknown as Canvas2D;

const view = new ViewState(vscode.getState(), currentTheme(), (state) => vscode.setState(state));
const replies = new Replies();
const ui = new Interaction();

function post(m: WebviewToExtension): void {
  vscode.postMessage(m);
}

function currentTheme(): Theme {
  const cs = getComputedStyle(document.body);
  return readTheme((n) => cs.getPropertyValue(n), Array.from(document.body.classList));
}

// --- drawing -------------------------------------------------------------------------------

function scheduleDraw(): void {
  if (ui.drawPending) return;
  ui.drawPending = true;
  requestAnimationFrame(() => {
    ui.drawPending = false;
    draw();
  });
}

function draw(): void {
  const canvas = dom.canvas;
  const cssWidth = view.width;
  const dpr = window.devicePixelRatio || 1;
  const height = Math.max(layoutHeight(view.rows), 40);
  if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${height}px`;
  }
  const c = ctx as unknown as CanvasRenderingContext2D;
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (replies.info?.available) {
    const shown = describeViewport(view.vp);
    if (dom.viewRange.textContent !== shown) dom.viewRange.textContent = shown;
  }
  if (view.rows !== ui.namedRows) showRowNames(height);
  const mark = view.selectedMark();
  const arrows = [...allArrowsInView(), ...(mark ? causeArrows(mark, view.details) : [])];
  drawFrame(ctx, {
    width: cssWidth, height, rows: view.rows, vp: view.vp, data: replies.window, theme: view.theme, selection: view.saved.selection, cursorTs: view.cursorTs, highlight: view.highlight, dpr,
    selectedMark: mark, markedRange: view.saved.markedRange, arrows, rowLabels: false, dimmed: view.dimmed,
  });
}

/** Each row's name beside the canvas, at its row's height (text only; a lane name is trace text). */
function showRowNames(height: number): void {
  ui.namedRows = view.rows;
  dom.laneNames.style.height = `${height}px`;
  const pinned = view.saved.pinnedLanes ?? [];
  dom.laneNames.replaceChildren(
    ...view.rows.flatMap((r) => {
      if (r.kind === 'axis') return [];
      if (r.group) return [groupHeader(r.group.id, r.group.collapsed, r.label, r.y, r.h)];
      const name = document.createElement('div');
      name.className = `lane-name${r.lane?.config === 'B' ? ' config-b' : r.kind === 'lane' ? '' : ' summary'}`;
      name.title = r.label;
      name.style.top = `${r.y}px`;
      name.style.height = `${r.h}px`;
      const lane = r.lane;
      if (lane && lane.config === 'A') {
        const isPinned = pinned.includes(lane.id);
        const pin = textElement('button', isPinned ? '▼' : '▲', 'pin');
        pin.setAttribute('type', 'button');
        pin.setAttribute('aria-pressed', String(isPinned));
        pin.setAttribute('aria-label', isPinned ? `Unpin ${r.label}` : `Pin ${r.label} to the top`);
        pin.title = isPinned ? 'Unpin' : 'Pin to the top';
        pin.addEventListener('click', () => togglePin(lane.id));
        name.append(pin);
      }
      name.append(textElement('span', r.label));
      return [name];
    }),
  );
}

/** A group's header beside the canvas: a button (Enter or Space from the keyboard) that collapses or expands the group's rows. */
function groupHeader(group: LaneGroup, collapsed: boolean, label: string, y: number, h: number): HTMLElement {
  const header = document.createElement('div');
  header.className = 'lane-group';
  header.style.top = `${y}px`;
  header.style.height = `${h}px`;
  const toggle = textElement('button', `${collapsed ? '▸' : '▾'} ${label}`);
  toggle.setAttribute('type', 'button');
  toggle.setAttribute('aria-expanded', String(!collapsed));
  toggle.dataset.group = group;
  toggle.title = collapsed ? 'Expand' : 'Collapse';
  toggle.addEventListener('click', () => {
    view.toggleGroup(group);
    view.save();
    relayout();
    scheduleDraw();
    // the names are rebuilt on the next frame: keep the keyboard on this header
    requestAnimationFrame(() => dom.laneNames.querySelector<HTMLElement>(`button[data-group="${group}"]`)?.focus());
  });
  header.append(toggle);
  return header;
}

/** With the toggle on: the cause arrows of the findings in view, thinned to what a frame can show (viewport.ts arrowsToDraw), and a note saying how many. */
function allArrowsInView(): { from: { lane: string; ts: number }; to: { lane: string; ts: number }; faint: true }[] {
  const note = dom.arrowsNote;
  if (!view.saved.allArrows) {
    if (note.textContent) note.textContent = '';
    return [];
  }
  if (!replies.causes) {
    note.textContent = 'Cause arrows: asking…';
    return [];
  }
  const { drawn, omitted } = arrowsToDraw(replies.causes, view.vp, view.width);
  const text = `${drawn.length} cause ${drawn.length === 1 ? 'arrow' : 'arrows'}${omitted ? `, ${omitted} more not drawn: zoom in` : ''}`;
  if (note.textContent !== text) note.textContent = text;
  return drawn.map((a) => ({ from: a.from, to: a.to, faint: true }));
}

function requestCauses(): void {
  if (view.saved.allArrows && replies.info?.available) post({ type: 'causes', seq: replies.next(), range: view.vp });
}

function setAllArrows(on: boolean): void {
  view.patch({ allArrows: on || undefined });
  view.save();
  dom.arrowsToggle.setAttribute('aria-pressed', String(on));
  dom.arrowsToggle.setAttribute('appearance', on ? 'primary' : 'secondary');
  if (on) requestCauses();
  else replies.causes = undefined;
  scheduleDraw();
}

/**
 * The selected finding's causes that can be placed on the timeline, each as an arrow from the cause
 * to the finding: at the finding line's own time when it shows one (a fault mark begins at the exit,
 * before the fault line), else at its mark's start.
 */
function causeArrows(mark: MarkDetail, details: MarkDetails | undefined): { from: { lane: string; ts: number }; to: { lane: string; config: TrackConfig; ts: number } }[] {
  const lanes = replies.info?.lanes ?? [];
  const to = { lane: mark.lane, config: mark.config, ts: (details?.lineText !== undefined ? traceLineTimestampNs(details.lineText) : undefined) ?? mark.ts };
  return (details?.findings ?? []).flatMap((f) =>
    f.causes.flatMap((c) => {
      const lane = causeLane(c, lanes);
      return lane !== undefined && c.ts !== undefined ? [{ from: { lane, ts: c.ts }, to }] : [];
    }),
  );
}

// --- queries -------------------------------------------------------------------------------

/** Ask for the window of the current viewport: at most one request per 40 ms while wheeling or dragging (the last viewport wins). */
function requestWindow(immediate = false): void {
  if (!replies.info?.available) return;
  const send = () => {
    ui.windowTimer = undefined;
    const f = view.filter();
    post({ type: 'window', seq: replies.next(), range: view.vp, width: Math.max(1, Math.round(view.width)), ...(f ? { filter: f } : {}) });
  };
  if (immediate) {
    if (ui.windowTimer) clearTimeout(ui.windowTimer);
    send();
  } else if (!ui.windowTimer) ui.windowTimer = setTimeout(send, 40);
}

function requestStats(): void {
  if (!view.saved.selection) return;
  const f = view.filter();
  post({ type: 'rangeStats', seq: replies.next(), range: view.saved.selection, ...(f ? { filter: f } : {}) });
}

/**
 * Move the viewport (clamped by the callers' viewport.ts helpers), save it, draw, and ask for its
 * window. On one side of a linked recording diff the extension is told, so that the other follows
 * (not when this move is the other's, `fromLink`).
 */
function setViewport(vp: TimeRange, fromLink = false): void {
  view.vp = vp;
  view.save();
  scheduleDraw();
  requestWindow();
  if (!fromLink && view.compare?.linked) post({ type: 'viewport', range: vp });
}

// --- the accessible list and the tooltip ------------------------------------------------------

/**
 * Rebuild the list once windows stop arriving (150 ms after the last): rebuilding its hundreds of
 * elements for every window of a drag or a wheel would hold up the frames that follow.
 */
function scheduleList(): void {
  if (ui.listTimer) clearTimeout(ui.listTimer);
  ui.listTimer = setTimeout(() => {
    ui.listTimer = undefined;
    updateList();
    requestCauses();
  }, 150);
}

function updateList(): void {
  if (!replies.info) return;
  const { entries, omitted } = marksListEntries(replies.window, replies.info.lanes, view.vp, view.width);
  renderMarksList(dom.listDom, dom.marksList as unknown as ListElement, entries, (e) => post({ type: 'reveal', line: e.line }), (e) => {
    view.highlight = e.lane && e.config && e.bin !== undefined ? { lane: e.lane, config: e.config, bin: e.bin } : undefined;
    scheduleDraw();
  });
  dom.marksOmitted.textContent = omitted ? `${omitted} more not listed: zoom in to list them.` : entries.length ? '' : 'Nothing visible in this range.';
}

function showTooltip(x: number, y: number, lines: string[]): void {
  const { tooltip } = dom;
  tooltip.replaceChildren(
    ...lines.map((l) => {
      const d = document.createElement('div');
      d.textContent = l;
      return d;
    }),
  );
  tooltip.hidden = false;
  // x is on the canvas, which starts after the row names.
  const left = dom.canvas.offsetLeft;
  const maxX = dom.wrap.clientWidth - tooltip.offsetWidth - 4;
  tooltip.style.transform = `translate(${Math.max(0, Math.min(left + x + 12, maxX))}px, ${y + 14}px)`;
}

function hideTooltip(): void {
  dom.tooltip.hidden = true;
}

function hover(x: number, y: number): void {
  const data = replies.window;
  const { vp, width: cssWidth } = view;
  const row = rowAt(view.rows, y);
  if (!row || !data || row.kind === 'group') return hideTooltip();
  const t = xToTime(vp, cssWidth, x);
  const step = (vp.t1 - vp.t0) / cssWidth;
  if (row.kind === 'lane') {
    const lb = laneBinsFor(data, row.lane);
    const hit = lb && hitBin(data, lb, x, vp, cssWidth);
    if (!hit) {
      view.highlight = undefined;
      scheduleDraw();
      return showTooltip(x, y, [`${row.label}`, formatTs(t, step)]);
    }
    const parts = Object.entries(hit.lane.counts).flatMap(([cls, arr]) => (arr?.[hit.k] ? [`${arr[hit.k]} ${className(cls as BinClass)}`] : []));
    const head = [row.label, `${formatTs(t, step)}: ${parts.join(', ')}`, `line ${hit.lane.line[hit.k]} (click to reveal)`];
    if (hit.lane.avoided[hit.k]) head.push(`${hit.lane.avoided[hit.k]} avoided by ${replies.info?.configB ?? 'the what-if'}`);
    view.highlight = { lane: hit.lane.lane, config: hit.lane.config, bin: hit.bin };
    scheduleDraw();
    showTooltip(x, y, head);
    // Details (IPAs, labels) come from the server for this bin only.
    ui.hoverAt = { x, y, head };
    if (ui.hoverTimer) clearTimeout(ui.hoverTimer);
    ui.hoverTimer = setTimeout(() => {
      const w = replies.window;
      const bt0 = w ? w.range.t0 + ((w.range.t1 - w.range.t0) * hit.bin) / w.width : t;
      const bt1 = w ? w.range.t0 + ((w.range.t1 - w.range.t0) * (hit.bin + 1)) / w.width : t;
      post({ type: 'marks', seq: replies.next(), range: { t0: bt0, t1: bt1 }, filter: { ...(view.filter() ?? {}), lanes: [hit.lane.lane] } });
    }, 150);
    return;
  }
  view.highlight = undefined;
  scheduleDraw();
  const k = data.summary.px.indexOf(Math.floor(((t - data.range.t0) / (data.range.t1 - data.range.t0)) * data.width));
  const s = data.summary;
  const lines = [row.label, formatTs(t, step)];
  if (k >= 0) {
    if (row.kind === 'faults') lines.push(Object.entries(s.faults).map(([c, a]) => `${a?.[k] ?? 0} ${className(c as BinClass)}`).filter((l) => !l.startsWith('0 ')).join(', ') || 'no faults');
    if (row.kind === 'cmo') lines.push(formatBytes(s.cmoBytes[k]));
    if (row.kind === 'tlbi') lines.push(`${s.tlbi[k]} TLBIs`);
  }
  if (row.kind === 'heat' && s.heat.rows.length) {
    const cellH = Math.max(1, (row.h - 4) / s.heat.rows.length);
    const r = Math.floor((row.y + row.h - 2 - y) / cellH);
    const region = s.heat.rows[r];
    const col = Math.floor(((t - data.range.t0) / (data.range.t1 - data.range.t0)) * s.heat.columns);
    if (region && col >= 0 && col < s.heat.columns) lines.push(`${formatIpa(region.ipa)} +${formatBytes(region.size)}: ${s.heat.cells[r * s.heat.columns + col]} faults`);
  }
  showTooltip(x, y, lines);
}

function markDetailLine(m: MarkDetail): string {
  const where = m.ipa !== undefined ? ` ${formatIpa(m.ipa)}${m.size ? ` +${formatBytes(m.size)}` : ''}` : '';
  const label = m.label ? ` ${m.label}` : '';
  return `line ${m.line}: ${className(m.cls)}${where}${label}${m.avoided ? ' (avoided by B)' : ''}`;
}

// --- the selected mark and its details panel ------------------------------------------------------

/** Select the mark of `line` (a click on its bin, "Reveal in Timeline", a reload) and ask for its details. */
function selectMark(line: number, fit: boolean): void {
  view.patch({ selectedLine: line });
  view.save();
  ui.fitWhenDetailsArrive = fit;
  post({ type: 'details', seq: replies.next(), line });
  scheduleDraw();
}

function clearMarkSelection(): void {
  view.patch({ selectedLine: undefined });
  view.details = undefined;
  view.save();
  showDetails();
}

function textElement(tag: string, text: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

/** A button that moves the editor to a trace line (and the timeline to its mark when it has one). */
function lineButton(text: string, aria: string, line: number, ts?: number): HTMLElement {
  const b = textElement('button', text, 'line-link');
  b.setAttribute('type', 'button');
  b.setAttribute('aria-label', aria);
  b.addEventListener('click', () => {
    if (ts !== undefined) setViewport(centreOn(view.vp, ts, view.bounds));
    post({ type: 'reveal', line });
  });
  return b;
}

/** The details panel (Perfetto's bottom panel), every text through textContent. */
function showDetails(): void {
  const panel = dom.details;
  const d = view.details;
  const m = view.selectedMark();
  if (!d || !m) {
    panel.hidden = true;
    panel.replaceChildren();
    return;
  }
  const laneLabel = laneLabelOf(m.lane, m.config);
  const when = m.endTs !== undefined ? `${formatTs(m.ts)} – ${formatTs(m.endTs)} (${formatDuration(m.endTs - m.ts)})` : formatTs(m.ts);
  const head = textElement('h2', `${className(m.cls)} · ${m.config === 'B' ? `B: ${laneLabel}` : laneLabel} · ${when}`);
  head.id = 'details-heading';
  const children: HTMLElement[] = [head, lineButton(`Go to line ${m.line}`, `Go to trace line ${m.line}`, m.line)];
  if (d.lineText !== undefined) children.push(textElement('pre', d.lineText, 'trace-line'));
  for (const f of d.findings) {
    const section = document.createElement('section');
    section.setAttribute('aria-label', `Finding ${f.code}`);
    section.append(textElement('h3', `${f.code}: ${findingTitle(f.code)}`), textElement('p', f.message));
    for (const c of f.causes) {
      const row = document.createElement('p');
      row.append(textElement('span', 'Cause: '), lineButton(`line ${c.line}`, `Go to the cause, trace line ${c.line}: ${c.message}`, c.line, c.ts), textElement('span', ` ${c.message}`));
      // The arrow on the canvas, in words (the canvas is an image to a screen reader).
      const lane = causeLane(c, replies.info?.lanes ?? []);
      if (lane !== undefined && c.ts !== undefined) row.append(textElement('span', ` · arrow from ${laneLabelOf(lane, 'A')} at ${formatTs(c.ts)}`, 'arrow-note'));
      section.append(row);
    }
    const page = textElement('button', `About ${f.code.split('-')[0]}`, 'line-link');
    page.setAttribute('type', 'button');
    page.setAttribute('aria-label', `Open the class page of ${f.code}`);
    page.addEventListener('click', () => post({ type: 'openFindingPage', line: m.line, code: f.code }));
    section.append(page);
    children.push(section);
  }
  if (d.hover.length) {
    const hover = document.createElement('section');
    hover.setAttribute('aria-label', 'What the hover shows');
    hover.className = 'hover-text';
    hover.append(...d.hover.map((l) => textElement('p', l)));
    children.push(hover);
  }
  panel.replaceChildren(...children);
  panel.hidden = false;
}

function laneLabelOf(lane: string, config: TrackConfig): string {
  return replies.info?.lanes.find((l) => l.id === lane && l.config === config)?.label ?? lane;
}

/** A finding code's class title from the catalog (`S1-lost-race` -> `Lost race`). */
function findingTitle(code: string): string {
  return binClassTitle(code.split('-')[0] as BinClass);
}

function applyDetails(d: MarkDetails | null): void {
  if (!d || d.mark.line !== view.saved.selectedLine) {
    // The mark is gone (a new analysis, a filter) or the line never had one: nothing stays selected.
    if (!d) {
      if (ui.fitWhenDetailsArrive) dom.status.textContent = `Line ${view.saved.selectedLine} has no mark on the timeline.`;
      ui.fitWhenDetailsArrive = false;
      clearMarkSelection();
    }
    return;
  }
  view.details = d;
  if (ui.fitWhenDetailsArrive) {
    ui.fitWhenDetailsArrive = false;
    setViewport(fitRange({ t0: d.mark.ts, t1: d.mark.endTs ?? d.mark.ts }, view.bounds));
  }
  showDetails();
  scheduleDraw();
}

// --- the legend ---------------------------------------------------------------------------------

/**
 * The classes present in the trace, worst first, each with its colour and its catalog title; text,
 * not colour alone, says which is which. On one side of a recording diff, the classes the diff says
 * changed are marked `changed` with the diff's words (those this trace has none of are listed too,
 * after the others), and the rest `unchanged` (dimmed, as on the canvas).
 */
function showLegend(classes: readonly BinClass[]): void {
  const diff = view.compare?.classes;
  const changed = new Map((diff ?? []).filter((x) => x.changed).map((x) => [x.cls, x.text]));
  const absent = [...changed.keys()].filter((c) => !classes.includes(c as BinClass)) as BinClass[];
  dom.legend.replaceChildren(
    ...[...classes, ...absent].map((c) => {
      const li = document.createElement('li');
      li.dataset.cls = c;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.setAttribute('aria-hidden', 'true');
      swatch.style.backgroundColor = classColour(view.theme, c);
      li.append(swatch, textElement('span', isFindingClass(c) ? `${c} ${binClassTitle(c)}` : binClassTitle(c)));
      if (diff) {
        const words = changed.get(c);
        li.classList.add(words ? 'changed' : 'unchanged');
        if (words) li.append(textElement('span', `${classes.includes(c) ? '' : 'none in this trace; '}${words}`, 'change'));
      }
      return li;
    }),
  );
}

/** This page's toggle asked to link again (then this view leads, not the other's). */
let relinking = false;

/** One side of a recording diff (or none): the bar naming both traces, the link toggle and note, the legend and the dimming. */
function applyCompare(c: CompareViewState | undefined): void {
  const was = view.compare;
  view.setCompare(c);
  dom.compareBar.hidden = !c;
  if (c) {
    dom.compareLabel.textContent = `Diff ${c.side}: ${c.self} (${c.side === 'A' ? 'before' : 'after'}) · ${c.side === 'A' ? 'B' : 'A'}: ${c.other}`;
    dom.linkToggle.setAttribute('aria-pressed', String(c.linked));
    dom.linkToggle.setAttribute('appearance', c.linked ? 'primary' : 'secondary');
    dom.linkToggle.textContent = c.linked ? 'Linked' : 'Unlinked';
    dom.linkNote.textContent = c.linked ? (c.note ?? `zoom and pan move ${c.other}'s timeline (mapped through the aligned phases)`) : 'zoom and pan are not linked';
  }
  showLegend(replies.info?.available ? replies.info.classes : []);
  scheduleDraw();
  // Linked again from this page's toggle: the other timeline follows this one's view.
  if (c?.linked && was && !was.linked && relinking && replies.info?.available) post({ type: 'viewport', range: view.vp });
  relinking = false;
}


// --- statistics ---------------------------------------------------------------------------------

function showStats(r: RangeStatsResult | null): void {
  const { statsBox } = dom;
  statsBox.replaceChildren();
  if (!r) {
    statsBox.hidden = true;
    return;
  }
  const info = replies.info;
  const section = (title: string, s: RangeStats) => {
    const h = document.createElement('h3');
    h.textContent = title;
    const ul = document.createElement('ul');
    for (const line of describeStats(s)) {
      const li = document.createElement('li');
      li.textContent = line;
      ul.append(li);
    }
    statsBox.append(h, ul);
  };
  const span = `${formatTs(r.a.range.t0)} – ${formatTs(r.a.range.t1)} (${formatDuration(r.a.range.t1 - r.a.range.t0)})`;
  section(`Selection ${span}${info?.configB ? `, A: ${info.configA}` : ''}`, r.a);
  if (r.b) section(`B: ${info?.configB ?? 'what-if'}`, r.b);
  statsBox.hidden = false;
}

// --- messages from the extension ----------------------------------------------------------------

function applyInfo(uri: string, i: TimelineInfo): void {
  const fresh = view.saved.uri !== uri;
  view.patch({ uri });
  replies.info = i;
  if (!i.available) {
    dom.status.textContent = i.reason ?? 'Nothing to show yet.';
    replies.window = undefined;
    view.rows = [];
    scheduleDraw();
    // The analysis may still be running: ask again (the server also notifies when it is done).
    if (ui.retryTimer) clearTimeout(ui.retryTimer);
    ui.retryDelay = Math.min(30_000, ui.retryDelay * 2);
    ui.retryTimer = setTimeout(() => post({ type: 'ready', state: view.saved }), ui.retryDelay);
    return;
  }
  if (ui.retryTimer) clearTimeout(ui.retryTimer);
  ui.retryDelay = 1000;
  view.bounds = { t0: i.extent.t0, t1: i.extent.t1, minSpan: DEFAULT_MIN_SPAN };
  view.vp = !fresh && view.saved.viewport ? clampViewport(view.saved.viewport, view.bounds) : fullView(view.bounds);
  relayout();
  fillFilters(i);
  showLegend(i.classes);
  // After a reload, a new analysis or a filter the selected mark's details are asked for again (its findings may have changed).
  if (view.saved.selectedLine !== undefined) post({ type: 'details', seq: replies.next(), line: view.saved.selectedLine });
  const avoided = i.configB ? ` · B: ${i.configB} avoids ${i.avoidedCount}` : '';
  // A full mark store is not silent: past fromTs ordinary faults and CMOs are missing from the lanes.
  const partial = i.marksDropped ? ` · ${i.marksDropped.count.toLocaleString('en')} ordinary marks not kept from ${formatTs(i.marksDropped.fromTs)}` : '';
  dom.status.textContent = `${i.markCount.toLocaleString('en')} marks · ${i.lanes.filter((l) => l.config === 'A').length} lanes · A: ${i.configA}${avoided}${partial}`;
  view.save();
  scheduleDraw();
  requestWindow(true);
  requestStats();
}

/** The rows for the lanes the filter shows, pinned lanes first, then the vCPUs by index (layout.ts orderLanes). */
function relayout(): void {
  const i = replies.info;
  if (!i) return;
  const laneSel = view.saved.filter?.lanes;
  const shown = laneSel ? i.lanes.filter((l) => laneSel.includes(l.id)) : i.lanes;
  const pinned = view.saved.pinnedLanes ?? [];
  view.rows = computeLayout(orderLanes(shown, pinned), replies.window?.summary.heat.rows.length ?? 8, view.saved.laneHeight, { pinned, collapsed: view.collapsedGroups(LANE_GROUPS) });
}

/** Pin a lane to the top, or unpin it. */
function togglePin(lane: string): void {
  const pinned = view.saved.pinnedLanes ?? [];
  const next = pinned.includes(lane) ? pinned.filter((l) => l !== lane) : [...pinned, lane];
  view.patch({ pinnedLanes: next.length ? next : undefined });
  view.save();
  relayout();
  scheduleDraw();
}

function option(value: string, text: string, selected: boolean): HTMLElement {
  const o = document.createElement('vscode-option');
  o.setAttribute('value', value);
  o.textContent = text;
  if (selected) o.setAttribute('selected', '');
  return o;
}

const CLASS_GROUPS: Record<string, (c: BinClass) => boolean> = {
  spurious: isSpuriousClass,
  faults: isFaultClass,
  cmo: (c) => c === 'cmo' || isRedundantCmoClass(c),
};

function fillFilters(i: TimelineInfo): void {
  const cls = view.saved.filter?.classes;
  const clsValue = cls ? (Object.keys(CLASS_GROUPS).find((g) => i.classes.filter(CLASS_GROUPS[g]).join() === cls.join()) ?? cls.join(',')) : '';
  dom.classFilter.replaceChildren(
    option('', 'All classes', clsValue === ''),
    option('spurious', 'Spurious faults', clsValue === 'spurious'),
    option('faults', 'All faults', clsValue === 'faults'),
    option('cmo', 'Cache maintenance', clsValue === 'cmo'),
    ...i.classes.map((c) => option(c, className(c), clsValue === c)),
  );
  const lanes = view.saved.filter?.lanes;
  const laneIds = i.lanes.filter((l) => l.config === 'A');
  dom.laneFilter.replaceChildren(option('', 'All lanes', !lanes), ...laneIds.map((l, k) => option(String(k), l.label, lanes?.length === 1 && lanes[0] === l.id)));
}

function onMessage(m: ExtensionToWebview): void {
  switch (m.type) {
    case 'info':
      applyInfo(m.uri, m.info);
      return;
    case 'window': {
      if (!replies.accept('window', m.seq)) return;
      const data = (replies.window = m.result ?? undefined);
      // The heat track's height follows the number of IPA regions that fault (no track: the summary is collapsed).
      const heat = view.rows.find((r) => r.kind === 'heat');
      if (data && replies.info && heat && heat.h !== computeLayout([], data.summary.heat.rows.length).at(-1)?.h) relayout();
      scheduleDraw();
      scheduleList();
      return;
    }
    case 'rangeStats':
      if (!replies.accept('rangeStats', m.seq)) return;
      showStats(m.result);
      return;
    case 'marks': {
      const at = ui.hoverAt;
      if (!at || dom.tooltip.hidden || !replies.accept('marks', m.seq)) return;
      showTooltip(at.x, at.y, [...at.head, ...m.result.map(markDetailLine)]);
      return;
    }
    case 'findIpa': {
      dom.findResults.replaceChildren();
      const r = m.result;
      if (!r) {
        dom.status.textContent = 'Not an IPA.';
        return;
      }
      dom.status.textContent = `${r.total} marks touch ${formatIpa(r.ipa)}${r.total > r.hits.length ? ` (first ${r.hits.length} listed)` : ''}.`;
      renderMarksList(
        dom.listDom,
        dom.findResults as unknown as ListElement,
        r.hits.map((h) => ({ line: h.line, ts: h.ts, rank: 0, text: `${formatTs(h.ts)} · ${h.lane} · ${markDetailLine(h)}`, aria: `${h.lane} at ${formatTs(h.ts)}: ${markDetailLine(h)}` })),
        (e) => {
          setViewport(centreOn(view.vp, e.ts, view.bounds));
          post({ type: 'reveal', line: e.line });
        },
      );
      if (r.hits[0]) setViewport(centreOn(view.vp, r.hits[0].ts, view.bounds));
      return;
    }
    case 'cursor':
      view.cursorTs = m.ts;
      if (m.ts < view.vp.t0 || m.ts > view.vp.t1) setViewport(centreOn(view.vp, m.ts, view.bounds));
      else scheduleDraw();
      return;
    case 'details':
      if (!replies.accept('details', m.seq)) return;
      applyDetails(m.result);
      return;
    case 'causes':
      if (!replies.accept('causes', m.seq)) return;
      replies.causes = m.result;
      scheduleDraw();
      return;
    case 'select':
      selectMark(m.line, true);
      // The keys work on the canvas; the page's top shows all of it (the toolbar is sticky and would cover a part scrolled under it).
      dom.canvas.focus({ preventScroll: true });
      window.scrollTo(0, 0);
      return;
    case 'compare':
      applyCompare(m.state);
      return;
    case 'linkedViewport':
      if (replies.info?.available) setViewport(clampViewport(m.range, view.bounds), true);
      return;
    case 'error':
      dom.status.textContent = `Timeline: ${m.message}`;
      return;
    default:
      assertNever(m);
  }
}

window.addEventListener('message', (e: MessageEvent<ExtensionToWebview>) => onMessage(e.data));

// --- interaction --------------------------------------------------------------------------------

function zoom(factor: number, anchorX = view.width / 2): void {
  setViewport(zoomAt(view.vp, view.width, factor, anchorX, view.bounds));
}

const { canvas } = dom;
canvas.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const x = e.offsetX;
    // Horizontal wheel (trackpads) pans; vertical zooms about the pointer.
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) setViewport(panBy(view.vp, view.width, -e.deltaX, view.bounds));
    else zoom(wheelZoomFactor(e.deltaY, e.deltaMode), x);
  },
  { passive: false },
);

canvas.addEventListener('pointerdown', (e) => {
  canvas.setPointerCapture(e.pointerId);
  ui.drag = { x: e.offsetX, select: e.shiftKey, moved: false, vp: view.vp };
});
canvas.addEventListener('pointermove', (e) => {
  const drag = ui.drag;
  if (!drag) return hover(e.offsetX, e.offsetY);
  const dx = e.offsetX - drag.x;
  if (Math.abs(dx) > 3) drag.moved = true;
  if (!drag.moved) return;
  hideTooltip();
  if (drag.select) {
    view.patch({ selection: { t0: xToTime(view.vp, view.width, drag.x), t1: xToTime(view.vp, view.width, e.offsetX) } });
    scheduleDraw();
  } else setViewport(panBy(drag.vp, view.width, dx, view.bounds));
});
canvas.addEventListener('pointerup', (e) => {
  const d = ui.drag;
  ui.drag = undefined;
  if (!d) return;
  const s = view.saved.selection;
  if (d.moved && d.select && s) {
    view.patch({ selection: { t0: Math.min(s.t0, s.t1), t1: Math.max(s.t0, s.t1) } });
    view.save();
    requestStats();
    return;
  }
  if (d.moved) return;
  // A click: reveal the bin under the pointer.
  const row = rowAt(view.rows, e.offsetY);
  const data = replies.window;
  if (row?.kind === 'lane' && data) {
    const lb = laneBinsFor(data, row.lane);
    const hit = lb && hitBin(data, lb, e.offsetX, view.vp, view.width);
    if (hit) {
      // As in Perfetto, a click selects the mark (details panel, cause arrows); as before, it also reveals its line.
      selectMark(hit.lane.line[hit.k], false);
      post({ type: 'reveal', line: hit.lane.line[hit.k] });
    } else if (view.saved.selectedLine !== undefined) {
      clearMarkSelection();
      scheduleDraw();
    }
  }
});
canvas.addEventListener('pointerleave', () => {
  hideTooltip();
  view.highlight = undefined;
  scheduleDraw();
});
canvas.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    view.patch({ selection: undefined });
    clearMarkSelection();
    showStats(null);
    scheduleDraw();
    return;
  }
  const a = keyAction(e.key, e.shiftKey, e.ctrlKey || e.metaKey || e.altKey);
  if (!a) return;
  e.preventDefault();
  if ('markRange' in a) {
    const r = view.selectionRange();
    if (!r) {
      dom.status.textContent = 'Nothing selected to mark: click a mark or Shift+drag a range first.';
      return;
    }
    view.toggleMarkedRange(r);
    view.save();
    scheduleDraw();
    return;
  }
  const next = navigate(view.vp, view.width, a, view.bounds, view.selectionRange());
  if (next) setViewport(next);
  else if ('fit' in a) dom.status.textContent = 'Nothing selected to fit: click a mark or Shift+drag a range first.';
});

$('zoom-in').addEventListener('click', () => zoom(2));
$('zoom-out').addEventListener('click', () => zoom(0.5));
$('zoom-fit').addEventListener('click', () => setViewport(fullView(view.bounds)));
dom.arrowsToggle.addEventListener('click', () => setAllArrows(!view.saved.allArrows));
dom.linkToggle.addEventListener('click', () => {
  if (!view.compare) return;
  relinking = !view.compare.linked;
  post({ type: 'link', on: !view.compare.linked });
});
const LANE_HEIGHT_NAMES: Record<(typeof LANE_HEIGHTS)[number], string> = { 22: 'Compact lanes', 30: 'Normal lanes', 48: 'Tall lanes', 72: 'Taller lanes' };
dom.laneHeight.replaceChildren(...LANE_HEIGHTS.map((h) => option(String(h), LANE_HEIGHT_NAMES[h], h === (view.saved.laneHeight ?? LANE_H))));
dom.laneHeight.addEventListener('change', () => {
  const h = Number(dom.laneHeight.value);
  view.patch({ laneHeight: h === LANE_H ? undefined : h });
  view.save();
  relayout();
  scheduleDraw();
});
if (view.saved.allArrows) setAllArrows(true);

function setFilter(f: TimelineFilter): void {
  view.patch({ filter: f });
  view.save();
  if (replies.info) applyInfo(view.saved.uri, replies.info);
}

dom.classFilter.addEventListener('change', () => {
  const v = dom.classFilter.value;
  const classes = !v ? undefined : CLASS_GROUPS[v] ? (replies.info?.classes ?? []).filter(CLASS_GROUPS[v]) : [v as BinClass];
  const lanes = view.saved.filter?.lanes;
  setFilter({ ...(lanes ? { lanes } : {}), ...(classes ? { classes } : {}) });
});
dom.laneFilter.addEventListener('change', () => {
  const v = dom.laneFilter.value;
  const lane = v ? replies.info?.lanes.filter((l) => l.config === 'A')[Number(v)]?.id : undefined;
  const classes = view.saved.filter?.classes;
  setFilter({ ...(classes ? { classes } : {}), ...(lane ? { lanes: [lane] } : {}) });
});

function find(): void {
  const text = dom.findField.value ?? '';
  view.patch({ findText: text });
  view.save();
  const ipa = parseIpa(text);
  if (ipa === undefined) {
    dom.status.textContent = `"${text}" is not an IPA (try 0x40001000).`;
    return;
  }
  post({ type: 'findIpa', seq: replies.next(), ipa });
}
$('find-go').addEventListener('click', find);
dom.findField.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') find();
});
if (view.saved.findText) dom.findField.value = view.saved.findText;

// Theme changes swap the body class; reduced motion is honoured by never animating (CSS too).
new MutationObserver(() => {
  view.theme = currentTheme();
  showLegend(replies.info?.classes ?? []);
  scheduleDraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
dom.reducedMotion.addEventListener('change', () => document.body.classList.toggle('reduced-motion', dom.reducedMotion.matches));
document.body.classList.toggle('reduced-motion', dom.reducedMotion.matches);

/** The canvas gets the wrap's width less the row names beside it. */
const canvasWidth = (fallback = 0) => Math.max(100, Math.floor((dom.wrap.clientWidth || fallback) - dom.laneNames.offsetWidth));
new ResizeObserver(() => {
  const w = canvasWidth();
  if (w === view.width) return;
  view.width = w;
  scheduleDraw();
  requestWindow();
}).observe(dom.wrap);
view.width = canvasWidth(800);

post({ type: 'ready', ...(view.saved.uri ? { state: view.saved } : {}) });

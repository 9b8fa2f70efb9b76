// The timeline webview: keeps the viewport (in getState/setState, so it survives hide/show and
// reload), asks the extension for per-pixel windows (`window`), selection statistics
// (`rangeStats`), tooltip details (`marks`) and IPA searches (`findIpa`), draws frames with
// draw.ts and mirrors what is visible into the accessible `#marks-list`. Messages: timelineProtocol.
import {
  assertNever,
  isFaultClass,
  isRedundantCmoClass,
  isSpuriousClass,
  parseIpa,
  type BinClass,
  type ExtensionToWebview,
  type MarkDetail,
  type RangeStats,
  type RangeStatsResult,
  type TimelineFilter,
  type TimelineInfo,
  type TimelineViewState,
  type TimeRange,
  type WebviewToExtension,
  type WindowResult,
} from '../src/shared/timelineProtocol';
import { drawFrame, type Canvas2D } from './draw';
import { computeLayout, hitBin, laneBinsFor, layoutHeight, rowAt, type Row } from './layout';
import { marksListEntries, renderMarksList, type ListDom, type ListElement } from './marksList';
import { className, readTheme, type Theme } from './theme';
import { registerToolkit } from './toolkit';
import {
  centreOn,
  clampViewport,
  DEFAULT_MIN_SPAN,
  formatBytes,
  formatDuration,
  formatIpa,
  formatTs,
  fullView,
  keyAction,
  panBy,
  wheelZoomFactor,
  xToTime,
  zoomAt,
  type Bounds,
} from './viewport';
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
const canvas = $<HTMLCanvasElement>('timeline');
const wrap = $<HTMLDivElement>('canvas-wrap');
const tooltip = $<HTMLDivElement>('tooltip');
const status = $<HTMLSpanElement>('status');
const statsBox = $<HTMLElement>('range-stats');
const marksList = $<HTMLUListElement>('marks-list');
const marksOmitted = $<HTMLParagraphElement>('marks-omitted');
const findResults = $<HTMLUListElement>('find-results');
const classFilter = $<HTMLSelectElement>('class-filter');
const laneFilter = $<HTMLSelectElement>('lane-filter');
const findField = $<HTMLInputElement>('find-ipa');
const ctx = canvas.getContext('2d') as unknown as Canvas2D;
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

let state: TimelineViewState = vscode.getState() ?? { uri: '' };
let info: TimelineInfo | undefined;
let bounds: Bounds = { t0: 0, t1: 1, minSpan: DEFAULT_MIN_SPAN };
let vp: TimeRange = state.viewport ?? { t0: 0, t1: 1 };
let rows: Row[] = [];
let data: WindowResult | undefined;
let theme: Theme = currentTheme();
let cursorTs: number | undefined;
let highlight: { lane: string; config: 'A' | 'B'; bin: number } | undefined;
let seq = 0;
let lastWindowSeq = -1;
let lastStatsSeq = -1;
let lastMarksSeq = -1;
let cssWidth = 800;

function post(m: WebviewToExtension): void {
  vscode.postMessage(m);
}

function currentTheme(): Theme {
  const cs = getComputedStyle(document.body);
  return readTheme((n) => cs.getPropertyValue(n), Array.from(document.body.classList));
}

function saveState(): void {
  state = { ...state, viewport: vp };
  vscode.setState(state);
}

function filter(): TimelineFilter | undefined {
  return state.filter && (state.filter.classes || state.filter.lanes) ? state.filter : undefined;
}

// --- drawing -------------------------------------------------------------------------------

let drawPending = false;
function scheduleDraw(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

/** Durations of the last frames, ms: read by the page bench (pan/zoom frames must stay under 16 ms). */
const drawTimes: number[] = [];
(window as unknown as { __stage2LensDrawMs: number[] }).__stage2LensDrawMs = drawTimes;

function draw(): void {
  const started = performance.now();
  const dpr = window.devicePixelRatio || 1;
  const height = Math.max(layoutHeight(rows), 40);
  if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${height}px`;
  }
  const c = ctx as unknown as CanvasRenderingContext2D;
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawFrame(ctx, { width: cssWidth, height, rows, vp, data, theme, selection: state.selection, cursorTs, highlight, dpr });
  drawTimes.push(performance.now() - started);
  if (drawTimes.length > 500) drawTimes.splice(0, 250);
}

// --- queries -------------------------------------------------------------------------------

let windowTimer: ReturnType<typeof setTimeout> | undefined;
/** Ask for the window of the current viewport: at most one request per 40 ms while wheeling or dragging (the last viewport wins). */
function requestWindow(immediate = false): void {
  if (!info?.available) return;
  const send = () => {
    windowTimer = undefined;
    const f = filter();
    post({ type: 'window', seq: ++seq, range: vp, width: Math.max(1, Math.round(cssWidth)), ...(f ? { filter: f } : {}) });
  };
  if (immediate) {
    if (windowTimer) clearTimeout(windowTimer);
    send();
  } else if (!windowTimer) windowTimer = setTimeout(send, 40);
}

function requestStats(): void {
  if (!state.selection) return;
  const f = filter();
  post({ type: 'rangeStats', seq: ++seq, range: state.selection, ...(f ? { filter: f } : {}) });
}

function viewportChanged(): void {
  saveState();
  scheduleDraw();
  requestWindow();
}

// --- the accessible list and the tooltip ------------------------------------------------------

const listDom: ListDom = { createElement: (tag) => document.createElement(tag) as unknown as ListElement };

let listTimer: ReturnType<typeof setTimeout> | undefined;
/**
 * Rebuild the list once windows stop arriving (150 ms after the last): rebuilding its hundreds of
 * elements for every window of a drag or a wheel would hold up the frames that follow.
 */
function scheduleList(): void {
  if (listTimer) clearTimeout(listTimer);
  listTimer = setTimeout(() => {
    listTimer = undefined;
    updateList();
  }, 150);
}

function updateList(): void {
  if (!info) return;
  const { entries, omitted } = marksListEntries(data, info.lanes, vp, cssWidth);
  renderMarksList(listDom, marksList as unknown as ListElement, entries, (e) => post({ type: 'reveal', line: e.line }), (e) => {
    highlight = e.lane && e.config && e.bin !== undefined ? { lane: e.lane, config: e.config, bin: e.bin } : undefined;
    scheduleDraw();
  });
  marksOmitted.textContent = omitted ? `${omitted} more not listed: zoom in to list them.` : entries.length ? '' : 'Nothing visible in this range.';
}

function showTooltip(x: number, y: number, lines: string[]): void {
  tooltip.replaceChildren(
    ...lines.map((l) => {
      const d = document.createElement('div');
      d.textContent = l;
      return d;
    }),
  );
  tooltip.hidden = false;
  const maxX = wrap.clientWidth - tooltip.offsetWidth - 4;
  tooltip.style.transform = `translate(${Math.max(0, Math.min(x + 12, maxX))}px, ${y + 14}px)`;
}

function hideTooltip(): void {
  tooltip.hidden = true;
}

let hoverTimer: ReturnType<typeof setTimeout> | undefined;
let hoverAt: { x: number; y: number; head: string[] } | undefined;

function hover(x: number, y: number): void {
  const row = rowAt(rows, y);
  if (!row || !data) return hideTooltip();
  const t = xToTime(vp, cssWidth, x);
  const step = (vp.t1 - vp.t0) / cssWidth;
  if (row.kind === 'lane') {
    const lb = laneBinsFor(data, row.lane);
    const hit = lb && hitBin(data, lb, x, vp, cssWidth);
    if (!hit) {
      highlight = undefined;
      scheduleDraw();
      return showTooltip(x, y, [`${row.label}`, formatTs(t, step)]);
    }
    const parts = Object.entries(hit.lane.counts).flatMap(([cls, arr]) => (arr?.[hit.k] ? [`${arr[hit.k]} ${className(cls as BinClass)}`] : []));
    const head = [row.label, `${formatTs(t, step)}: ${parts.join(', ')}`, `line ${hit.lane.line[hit.k]} (click to reveal)`];
    if (hit.lane.avoided[hit.k]) head.push(`${hit.lane.avoided[hit.k]} avoided by ${info?.configB ?? 'the what-if'}`);
    highlight = { lane: hit.lane.lane, config: hit.lane.config, bin: hit.bin };
    scheduleDraw();
    showTooltip(x, y, head);
    // Details (IPAs, labels) come from the server for this bin only.
    hoverAt = { x, y, head };
    if (hoverTimer) clearTimeout(hoverTimer);
    hoverTimer = setTimeout(() => {
      const bt0 = data ? data.range.t0 + ((data.range.t1 - data.range.t0) * hit.bin) / data.width : t;
      const bt1 = data ? data.range.t0 + ((data.range.t1 - data.range.t0) * (hit.bin + 1)) / data.width : t;
      post({ type: 'marks', seq: ++seq, range: { t0: bt0, t1: bt1 }, filter: { ...(filter() ?? {}), lanes: [hit.lane.lane] } });
    }, 150);
    return;
  }
  highlight = undefined;
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

// --- statistics ---------------------------------------------------------------------------------

function showStats(r: RangeStatsResult | null): void {
  statsBox.replaceChildren();
  if (!r) {
    statsBox.hidden = true;
    return;
  }
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

let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelay = 1000;

function applyInfo(uri: string, i: TimelineInfo): void {
  const fresh = state.uri !== uri;
  state = { ...state, uri };
  info = i;
  if (!i.available) {
    status.textContent = i.reason ?? 'Nothing to show yet.';
    data = undefined;
    rows = [];
    scheduleDraw();
    // The analysis may still be running: ask again (the server also notifies when it is done).
    if (retryTimer) clearTimeout(retryTimer);
    retryDelay = Math.min(30_000, retryDelay * 2);
    retryTimer = setTimeout(() => post({ type: 'ready', state }), retryDelay);
    return;
  }
  if (retryTimer) clearTimeout(retryTimer);
  retryDelay = 1000;
  bounds = { t0: i.extent.t0, t1: i.extent.t1, minSpan: DEFAULT_MIN_SPAN };
  vp = !fresh && state.viewport ? clampViewport(state.viewport, bounds) : fullView(bounds);
  const laneSel = state.filter?.lanes;
  const shown = laneSel ? i.lanes.filter((l) => laneSel.includes(l.id)) : i.lanes;
  rows = computeLayout(shown, data?.summary.heat.rows.length ?? 8);
  fillFilters(i);
  const avoided = i.configB ? ` · B: ${i.configB} avoids ${i.avoidedCount}` : '';
  // A full mark store is not silent: past fromTs ordinary faults and CMOs are missing from the lanes.
  const partial = i.marksDropped ? ` · ${i.marksDropped.count.toLocaleString('en')} ordinary marks not kept from ${formatTs(i.marksDropped.fromTs)}` : '';
  status.textContent = `${i.markCount.toLocaleString('en')} marks · ${i.lanes.filter((l) => l.config === 'A').length} lanes · A: ${i.configA}${avoided}${partial}`;
  saveState();
  scheduleDraw();
  requestWindow(true);
  requestStats();
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
  const cls = state.filter?.classes;
  const clsValue = cls ? (Object.keys(CLASS_GROUPS).find((g) => i.classes.filter(CLASS_GROUPS[g]).join() === cls.join()) ?? cls.join(',')) : '';
  classFilter.replaceChildren(
    option('', 'All classes', clsValue === ''),
    option('spurious', 'Spurious faults', clsValue === 'spurious'),
    option('faults', 'All faults', clsValue === 'faults'),
    option('cmo', 'Cache maintenance', clsValue === 'cmo'),
    ...i.classes.map((c) => option(c, className(c), clsValue === c)),
  );
  const lanes = state.filter?.lanes;
  const laneIds = i.lanes.filter((l) => l.config === 'A');
  laneFilter.replaceChildren(option('', 'All lanes', !lanes), ...laneIds.map((l, k) => option(String(k), l.label, lanes?.length === 1 && lanes[0] === l.id)));
}

function onMessage(m: ExtensionToWebview): void {
  switch (m.type) {
    case 'info':
      applyInfo(m.uri, m.info);
      return;
    case 'window':
      if (m.seq < lastWindowSeq) return;
      lastWindowSeq = m.seq;
      data = m.result ?? undefined;
      if (data && info && rows.length) {
        // The heat track's height follows the number of IPA regions that fault.
        const heat = rows[rows.length - 1];
        const want = computeLayout([], data.summary.heat.rows.length).at(-1)?.h ?? heat.h;
        if (want !== heat.h) rows = computeLayout(rows.flatMap((r) => (r.lane ? [r.lane] : [])), data.summary.heat.rows.length);
      }
      scheduleDraw();
      scheduleList();
      return;
    case 'rangeStats':
      if (m.seq < lastStatsSeq) return;
      lastStatsSeq = m.seq;
      showStats(m.result);
      return;
    case 'marks':
      if (m.seq < lastMarksSeq || !hoverAt || tooltip.hidden) return;
      lastMarksSeq = m.seq;
      showTooltip(hoverAt.x, hoverAt.y, [...hoverAt.head, ...m.result.map(markDetailLine)]);
      return;
    case 'findIpa': {
      findResults.replaceChildren();
      const r = m.result;
      if (!r) {
        status.textContent = 'Not an IPA.';
        return;
      }
      status.textContent = `${r.total} marks touch ${formatIpa(r.ipa)}${r.total > r.hits.length ? ` (first ${r.hits.length} listed)` : ''}.`;
      renderMarksList(
        listDom,
        findResults as unknown as ListElement,
        r.hits.map((h) => ({ line: h.line, ts: h.ts, rank: 0, text: `${formatTs(h.ts)} · ${h.lane} · ${markDetailLine(h)}`, aria: `${h.lane} at ${formatTs(h.ts)}: ${markDetailLine(h)}` })),
        (e) => {
          vp = centreOn(vp, e.ts, bounds);
          viewportChanged();
          post({ type: 'reveal', line: e.line });
        },
      );
      if (r.hits[0]) {
        vp = centreOn(vp, r.hits[0].ts, bounds);
        viewportChanged();
      }
      return;
    }
    case 'cursor':
      cursorTs = m.ts;
      if (m.ts < vp.t0 || m.ts > vp.t1) {
        vp = centreOn(vp, m.ts, bounds);
        viewportChanged();
      } else scheduleDraw();
      return;
    case 'error':
      status.textContent = `Timeline: ${m.message}`;
      return;
    default:
      assertNever(m);
  }
}

window.addEventListener('message', (e: MessageEvent<ExtensionToWebview>) => onMessage(e.data));

// --- interaction --------------------------------------------------------------------------------

function zoom(factor: number, anchorX = cssWidth / 2): void {
  vp = zoomAt(vp, cssWidth, factor, anchorX, bounds);
  viewportChanged();
}

canvas.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const x = e.offsetX;
    // Horizontal wheel (trackpads) pans; vertical zooms about the pointer.
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      vp = panBy(vp, cssWidth, -e.deltaX, bounds);
      viewportChanged();
    } else zoom(wheelZoomFactor(e.deltaY, e.deltaMode), x);
  },
  { passive: false },
);

let drag: { x: number; select: boolean; moved: boolean; vp: TimeRange } | undefined;
canvas.addEventListener('pointerdown', (e) => {
  canvas.setPointerCapture(e.pointerId);
  drag = { x: e.offsetX, select: e.shiftKey, moved: false, vp };
});
canvas.addEventListener('pointermove', (e) => {
  if (!drag) return hover(e.offsetX, e.offsetY);
  const dx = e.offsetX - drag.x;
  if (Math.abs(dx) > 3) drag.moved = true;
  if (!drag.moved) return;
  hideTooltip();
  if (drag.select) {
    state = { ...state, selection: { t0: xToTime(vp, cssWidth, drag.x), t1: xToTime(vp, cssWidth, e.offsetX) } };
    scheduleDraw();
  } else {
    vp = panBy(drag.vp, cssWidth, dx, bounds);
    viewportChanged();
  }
});
canvas.addEventListener('pointerup', (e) => {
  const d = drag;
  drag = undefined;
  if (!d) return;
  if (d.moved && d.select && state.selection) {
    const s = state.selection;
    state = { ...state, selection: { t0: Math.min(s.t0, s.t1), t1: Math.max(s.t0, s.t1) } };
    saveState();
    requestStats();
    return;
  }
  if (d.moved) return;
  // A click: reveal the bin under the pointer.
  const row = rowAt(rows, e.offsetY);
  if (row?.kind === 'lane' && data) {
    const lb = laneBinsFor(data, row.lane);
    const hit = lb && hitBin(data, lb, e.offsetX, vp, cssWidth);
    if (hit) post({ type: 'reveal', line: hit.lane.line[hit.k] });
  }
});
canvas.addEventListener('pointerleave', () => {
  hideTooltip();
  highlight = undefined;
  scheduleDraw();
});
canvas.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    state = { ...state, selection: undefined };
    saveState();
    showStats(null);
    scheduleDraw();
    return;
  }
  const a = keyAction(e.key, e.shiftKey);
  if (!a) return;
  e.preventDefault();
  if ('zoom' in a) zoom(a.zoom);
  else if ('pan' in a) {
    vp = panBy(vp, cssWidth, a.pan * cssWidth, bounds);
    viewportChanged();
  } else {
    vp = fullView(bounds);
    viewportChanged();
  }
});

$('zoom-in').addEventListener('click', () => zoom(2));
$('zoom-out').addEventListener('click', () => zoom(0.5));
$('zoom-fit').addEventListener('click', () => {
  vp = fullView(bounds);
  viewportChanged();
});

function setFilter(f: TimelineFilter): void {
  state = { ...state, filter: f };
  saveState();
  if (info) applyInfo(state.uri, info);
}

classFilter.addEventListener('change', () => {
  const v = classFilter.value;
  const classes = !v ? undefined : CLASS_GROUPS[v] ? (info?.classes ?? []).filter(CLASS_GROUPS[v]) : [v as BinClass];
  setFilter({ ...(state.filter?.lanes ? { lanes: state.filter.lanes } : {}), ...(classes ? { classes } : {}) });
});
laneFilter.addEventListener('change', () => {
  const v = laneFilter.value;
  const lane = v ? info?.lanes.filter((l) => l.config === 'A')[Number(v)]?.id : undefined;
  setFilter({ ...(state.filter?.classes ? { classes: state.filter.classes } : {}), ...(lane ? { lanes: [lane] } : {}) });
});

function find(): void {
  const text = findField.value ?? '';
  state = { ...state, findText: text };
  saveState();
  const ipa = parseIpa(text);
  if (ipa === undefined) {
    status.textContent = `"${text}" is not an IPA (try 0x40001000).`;
    return;
  }
  post({ type: 'findIpa', seq: ++seq, ipa });
}
$('find-go').addEventListener('click', find);
findField.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') find();
});
if (state.findText) findField.value = state.findText;

// Theme changes swap the body class; reduced motion is honoured by never animating (CSS too).
new MutationObserver(() => {
  theme = currentTheme();
  scheduleDraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
reducedMotion.addEventListener('change', () => document.body.classList.toggle('reduced-motion', reducedMotion.matches));
document.body.classList.toggle('reduced-motion', reducedMotion.matches);

new ResizeObserver(() => {
  const w = Math.max(100, Math.floor(wrap.clientWidth));
  if (w === cssWidth) return;
  cssWidth = w;
  scheduleDraw();
  requestWindow();
}).observe(wrap);
cssWidth = Math.max(100, Math.floor(wrap.clientWidth || 800));

post({ type: 'ready', ...(state.uri ? { state } : {}) });

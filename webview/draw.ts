// The canvas renderer: one frame from the per-pixel summaries of a window (never raw events),
// reprojected into the current viewport so pan and zoom redraw at once while the next window is
// on its way. Every mark (bars, heat cells, grid, marker rules, dashed outlines) is painted into a
// pixel buffer (pixels.ts) and put on the canvas in one call, because a software-rastered canvas
// spends tens of ms a frame filling thousands of path rects; trace text (lane and marker labels)
// and the few strokes on top are drawn with ordinary canvas calls, text with fillText only. Takes a
// minimal 2D context so a stub canvas can time it in tests.
import { BIN_CLASS_INDEX, BIN_CLASS_ORDER, binStart, type BinClass, type LaneBins, type TimeRange, type WindowResult } from '../src/shared/timelineProtocol';
import { laneBinsFor, type Row } from './layout';
import { colourOf, PixelLayer, type Rgba } from './pixels';
import { classColour, type Theme } from './theme';
import { formatTs, tickStep, ticks, timeToX } from './viewport';

// A module-level alias keeps import getters out of the per-mark loops (one definition still).
const toX = timeToX;

export type Canvas2D = Pick<
  CanvasRenderingContext2D,
  | 'fillRect' | 'clearRect' | 'beginPath' | 'stroke' | 'moveTo' | 'lineTo' | 'fillText' | 'save' | 'restore' | 'measureText' | 'strokeRect'
  | 'createImageData' | 'putImageData' | 'bezierCurveTo' | 'closePath' | 'fill'
> & {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  globalAlpha: number;
  lineWidth: number;
  font: string;
  textBaseline: CanvasTextBaseline;
};

export interface Frame {
  width: number;
  height: number;
  rows: readonly Row[];
  vp: TimeRange;
  data: WindowResult | undefined;
  theme: Theme;
  selection?: TimeRange | undefined;
  /** The editor's cursor, as a timestamp. */
  cursorTs?: number | undefined;
  /** Highlight of the bin under the pointer or the focused list item. */
  highlight?: { lane: string; config: 'A' | 'B'; bin: number } | undefined;
  /** Device pixels per CSS pixel (the canvas is width * dpr by height * dpr). */
  dpr?: number | undefined;
  /** The selected mark: outlined in its lane. */
  selectedMark?: TimelinePoint | undefined;
  /** The range marked with M: a band with edge rules across every row. */
  markedRange?: TimeRange | undefined;
  /** Draw each row's name over its left end (the page puts them beside the canvas instead: false). Default true. */
  rowLabels?: boolean | undefined;
  /** Cause arrows (a finding's cause to the finding), across lanes; `faint` for those of findings other than the selected one. */
  arrows?: readonly { from: TimelinePoint; to: TimelinePoint; faint?: boolean }[] | undefined;
  /**
   * By BIN_CLASS_ORDER rank: the classes drawn dimmed (a recording diff's unchanged classes, so
   * that the changed ones stand out). A lane's bin is dimmed by its worst class, the faults track's bars by their own.
   */
  dimmed?: readonly boolean[] | undefined;
}

/** How much of its alpha a dimmed class keeps. */
const DIM_ALPHA = 0.25;

/** A mark's place on the canvas: its lane (configuration A unless said) and time. */
export interface TimelinePoint {
  lane: string;
  config?: 'A' | 'B';
  ts: number;
  endTs?: number | undefined;
}

function laneRow(rows: readonly Row[], p: TimelinePoint): Row | undefined {
  const config = p.config ?? 'A';
  return rows.find((r) => r.kind === 'lane' && r.lane?.id === p.lane && r.lane.config === config);
}

/** The band and edge rules of the marked range (an instant: one rule). */
function drawMarkedRange(ctx: Canvas2D, f: Frame, r: TimeRange): void {
  const t = f.theme;
  const x0 = timeToX(f.vp, f.width, Math.min(r.t0, r.t1));
  const x1 = timeToX(f.vp, f.width, Math.max(r.t0, r.t1));
  if (x1 < -2 || x0 > f.width + 2) return;
  ctx.fillStyle = t.focus;
  if (x1 - x0 >= 1) {
    ctx.globalAlpha = 0.12;
    ctx.fillRect(x0, 0, x1 - x0, f.height);
  }
  ctx.globalAlpha = 1;
  ctx.fillRect(Math.round(x0) - 1, 0, 2, f.height);
  if (x1 - x0 >= 1) ctx.fillRect(Math.round(x1) - 1, 0, 2, f.height);
}

/** The selected mark: a box in the focus colour around its extent (at least 8 px, so an instant shows), twice as thick in high contrast. */
function drawSelectedMark(ctx: Canvas2D, f: Frame, m: TimelinePoint): void {
  const r = laneRow(f.rows, m);
  if (!r) return;
  const x0 = timeToX(f.vp, f.width, m.ts);
  const x1 = timeToX(f.vp, f.width, m.endTs ?? m.ts);
  const w = Math.max(8, x1 - x0);
  const left = x1 - x0 >= 8 ? x0 : (x0 + x1) / 2 - w / 2;
  ctx.strokeStyle = f.theme.focus;
  ctx.lineWidth = f.theme.highContrast ? 3 : 2;
  ctx.strokeRect(Math.round(left) - 1.5, r.y + 2.5, Math.round(w) + 3, r.h - 5);
  ctx.lineWidth = 1;
}

/**
 * A cause arrow: from the middle of the cause's row at its time to the finding's, bowed so that
 * arrows between neighbouring lanes stay apart from the marks, with a filled head at the finding.
 */
function drawArrow(ctx: Canvas2D, f: Frame, from: TimelinePoint, to: TimelinePoint, faint: boolean): void {
  const ra = laneRow(f.rows, from);
  const rb = laneRow(f.rows, to);
  if (!ra || !rb) return;
  const xa = timeToX(f.vp, f.width, from.ts);
  const xb = timeToX(f.vp, f.width, to.ts);
  const ya = ra.y + ra.h / 2;
  const yb = rb.y + rb.h / 2;
  const colour = faint ? f.theme.muted : f.theme.foreground;
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = (f.theme.highContrast ? 2 : 1.5) * (faint ? 2 / 3 : 1);
  ctx.beginPath();
  ctx.moveTo(xa, ya);
  // A bow of a sixth of the distance, towards the top of the canvas, so a same-lane arrow is seen;
  // never above the first lane, so the arrow stays among the lanes it joins.
  const firstLaneY = f.rows.find((r) => r.kind === 'lane')?.y ?? 0;
  const ctrlY = Math.max(firstLaneY, Math.min(ya, yb) - Math.max(6, Math.abs(xb - xa) / 6));
  ctx.bezierCurveTo(xa + (xb - xa) / 3, ctrlY, xa + (2 * (xb - xa)) / 3, ctrlY, xb, yb);
  ctx.stroke();
  // The head points along the curve's last tangent (from its second control point to the end).
  const angle = Math.atan2(yb - ctrlY, xb - (xa + (2 * (xb - xa)) / 3));
  const size = 7;
  ctx.beginPath();
  ctx.moveTo(xb, yb);
  ctx.lineTo(xb - size * Math.cos(angle - 0.45), yb - size * Math.sin(angle - 0.45));
  ctx.lineTo(xb - size * Math.cos(angle + 0.45), yb - size * Math.sin(angle + 0.45));
  ctx.closePath();
  ctx.fill();
  ctx.lineWidth = 1;
}

/** Text truncated to fit maxWidth (measureText is cheap enough for a few dozen labels). */
function fitText(ctx: Canvas2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** The marks' pixel buffer, reused from frame to frame (no per-frame allocation of a canvas-sized buffer). */
const layer = new PixelLayer();

/** The theme's colours parsed for the pixel buffer, kept while the theme object is the same. */
interface Palette {
  theme: Theme;
  bg: Rgba;
  grid: Rgba;
  blue: Rgba;
  orange: Rgba;
  yellow: Rgba;
  green: Rgba;
  red: Rgba;
  purple: Rgba;
  border: Rgba;
  /** By BIN_CLASS_ORDER rank. */
  rank: Rgba[];
  ofClass: (c: BinClass) => Rgba;
}
let palette: Palette | undefined;

function paletteFor(ctx: Canvas2D, t: Theme): Palette {
  if (palette?.theme === t) return palette;
  const col = (css: string) => colourOf(ctx, css);
  palette = {
    theme: t,
    bg: col(t.background),
    grid: col(t.grid),
    blue: col(t.blue),
    orange: col(t.orange),
    yellow: col(t.yellow),
    green: col(t.green),
    red: col(t.red),
    purple: col(t.purple),
    border: col(t.contrastBorder ?? t.foreground),
    rank: BIN_CLASS_ORDER.map((c) => col(classColour(t, c))),
    ofClass: (c) => col(classColour(t, c)),
  };
  return palette;
}

// The marks, one small function per kind of track: small functions get optimised (and the layer's
// fill inlined into their loops) where one big one would not.

/**
 * Where the bins of the answered window fall in this viewport: bin i starts at x0 + i * w, that is
 * toX(binStart(i)) folded into one multiply-add (it runs twice per bin and lane).
 */
interface BinScale {
  x0: number;
  w: number;
}

function paintLane(r: Row, lb: LaneBins, dense: readonly number[] | undefined, s: BinScale, width: number, p: Palette, highContrast: boolean, dimmed: readonly boolean[] | undefined): void {
  const laneAlpha = r.lane?.config === 'B' ? 0.75 : 1;
  const laneAvoidedAlpha = highContrast ? 0.6 : 0.3;
  let max = 1;
  for (const n of lb.total) if (n > max) max = n;
  const logMax = Math.log1p(max);
  const top = r.y + 12;
  const h = r.h - 16;
  for (let k = 0; k < lb.px.length; k++) {
    const x0 = s.x0 + lb.px[k] * s.w;
    const x1 = x0 + s.w;
    if (x1 < 0 || x0 > width) continue;
    const bh = Math.max(2, h * (0.35 + (0.65 * Math.log1p(lb.total[k])) / logMax));
    const w = Math.max(1, x1 - x0);
    const avoided = lb.avoided[k];
    const dim = dimmed?.[lb.worst[k]] ? DIM_ALPHA : 1;
    const solidAlpha = laneAlpha * dim;
    const avoidedAlpha = laneAvoidedAlpha * dim;
    if (avoided >= lb.total[k]) layer.fill(p.rank[lb.worst[k]] ?? p.blue, avoidedAlpha, x0, top + h - bh, w, bh);
    else {
      layer.fill(p.rank[lb.worst[k]] ?? p.rank[0], solidAlpha, x0, top + h - bh, w, bh);
      if (avoided > 0) layer.fill(p.bg, 0.5, x0, top + h - bh, w, (bh * avoided) / lb.total[k]);
    }
  }
  // Dense invalid-window coverage at the foot of the lane.
  if (dense) for (const px of dense) layer.fill(p.orange, 0.8, s.x0 + px * s.w, r.y + r.h - 4, Math.max(1, s.w), 3);
}

/** Avoided bins get a dashed outline as well (alpha alone is lost in high contrast). */
function paintAvoidedOutlines(r: Row, lb: LaneBins, s: BinScale, width: number, p: Palette): void {
  for (let k = 0; k < lb.px.length; k++) {
    if (!lb.avoided[k]) continue;
    const x0 = s.x0 + lb.px[k] * s.w;
    if (x0 < -2 || x0 > width) continue;
    layer.outline(p.border, 1, Math.round(x0), r.y + 12, Math.max(2, s.w), r.h - 17, 2);
  }
}

function paintFaults(r: Row, summary: WindowResult['summary'], s: BinScale, width: number, p: Palette, dimmed: readonly boolean[] | undefined): void {
  const classes = Object.keys(summary.faults) as BinClass[];
  const series = classes.map((c) => summary.faults[c] ?? []);
  const colours = classes.map(p.ofClass);
  const alphas = classes.map((c) => (dimmed?.[BIN_CLASS_INDEX[c]] ? DIM_ALPHA : 1));
  let max = 1;
  for (let k = 0; k < summary.px.length; k++) {
    let total = 0;
    for (const arr of series) total += arr[k] ?? 0;
    if (total > max) max = total;
  }
  const h = r.h - 14;
  const base = r.y + r.h - 1;
  const w = Math.max(1, s.w);
  for (let k = 0; k < summary.px.length; k++) {
    const x0 = s.x0 + summary.px[k] * s.w;
    if (x0 > width || x0 < -width) continue;
    let y = base;
    for (let j = 0; j < series.length; j++) {
      const n = series[j][k];
      if (!n) continue;
      const bh = (h * n) / max;
      y -= bh;
      layer.fill(colours[j], alphas[j], x0, y, w, bh);
    }
  }
}

/** CMO bytes or TLBI counts per bin, as bars. */
function paintTotals(r: Row, px: readonly number[], vals: readonly number[], s: BinScale, c: Rgba): void {
  let max = 1;
  for (const v of vals) if (v > max) max = v;
  const h = r.h - 12;
  const w = Math.max(1, s.w);
  for (let k = 0; k < px.length; k++) {
    if (!vals[k]) continue;
    const bh = Math.max(1, (h * vals[k]) / max);
    layer.fill(c, 1, s.x0 + px[k] * s.w, r.y + r.h - 1 - bh, w, bh);
  }
}

function paintHeat(r: Row, data: WindowResult, vp: TimeRange, width: number, p: Palette): void {
  const heat = data.summary.heat;
  const rows = heat.rows.length;
  if (!rows || !heat.max) return;
  const cellH = Math.max(1, (r.h - 4) / rows);
  const logMax = Math.log1p(heat.max);
  for (let c = 0; c < heat.columns; c++) {
    const x0 = toX(vp, width, binStart(data.range.t0, data.range.t1, heat.columns, c));
    const x1 = toX(vp, width, binStart(data.range.t0, data.range.t1, heat.columns, c + 1));
    if (x1 < 0 || x0 > width) continue;
    for (let row = 0; row < rows; row++) {
      const n = heat.cells[row * heat.columns + c];
      if (!n) continue;
      // Five alpha steps, levels the eye can tell apart.
      const alpha = Math.ceil((Math.log1p(n) / logMax) * 5) / 5;
      layer.fill(p.red, alpha, x0, r.y + r.h - 2 - (row + 1) * cellH, Math.max(1, x1 - x0), cellH);
    }
  }
}

/** Invalid windows as bars at the foot of their lane. */
function paintWindows(rows: readonly Row[], data: WindowResult, vp: TimeRange, width: number, p: Palette): void {
  for (const w of data.windows) {
    const x0 = toX(vp, width, w.ts);
    const x1 = toX(vp, width, w.endTs);
    if (x1 < 0 || x0 > width) continue;
    const r = rows.find((x) => x.kind === 'lane' && x.lane?.id === w.lane && x.lane.config === w.config);
    if (r) layer.fill(p.orange, 0.85, x0, r.y + r.h - 4, Math.max(2, x1 - x0), 3);
  }
}

/** Trace markers: vertical rules over every row (their labels come with the text). */
function paintMarkerRules(data: WindowResult, vp: TimeRange, width: number, height: number, p: Palette): void {
  for (const m of data.markers) {
    const x = Math.round(toX(vp, width, m.ts));
    if (x + 0.5 >= 0 && x + 0.5 <= width) layer.fill(p.purple, 1, x, 0, 1, height);
  }
}

/** Draws one frame; returns the number of rects painted (the bench reports it). */
export function drawFrame(ctx: Canvas2D, f: Frame): number {
  const { width, height, theme: t, vp, data } = f;
  const p = paletteFor(ctx, t);
  layer.begin(ctx, width, height, f.dpr ?? 1, p.bg);
  ctx.globalAlpha = 1;
  ctx.font = t.font;
  ctx.textBaseline = 'top';
  const s: BinScale = data ? { x0: toX(vp, width, data.range.t0), w: ((data.range.t1 - data.range.t0) / data.width) * (width / (vp.t1 - vp.t0)) } : { x0: 0, w: 0 };
  const binX = (i: number): number => s.x0 + i * s.w;

  // Grid and axis: 1 px rules on whole pixels (as the half-pixel-aligned strokes were).
  const step = tickStep(vp, width);
  const tickTimes = ticks(vp, width);
  for (const tick of tickTimes) layer.fill(p.grid, 1, Math.round(toX(vp, width, tick)), 0, 1, height);
  for (const r of f.rows) layer.fill(p.grid, 1, 0, r.y + r.h - 1, width, 1);

  if (data) {
    for (const r of f.rows) {
      if (r.kind === 'lane') {
        const lb = laneBinsFor(data, r.lane);
        if (lb) paintLane(r, lb, data.windowsDense?.find((x) => x.lane === lb.lane && x.config === lb.config)?.px, s, width, p, t.highContrast, f.dimmed);
      } else if (r.kind === 'faults') paintFaults(r, data.summary, s, width, p, f.dimmed);
      else if (r.kind === 'cmo') paintTotals(r, data.summary.px, data.summary.cmoBytes, s, p.yellow);
      else if (r.kind === 'tlbi') paintTotals(r, data.summary.px, data.summary.tlbi, s, p.green);
      else if (r.kind === 'heat') paintHeat(r, data, vp, width, p);
    }
    paintWindows(f.rows, data, vp, width, p);
    for (const r of f.rows) {
      const lb = r.kind === 'lane' && r.lane?.config === 'A' ? laneBinsFor(data, r.lane) : undefined;
      if (lb) paintAvoidedOutlines(r, lb, s, width, p);
    }
    paintMarkerRules(data, vp, width, height, p);
  }
  // Everything above reaches the canvas here, in one call; what follows is drawn over it.
  layer.put(ctx);

  if (data) {
    // Invalid windows wide enough for it carry their IPA range as a label.
    ctx.fillStyle = t.orange;
    for (const w of data.windows) {
      if (w.ipa === undefined) continue;
      const x0 = Math.max(0, toX(vp, width, w.ts));
      const x1 = Math.min(width, toX(vp, width, w.endTs));
      if (x1 - x0 < 90) continue;
      const r = f.rows.find((x) => x.kind === 'lane' && x.lane?.id === w.lane && x.lane.config === w.config);
      if (!r) continue;
      const label = `0x${w.ipa.toString(16)}${w.size ? `+0x${w.size.toString(16)}` : ''}`;
      ctx.fillText(fitText(ctx, label, x1 - x0 - 4), x0 + 2, r.y + r.h - 15);
    }

    // Marker labels, left to right, skipping those that would overlap the previous one.
    ctx.fillStyle = t.purple;
    let lastLabelEnd = -Infinity;
    for (const m of data.markers) {
      const x = Math.round(timeToX(vp, width, m.ts)) + 0.5;
      if (x < 0 || x > width) continue;
      if (x > lastLabelEnd + 4 && m.label) {
        const text = fitText(ctx, m.label, 240);
        ctx.fillText(text, x + 3, 11);
        lastLabelEnd = x + 3 + ctx.measureText(text).width;
      }
    }
  }

  // Selection, highlight, editor cursor.
  if (f.selection) {
    const x0 = timeToX(vp, width, Math.min(f.selection.t0, f.selection.t1));
    const x1 = timeToX(vp, width, Math.max(f.selection.t0, f.selection.t1));
    ctx.fillStyle = t.selection;
    ctx.globalAlpha = 0.45;
    ctx.fillRect(x0, 0, Math.max(1, x1 - x0), f.height);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = t.focus;
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(x0) + 0.5, 0.5, Math.max(1, x1 - x0), f.height - 1);
  }
  const hl = f.highlight;
  if (hl && data) {
    const r = f.rows.find((x) => x.kind === 'lane' && x.lane?.id === hl.lane && x.lane?.config === hl.config);
    if (r) {
      const x0 = binX(hl.bin);
      ctx.strokeStyle = t.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 2, r.y + 1, Math.max(2, binX(hl.bin + 1) - x0) + 4, r.h - 2);
      ctx.lineWidth = 1;
    }
  }
  if (f.markedRange) drawMarkedRange(ctx, f, f.markedRange);
  if (f.cursorTs !== undefined) {
    const x = Math.round(timeToX(vp, width, f.cursorTs)) + 0.5;
    if (x >= 0 && x <= width) {
      ctx.strokeStyle = t.focus;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, f.height);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
  }

  // Labels last, on a backing so they stay readable over the marks.
  ctx.fillStyle = t.muted;
  for (const tick of tickTimes) {
    const x = timeToX(vp, width, tick);
    ctx.fillText(formatTs(tick, step), x + 3, 2);
  }
  for (const r of f.rows) {
    if (f.rowLabels === false || r.kind === 'axis' || !r.label) continue;
    const text = fitText(ctx, r.label, Math.min(220, width / 2));
    const w = ctx.measureText(text).width;
    ctx.fillStyle = t.background;
    ctx.globalAlpha = 0.8;
    ctx.fillRect(0, r.y + 1, w + 6, 12);
    ctx.globalAlpha = 1;
    ctx.fillStyle = r.lane?.config === 'B' ? t.muted : t.foreground;
    ctx.fillText(text, 3, r.y + 1);
  }
  // The selection and its cause arrows over everything, lane labels included: a fault near the
  // left edge would otherwise have its box and the arrow's head hidden under its lane's name.
  if (f.selectedMark) drawSelectedMark(ctx, f, f.selectedMark);
  // The selected finding's arrows last, over the faint ones of its neighbours.
  for (const a of f.arrows ?? []) if (a.faint) drawArrow(ctx, f, a.from, a.to, true);
  for (const a of f.arrows ?? []) if (!a.faint) drawArrow(ctx, f, a.from, a.to, false);
  return layer.rects;
}

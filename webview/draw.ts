// The canvas renderer: one frame from the per-pixel summaries of a window (never raw events),
// reprojected into the current viewport so pan and zoom redraw at once while the next window is
// on its way. Rects are batched per colour; trace text (lane and marker labels) is drawn with
// fillText only. Takes a minimal 2D context so a stub canvas can time it in tests.
import { BIN_CLASS_ORDER, binStart, type BinClass, type TimeRange, type WindowResult } from '../src/shared/timelineProtocol';
import { laneBinsFor, type Row } from './layout';
import { classColour, type Theme } from './theme';
import { formatTs, tickStep, ticks, timeToX } from './viewport';

// Module-level aliases keep import getters out of the per-bin loops (one definition still).
const edgeAt = binStart;
const toX = timeToX;

export type Canvas2D = Pick<
  CanvasRenderingContext2D,
  | 'fillRect' | 'clearRect' | 'beginPath' | 'rect' | 'fill' | 'stroke' | 'moveTo' | 'lineTo' | 'fillText' | 'save' | 'restore' | 'setLineDash' | 'measureText' | 'strokeRect'
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
}

/** Rects grouped by colour and alpha, flushed with one fill per group (no per-rect allocation). */
class RectBatch {
  private readonly groups = new Map<string, Map<number, number[]>>();
  /** The rect list of one colour and alpha: hot loops fetch it once and push x, y, w, h. */
  group(colour: string, alpha: number): number[] {
    let byAlpha = this.groups.get(colour);
    if (!byAlpha) this.groups.set(colour, (byAlpha = new Map()));
    let rects = byAlpha.get(alpha);
    if (!rects) byAlpha.set(alpha, (rects = []));
    return rects;
  }
  add(colour: string, alpha: number, x: number, y: number, w: number, h: number): void {
    pushRect(this.group(colour, alpha), x, y, w, h);
  }
  flush(ctx: Canvas2D): void {
    for (const [colour, byAlpha] of this.groups) {
      for (const [alpha, rects] of byAlpha) {
        ctx.fillStyle = colour;
        ctx.globalAlpha = alpha;
        ctx.beginPath();
        for (let i = 0; i < rects.length; i += 4) ctx.rect(rects[i], rects[i + 1], rects[i + 2], rects[i + 3]);
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
    this.groups.clear();
  }
}

/**
 * Append a rect to a colour group, merging it into the previous one when it continues it (same
 * top and height, touching): dense zoomed-out windows become a few long runs instead of one rect
 * per pixel, which is what keeps a frame cheap in a software-rastered canvas. y and h are snapped
 * to whole pixels (crisper, and equal bars merge).
 */
export function pushRect(g: number[], x: number, y: number, w: number, h: number): void {
  const ry = Math.round(y);
  const rh = Math.max(1, Math.round(y + h) - ry);
  const n = g.length;
  if (n >= 4 && g[n - 3] === ry && g[n - 1] === rh && Math.abs(g[n - 4] + g[n - 2] - x) < 0.75) {
    g[n - 2] = Math.max(g[n - 2], x + w - g[n - 4]);
    return;
  }
  g.push(x, ry, w, rh);
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

export function drawFrame(ctx: Canvas2D, f: Frame): void {
  const { width, theme: t, vp, data } = f;
  ctx.fillStyle = t.background;
  ctx.globalAlpha = 1;
  ctx.fillRect(0, 0, width, f.height);
  ctx.font = t.font;
  ctx.textBaseline = 'top';
  const batch = new RectBatch();
  const rankColours = BIN_CLASS_ORDER.map((c) => classColour(t, c));
  const colourOf = (rank: number) => rankColours[rank] ?? t.blue;
  const binX = (i: number): number => (data ? toX(vp, width, edgeAt(data.range.t0, data.range.t1, data.width, i)) : 0);

  // Grid and axis.
  const step = tickStep(vp, width);
  ctx.strokeStyle = t.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const tick of ticks(vp, width)) {
    const x = Math.round(timeToX(vp, width, tick)) + 0.5;
    ctx.moveTo(x, 0);
    ctx.lineTo(x, f.height);
  }
  for (const r of f.rows) {
    ctx.moveTo(0, r.y + r.h - 0.5);
    ctx.lineTo(width, r.y + r.h - 0.5);
  }
  ctx.stroke();

  if (data) {
    for (const r of f.rows) {
      if (r.kind === 'lane') {
        const lb = laneBinsFor(data, r.lane);
        if (!lb) continue;
        const ghostB = r.lane?.config === 'B';
        let max = 1;
        for (const n of lb.total) if (n > max) max = n;
        const logMax = Math.log1p(max);
        const top = r.y + 12;
        const h = r.h - 16;
        const solid = rankColours.map((c) => batch.group(c, ghostB ? 0.75 : 1));
        for (let k = 0; k < lb.px.length; k++) {
          const x0 = binX(lb.px[k]);
          const x1 = binX(lb.px[k] + 1);
          if (x1 < 0 || x0 > width) continue;
          const bh = Math.max(2, h * (0.35 + (0.65 * Math.log1p(lb.total[k])) / logMax));
          const w = Math.max(1, x1 - x0);
          const avoided = lb.avoided[k];
          if (avoided >= lb.total[k]) batch.add(colourOf(lb.worst[k]), t.highContrast ? 0.6 : 0.3, x0, top + h - bh, w, bh);
          else {
            pushRect(solid[lb.worst[k]] ?? solid[0], x0, top + h - bh, w, bh);
            if (avoided > 0) batch.add(t.background, 0.5, x0, top + h - bh, w, (bh * avoided) / lb.total[k]);
          }
        }
        if (data.windowsDense) {
          const d = data.windowsDense.find((x) => x.lane === lb.lane && x.config === lb.config);
          const g = batch.group(t.orange, 0.8);
          if (d) for (const p of d.px) pushRect(g, binX(p), r.y + r.h - 4, Math.max(1, binX(p + 1) - binX(p)), 3);
        }
      } else if (r.kind === 'faults') {
        const s = data.summary;
        const classes = Object.keys(s.faults) as BinClass[];
        const series = classes.map((c) => s.faults[c] ?? []);
        const groups = classes.map((c) => batch.group(classColour(t, c), 1));
        const totals = new Float64Array(s.px.length);
        for (const arr of series) for (let k = 0; k < arr.length; k++) totals[k] += arr[k];
        let max = 1;
        for (const n of totals) if (n > max) max = n;
        const h = r.h - 14;
        const base = r.y + r.h - 1;
        for (let k = 0; k < s.px.length; k++) {
          const x0 = binX(s.px[k]);
          if (x0 > width || x0 < -width) continue;
          const w = Math.max(1, binX(s.px[k] + 1) - x0);
          let y = base;
          for (let j = 0; j < series.length; j++) {
            const n = series[j][k];
            if (!n) continue;
            const bh = (h * n) / max;
            y -= bh;
            pushRect(groups[j], x0, y, w, bh);
          }
        }
      } else if (r.kind === 'cmo' || r.kind === 'tlbi') {
        const s = data.summary;
        const vals = r.kind === 'cmo' ? s.cmoBytes : s.tlbi;
        let max = 1;
        for (const v of vals) if (v > max) max = v;
        const h = r.h - 12;
        const g = batch.group(r.kind === 'cmo' ? t.yellow : t.green, 1);
        for (let k = 0; k < s.px.length; k++) {
          if (!vals[k]) continue;
          const x0 = binX(s.px[k]);
          const bh = Math.max(1, (h * vals[k]) / max);
          pushRect(g, x0, r.y + r.h - 1 - bh, Math.max(1, binX(s.px[k] + 1) - x0), bh);
        }
      } else if (r.kind === 'heat') {
        const heat = data.summary.heat;
        const rows = heat.rows.length;
        if (!rows || !heat.max) continue;
        const cellH = Math.max(1, (r.h - 4) / rows);
        const logMax = Math.log1p(heat.max);
        for (let row = 0; row < rows; row++) {
          for (let c = 0; c < heat.columns; c++) {
            const n = heat.cells[row * heat.columns + c];
            if (!n) continue;
            const x0 = timeToX(vp, width, binStart(data.range.t0, data.range.t1, heat.columns, c));
            const colW = timeToX(vp, width, binStart(data.range.t0, data.range.t1, heat.columns, c + 1)) - x0;
            // Quantised alpha keeps the number of colour groups (and fill calls) small.
            const alpha = Math.ceil((Math.log1p(n) / logMax) * 5) / 5;
            batch.add(t.red, alpha, x0, r.y + r.h - 2 - (row + 1) * cellH, Math.max(1, colW), cellH);
          }
        }
      }
    }
    // Invalid windows as bars at the foot of their lane.
    for (const w of data.windows) {
      const r = f.rows.find((x) => x.kind === 'lane' && x.lane?.id === w.lane && x.lane.config === w.config);
      if (!r) continue;
      const x0 = timeToX(vp, width, w.ts);
      const x1 = timeToX(vp, width, w.endTs);
      if (x1 < 0 || x0 > width) continue;
      batch.add(t.orange, 0.85, x0, r.y + r.h - 4, Math.max(2, x1 - x0), 3);
    }
    batch.flush(ctx);

    // Avoided bins get a dashed outline as well (alpha alone is lost in high contrast).
    ctx.setLineDash([2, 2]);
    ctx.strokeStyle = t.contrastBorder ?? t.foreground;
    ctx.lineWidth = 1;
    for (const r of f.rows) {
      if (r.kind !== 'lane' || r.lane?.config !== 'A') continue;
      const lb = laneBinsFor(data, r.lane);
      if (!lb) continue;
      for (let k = 0; k < lb.px.length; k++) {
        if (!lb.avoided[k]) continue;
        const x0 = binX(lb.px[k]);
        if (x0 < -2 || x0 > width) continue;
        ctx.strokeRect(Math.round(x0) + 0.5, r.y + 12.5, Math.max(2, binX(lb.px[k] + 1) - x0), r.h - 17);
      }
    }
    ctx.setLineDash([]);

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

    // Trace markers: labelled vertical rules over every row.
    ctx.strokeStyle = t.purple;
    ctx.fillStyle = t.purple;
    let lastLabelEnd = -Infinity;
    for (const m of data.markers) {
      const x = Math.round(timeToX(vp, width, m.ts)) + 0.5;
      if (x < 0 || x > width) continue;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, f.height);
      ctx.stroke();
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
  for (const tick of ticks(vp, width)) {
    const x = timeToX(vp, width, tick);
    ctx.fillText(formatTs(tick, step), x + 3, 2);
  }
  for (const r of f.rows) {
    if (r.kind === 'axis' || !r.label) continue;
    const text = fitText(ctx, r.label, Math.min(220, width / 2));
    const w = ctx.measureText(text).width;
    ctx.fillStyle = t.background;
    ctx.globalAlpha = 0.8;
    ctx.fillRect(0, r.y + 1, w + 6, 12);
    ctx.globalAlpha = 1;
    ctx.fillStyle = r.lane?.config === 'B' ? t.muted : t.foreground;
    ctx.fillText(text, 3, r.y + 1);
  }
}

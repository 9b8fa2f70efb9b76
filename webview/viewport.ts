// The timeline's viewport math, pure and unit-tested: time <-> pixel, zoom about an anchor, pan,
// clamping to the trace, wheel and keyboard steps, axis ticks and time labels. The renderer and the
// interaction code only ever go through these functions.
import { binStart, type CauseArrow, type TimeRange } from '../src/shared/timelineProtocol';

export interface Bounds {
  /** The trace extent, ns. */
  t0: number;
  t1: number;
  /** Smallest visible span, ns (text traces have microsecond resolution). */
  minSpan: number;
}

export const DEFAULT_MIN_SPAN = 1000;

export function span(vp: TimeRange): number {
  return vp.t1 - vp.t0;
}

export function timeToX(vp: TimeRange, width: number, t: number): number {
  return ((t - vp.t0) / span(vp)) * width;
}

export function xToTime(vp: TimeRange, width: number, x: number): number {
  return vp.t0 + (x / width) * span(vp);
}

/** Keep the viewport inside the trace (a margin of 2 % of the extent lets the ends be panned clear of the edge). */
export function clampViewport(vp: TimeRange, b: Bounds): TimeRange {
  const margin = (b.t1 - b.t0) * 0.02;
  const lo = b.t0 - margin;
  const hi = b.t1 + margin;
  const maxSpan = hi - lo;
  if (!Number.isFinite(vp.t0) || !Number.isFinite(vp.t1) || vp.t1 <= vp.t0) return { t0: b.t0, t1: b.t1 };
  const s = Math.min(Math.max(span(vp), b.minSpan), maxSpan);
  let t0 = vp.t0;
  if (t0 < lo) t0 = lo;
  if (t0 + s > hi) t0 = hi - s;
  return { t0, t1: t0 + s };
}

/** Zoom by `factor` (>1 zooms in) keeping the time under pixel `anchorX` where it is. */
export function zoomAt(vp: TimeRange, width: number, factor: number, anchorX: number, b: Bounds): TimeRange {
  const anchor = xToTime(vp, width, anchorX);
  const frac = width > 0 ? anchorX / width : 0.5;
  const s = Math.max(span(vp) / factor, b.minSpan);
  // Zoomed out all the way: the whole trace, exactly (no margin, no drift).
  if (s >= b.t1 - b.t0) return fullView(b);
  return clampViewport({ t0: anchor - frac * s, t1: anchor - frac * s + s }, b);
}

/** Pan by `dx` pixels (positive: content moves right, so earlier time comes into view). */
export function panBy(vp: TimeRange, width: number, dx: number, b: Bounds): TimeRange {
  const dt = (dx / width) * span(vp);
  return clampViewport({ t0: vp.t0 - dt, t1: vp.t1 - dt }, b);
}

/** Centre `t` keeping the span. */
export function centreOn(vp: TimeRange, t: number, b: Bounds): TimeRange {
  const s = span(vp);
  return clampViewport({ t0: t - s / 2, t1: t + s / 2 }, b);
}

export function fullView(b: Bounds): TimeRange {
  return { t0: b.t0, t1: Math.max(b.t1, b.t0 + b.minSpan) };
}

/** Zoom factor of one wheel event (deltaMode 1 = lines, 2 = pages). */
export function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.pow(2, -Math.max(-600, Math.min(600, px)) / 300);
}

/** `f` on an instant shows this many minimum spans around it (10 µs on a text trace): the fault and its neighbours. */
export const POINT_FIT_SPANS = 10;

/**
 * Show `r` with a margin of a tenth of its length on each side (so its ends are not on the edges);
 * a range shorter than the fit span of an instant (a point mark) is centred in that span instead.
 */
export function fitRange(r: TimeRange, b: Bounds): TimeRange {
  const t0 = Math.min(r.t0, r.t1);
  const t1 = Math.max(r.t0, r.t1);
  const s = Math.max((t1 - t0) * 1.2, b.minSpan * POINT_FIT_SPANS);
  const mid = (t0 + t1) / 2;
  return clampViewport({ t0: mid - s / 2, t1: mid + s / 2 }, b);
}

export type KeyAction = { zoom: number } | { pan: number } | { reset: true } | { fit: true } | { markRange: true } | undefined;

/**
 * Keyboard map of the canvas: +/- and W/S zoom (about the centre), arrows and A/D pan by a tenth
 * (Shift: by half, or zoom four times), Home shows everything, F fits the selection, M marks its
 * range. W/A/S/D, F and M are Perfetto's and chrome://tracing's keys. Keys with Ctrl, Alt or Cmd
 * are VS Code's, never the timeline's.
 */
export function keyAction(key: string, shift: boolean, commandModifier = false): KeyAction {
  if (commandModifier) return undefined;
  switch (key) {
    case '+':
    case '=':
    case 'w':
    case 'W':
      return { zoom: shift ? 4 : 2 };
    case '-':
    case '_':
    case 's':
    case 'S':
      return { zoom: shift ? 0.25 : 0.5 };
    case 'ArrowLeft':
    case 'a':
    case 'A':
      return { pan: shift ? 0.5 : 0.1 };
    case 'ArrowRight':
    case 'd':
    case 'D':
      return { pan: shift ? -0.5 : -0.1 };
    case 'Home':
    case '0':
      return { reset: true };
    case 'f':
    case 'F':
      return { fit: true };
    case 'm':
    case 'M':
      return { markRange: true };
    default:
      return undefined;
  }
}

/**
 * The viewport after a key's action, or undefined when the action does not move the view (M, or F
 * with nothing selected). Zooms keep the centre; `fitTarget` is what F fits (the selected mark's
 * extent, else the selected range).
 */
export function navigate(vp: TimeRange, width: number, a: KeyAction, b: Bounds, fitTarget?: TimeRange): TimeRange | undefined {
  if (!a) return undefined;
  if ('zoom' in a) return zoomAt(vp, width, a.zoom, width / 2, b);
  if ('pan' in a) return panBy(vp, width, a.pan * width, b);
  if ('reset' in a) return fullView(b);
  if ('fit' in a) return fitTarget ? fitRange(fitTarget, b) : undefined;
  return undefined;
}

/** At most this many cause arrows in one frame: past it a dense view is a hatch nobody reads. */
export const MAX_ARROWS = 150;

/**
 * Level of detail for the cause arrows of every finding in view: those whose finding is in view,
 * at most one per lane and `bucketPx` pixels at the finding's end (in a dense view, one arrow
 * stands for its neighbours), at most `max`. Returns the arrows to draw and how many were left out.
 */
export function arrowsToDraw(arrows: readonly CauseArrow[], vp: TimeRange, width: number, max = MAX_ARROWS, bucketPx = 6): { drawn: CauseArrow[]; omitted: number } {
  const seen = new Set<string>();
  const drawn: CauseArrow[] = [];
  let inView = 0;
  for (const a of arrows) {
    if (a.to.ts < vp.t0 || a.to.ts > vp.t1) continue;
    inView++;
    const key = `${a.to.lane}\u0000${Math.floor(timeToX(vp, width, a.to.ts) / bucketPx)}`;
    if (seen.has(key) || drawn.length >= max) continue;
    seen.add(key);
    drawn.push(a);
  }
  return { drawn, omitted: inView - drawn.length };
}

/** Pixel extent [x0, x1) of bin i of a window answered for `data`, drawn in viewport `vp`. */
export function binToPx(data: { range: TimeRange; width: number }, i: number, vp: TimeRange, width: number): [number, number] {
  const a = binStart(data.range.t0, data.range.t1, data.width, i);
  const b = binStart(data.range.t0, data.range.t1, data.width, i + 1);
  return [timeToX(vp, width, a), timeToX(vp, width, b)];
}

/** Bin index of pixel x of viewport `vp` in the window of `data` (may be out of 0..width-1). */
export function pxToBin(data: { range: TimeRange; width: number }, x: number, vp: TimeRange, width: number): number {
  const t = xToTime(vp, width, x);
  const s = data.range.t1 - data.range.t0;
  let i = Math.floor(((t - data.range.t0) / s) * data.width);
  // Match binStart exactly at the edges (the server bins with the same formula).
  if (i >= 0 && i < data.width) {
    if (t < binStart(data.range.t0, data.range.t1, data.width, i)) i--;
    else if (i + 1 < data.width && t >= binStart(data.range.t0, data.range.t1, data.width, i + 1)) i++;
  }
  return i;
}

/** Whether data answered for one window is still good enough for viewport `vp` (covers it, resolution within 1.5x). */
export function dataCovers(data: { range: TimeRange; width: number }, vp: TimeRange, width: number): boolean {
  const ratio = (span(data.range) / data.width) / (span(vp) / width);
  return data.range.t0 <= vp.t0 && data.range.t1 >= vp.t1 && ratio < 1.5 && ratio > 1 / 1.5;
}

const NICE = [1, 2, 5];

/** Tick step (ns) giving at least `minPx` pixels between ticks: 1, 2, 5 x 10^k. */
export function tickStep(vp: TimeRange, width: number, minPx = 90): number {
  const raw = (span(vp) / Math.max(1, width)) * minPx;
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-3))));
  for (const n of NICE) if (n * p >= raw) return n * p;
  return 10 * p;
}

export function ticks(vp: TimeRange, width: number, minPx = 90): number[] {
  const step = tickStep(vp, width, minPx);
  const out: number[] = [];
  for (let t = Math.ceil(vp.t0 / step) * step; t <= vp.t1 && out.length < 200; t += step) out.push(t);
  return out;
}

/** A timestamp as ftrace prints it (seconds), with as many decimals as the step needs. */
export function formatTs(ns: number, stepNs = 1000): string {
  const decimals = Math.max(0, Math.min(9, Math.ceil(-Math.log10(Math.max(stepNs, 1) / 1e9))));
  return `${(ns / 1e9).toFixed(decimals)} s`;
}

/** The visible range as the toolbar shows it, precise to a thousandth of the span (a tenth of a W/A/S/D step shows). */
export function describeViewport(vp: TimeRange): string {
  const step = span(vp) / 1000;
  return `${formatTs(vp.t0, step)} – ${formatTs(vp.t1, step)} (${formatDuration(span(vp))})`;
}

export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatIpa(ipa: number): string {
  return `0x${ipa.toString(16)}`;
}

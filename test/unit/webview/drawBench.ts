// Times the page side of a pan/zoom frame: drawFrame over a window's per-pixel summaries on a stub
// canvas, each frame reprojected into a slightly panned and zoomed viewport (what a drag or a
// wheel does before the next window arrives). JavaScript cost only, which includes painting the
// marks' pixels (webview/pixels.ts); the canvas's own raster of the text on top is not in it. Each
// frame has a selected mark with a cause arrow and a marked range, as after Reveal in Timeline.
import type { WindowResult } from '../../../src/shared/timelineProtocol';
import { drawFrame } from '../../../webview/draw';
import { computeLayout } from '../../../webview/layout';
import { fallbackTheme } from '../../../webview/theme';
import { stubCanvas } from './stubCanvas';

export function benchDrawFrames(data: WindowResult, frames: number): { median: number; p95: number; max: number; rects: number } {
  const lanes = data.lanes.map((l) => ({ id: l.lane, label: l.lane, config: l.config }));
  const rows = computeLayout(lanes, data.summary.heat.rows.length);
  const times: number[] = [];
  let rects = 0;
  const span = data.range.t1 - data.range.t0;
  // One context for all frames, as in the page (the marks' pixel buffer is kept while its size is).
  const ctx = stubCanvas();
  // The frame after Reveal in Timeline: a selected mark with a cause arrow across the lanes, and a marked range.
  const first = data.lanes[0];
  const last = data.lanes[data.lanes.length - 1];
  const selectedMark = first ? { lane: first.lane, config: first.config, ts: data.range.t0 + span / 2 } : undefined;
  const arrows = selectedMark && last ? [{ from: { lane: last.lane, config: last.config, ts: data.range.t0 + span / 4 }, to: selectedMark }] : [];
  const markedRange = { t0: data.range.t0 + span / 3, t1: data.range.t0 + span / 2 };
  for (let f = 0; f < frames; f++) {
    const shift = (span * f) / (frames * 20);
    const zoom = 1 + f / (frames * 4);
    const vp = { t0: data.range.t0 + shift, t1: data.range.t0 + shift + span / zoom };
    const s = performance.now();
    rects = drawFrame(ctx, { width: data.width, height: 600, rows, vp, data, theme: fallbackTheme, selection: { t0: vp.t0, t1: vp.t0 + span / 10 }, cursorTs: vp.t0 + span / 3, selectedMark, arrows, markedRange });
    times.push(performance.now() - s);
    ctx.texts.length = 0;
    ctx.geometry.length = 0;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))], max: times[times.length - 1], rects };
}

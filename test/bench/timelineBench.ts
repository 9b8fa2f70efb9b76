// Timeline scale figures (`npm run bench` calls timelineBench): build the index over N synthetic
// marks (default 10 million), time window queries in the server at common widths while zooming and
// panning, and time the page's draw routine of one frame on a stub canvas. Prints; asserts nothing.
import { MARK_CLASSES } from '../../src/core/marks/markStore';
import { TimelineQuery } from '../../src/core/query';
import { syntheticMarkStore } from '../unit/query/syntheticMarks';
import { benchDrawFrames } from '../unit/webview/drawBench';
import { chromiumAvailable, openTimelinePage, timeFrames } from '../unit/webview/pageHarness';
import { percentile, timeWindowQueries } from './windowQueryTiming';

export async function timelineBench(log: (line: string) => void = console.log, count = Number(process.env.TIMELINE_BENCH_MARKS ?? 10_000_000)): Promise<void> {
  let t = performance.now();
  const { lanes, marks } = syntheticMarkStore({ count, vcpus: 4, seed: 1 });
  log(`timeline: generated ${count.toLocaleString('en')} marks in ${(performance.now() - t).toFixed(0)} ms`);
  const avoided: number[] = [];
  const s1 = MARK_CLASSES.indexOf('S1') + 1;
  for (let i = 0; i < marks.length; i += 3) if (marks.clsAt(i) === s1) avoided.push(marks.lineAt(i));
  t = performance.now();
  const q = new TimelineQuery({ a: { lanes, marks }, avoidedLines: avoided });
  log(`timeline: index built in ${(performance.now() - t).toFixed(0)} ms (once per analysis)`);
  const { t0, t1 } = q.a.extent;
  // The first query after the build (the index compiles its query code while building: TimelineQuery.warmUp): quoted apart.
  let s = performance.now();
  q.window({ t0, t1 }, 1200);
  log(`timeline: first (cold) window query ${(performance.now() - s).toFixed(1)} ms`);
  // Zoom from the whole trace into 1/1000 of it, then pan across (test/bench/windowQueryTiming.ts).
  // A first and a second pass over the same windows: the first would show any cold code or pending GC.
  for (const width of [1200, 2400])
    for (const pass of ['first pass', 'second pass']) log(`timeline: over ${count.toLocaleString('en')} marks, ${pass}, ${timeWindowQueries(q, width, !!process.env.TIMELINE_BENCH_VERBOSE)}`);
  s = performance.now();
  const st = q.rangeStats({ t0, t1 });
  log(`timeline: range statistics of the whole trace ${(performance.now() - s).toFixed(1)} ms (${st?.a.total} marks)`);
  s = performance.now();
  const f = q.findIpa(0x40001000);
  log(`timeline: find IPA ${(performance.now() - s).toFixed(0)} ms (${f?.total} hits)`);
  const whole = q.window({ t0, t1 }, 1600);
  if (whole) {
    s = performance.now();
    const json = JSON.stringify(whole);
    log(`timeline: the whole-trace window at 1600 px is ${(json.length / 1024).toFixed(0)} KiB of JSON, serialised in ${(performance.now() - s).toFixed(1)} ms (the LSP transport pays this)`);
    benchDrawFrames(whole, 5); // warm-up: the page draws many frames, the first few run cold
    const frame = benchDrawFrames(whole, 60);
    log(`timeline: page draw of one pan/zoom frame (1600 px, ${whole.lanes.length} lanes, ${frame.rects} rects, stub canvas): median ${frame.median.toFixed(2)} ms, p95 ${frame.p95.toFixed(2)} ms, max ${frame.max.toFixed(2)} ms`);
  }
  if (chromiumAvailable()) await pageFrames(q, log);
  else log('timeline: no Chromium: page frames in a real canvas not measured');
}

/**
 * Real canvas frames in headless Chromium (software raster, no GPU): wheel zooms and drags over the
 * 10M-mark window. Two figures, timed from outside the page (pageHarness.ts timeFrames): the page's
 * draw times, and draw plus the canvas's raster of that frame, which the compositor would otherwise pay after the frame callback
 * (out of sight of the first figure, and the larger share when thousands of path rects are filled
 * in software). TIMELINE_BENCH_PAGE_RUNS repeats the sequence (timings on a shared machine are noisy).
 */
async function pageFrames(q: TimelineQuery, log: (line: string) => void): Promise<void> {
  const runs = Math.max(1, Number(process.env.TIMELINE_BENCH_PAGE_RUNS ?? 1));
  for (let run = 0; run < runs; run++) {
    const tp = await openTimelinePage(q, { width: 1600 });
    try {
      const { page } = tp;
      await tp.windows(1);
      await page.waitForTimeout(200);
      const box = await page.locator('#timeline').boundingBox();
      if (!box) return;
      const timer = await timeFrames(page);
      for (let i = 0; i < 15; i++) {
        await page.mouse.move(box.x + 400 + i * 40, box.y + 60);
        await page.mouse.wheel(0, -120);
        await page.waitForTimeout(16);
      }
      await page.mouse.move(box.x + 800, box.y + 60);
      await page.mouse.down();
      for (let i = 0; i < 30; i++) await page.mouse.move(box.x + 800 - i * 15, box.y + 60);
      await page.mouse.up();
      for (let i = 0; i < 15; i++) {
        await page.mouse.wheel(0, 120);
        await page.waitForTimeout(16);
      }
      await page.waitForTimeout(300);
      const { draws: times, frames } = await timer.read();
      const figures = (xs: number[]) => `median ${percentile(xs, 50).toFixed(2)} ms, p95 ${percentile(xs, 95).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`;
      log(`timeline: page frames in headless Chromium (1600 px, real canvas, software raster) over ${times.length} wheel/drag frames: ${figures(times)}; with the canvas raster of each frame: ${figures(frames)}; problems: ${tp.problems.length}`);
    } finally {
      await tp.close();
    }
  }
}

if (require.main === module) void timelineBench();

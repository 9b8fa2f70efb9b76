// Timeline scale figures (`npm run bench` calls timelineBench): build the index over N synthetic
// marks (default 10 million), time window queries in the server at common widths while zooming and
// panning, and time the page's draw routine of one frame on a stub canvas. Prints; asserts nothing.
import { MARK_CLASSES } from '../../src/core/analysis/markStore';
import { TimelineQuery } from '../../src/core/query';
import { syntheticMarkStore } from '../unit/query/syntheticMarks';
import { benchDrawFrames } from '../unit/webview/drawBench';
import { chromiumAvailable, openTimelinePage } from '../unit/webview/pageHarness';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

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
  const span = t1 - t0;
  // The first query after the build pays for JIT warm-up (and often a major GC of the fresh heap): quoted apart.
  let s = performance.now();
  q.window({ t0, t1 }, 1200);
  log(`timeline: first (cold) window query ${(performance.now() - s).toFixed(1)} ms`);
  for (const width of [1200, 2400]) {
    const times: number[] = [];
    const cpu: number[] = [];
    const timed = (r: { t0: number; t1: number }) => {
      const c0 = process.cpuUsage();
      const s0 = performance.now();
      q.window(r, width);
      times.push(performance.now() - s0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    };
    // Zoom from the whole trace into 1/1000 of it, then pan across.
    for (let k = 0; k <= 20; k++) {
      const w = span / Math.pow(1000, k / 20);
      const c = t0 + span / 2;
      timed({ t0: c - w / 2, t1: c + w / 2 });
    }
    for (let k = 0; k < 20; k++) {
      const w = span / 10;
      const a = t0 + (k / 20) * (span - w);
      timed({ t0: a, t1: a + w });
    }
    if (process.env.TIMELINE_BENCH_VERBOSE) log(times.map((x) => x.toFixed(1)).join(' '));
    log(`timeline: window query ${width}px over ${count.toLocaleString('en')} marks: median ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (${times.length} queries); CPU time median ${percentile(cpu, 50).toFixed(1)} ms, p95 ${percentile(cpu, 95).toFixed(1)} ms`);
  }
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

/** Real canvas frames in headless Chromium (software raster, no GPU): wheel zooms and drags over the 10M-mark window. */
async function pageFrames(q: TimelineQuery, log: (line: string) => void): Promise<void> {
  const tp = await openTimelinePage(q, { width: 1600 });
  try {
    const { page } = tp;
    await tp.windows(1);
    await page.waitForTimeout(200);
    const box = await page.locator('#timeline').boundingBox();
    if (!box) return;
    await page.evaluate(() => ((window as unknown as { __stage2LensDrawMs: number[] }).__stage2LensDrawMs.length = 0));
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
    const times = await page.evaluate(() => (window as unknown as { __stage2LensDrawMs: number[] }).__stage2LensDrawMs.slice());
    log(`timeline: page frames in headless Chromium (1600 px, real canvas, software raster) over ${times.length} wheel/drag frames: median ${percentile(times, 50).toFixed(2)} ms, p95 ${percentile(times, 95).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms; problems: ${tp.problems.length}`);
  } finally {
    await tp.close();
  }
}

if (require.main === module) void timelineBench();

// The window-query timing loop shared by the timeline benches: zoom from the whole trace into
// 1/1000 of it (21 windows), then pan across at 1/10 (20 windows), one TimelineQuery.window each.
import type { TimelineQuery } from '../../src/core/query';

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** One line of figures: wall median, p95, max, and CPU median and p95 of the 41 queries. */
export function timeWindowQueries(q: TimelineQuery, width: number, verbose = false): string {
  const { t0, t1 } = q.info().extent;
  const span = t1 - t0;
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
  const detail = verbose ? ` [${times.map((x) => x.toFixed(1)).join(' ')}]` : '';
  return `window query ${width}px: median ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (${times.length} queries); CPU time median ${percentile(cpu, 50).toFixed(1)} ms, p95 ${percentile(cpu, 95).toFixed(1)} ms${detail}`;
}

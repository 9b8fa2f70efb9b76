// Reading a text trace in time order when its lines are not: some tools and pastes group the lines
// by CPU (each CPU's events in time order, one CPU after another), and a replay that follows such a
// file's order sees every cross-vCPU relation (a lost race, a fault in another actor's window)
// backwards. The first read of the file marks where each stretch in time order begins
// (`TimeRunTracker`); when the file is out of order (stats/lacks.ts `outOfTimeOrder`) and can be
// reopened by range, `readTextInTimeOrder` reads every stretch on its own and merges them by
// timestamp, like the per-CPU merge of a trace.dat: memory is one chunk and its parsed events per
// stretch, whatever the file's size. Lines keep their numbers and offsets in the file.
import type { ByteSource, ReaderRepairs, RejectedLine, SpecialLine, TraceEvent, TraceSink } from '../parse/types';
import { LineFramer } from '../parse/lineFramer';
import { LineParser } from '../parse/lineParser';
import type { ReadTraceResult } from './readTrace';

/** Where a stretch of the file in time order begins: its first event line. */
export interface TimeRun {
  line: number;
  offset: number;
}

/** More stretches than this are not merged (each is a file range read at once): the file's order is kept and the analysis says so. */
export const MAX_TIME_RUNS = 256;

/** Watches the events of a first read for steps back in time: each one begins a new stretch. */
export class TimeRunTracker {
  readonly runs: TimeRun[] = [{ line: 1, offset: 0 }];
  /** Steps back beyond MAX_TIME_RUNS stretches (then the file is not merged). */
  overflow = false;
  private lastTs = -Infinity;

  event(ev: TraceEvent): void {
    if (ev.ts < this.lastTs) {
      if (this.runs.length < MAX_TIME_RUNS) this.runs.push({ line: ev.line, offset: ev.offset });
      else this.overflow = true;
    }
    this.lastTs = ev.ts;
  }
}

/** One item of a stretch, in its file order: lines without a timestamp sort with the event before them. */
type Item = { ts: number; ev: TraceEvent } | { ts: number; special: SpecialLine } | { ts: number; rejected: RejectedLine };

interface Stretch {
  readonly items: Item[];
  at: number;
  readonly chunks: AsyncIterator<Uint8Array>;
  readonly framer: LineFramer;
  readonly parser: LineParser;
  done: boolean;
}

/** Parses chunks of the stretch until it has an item to give or its range is read. */
async function fill(s: Stretch): Promise<boolean> {
  while (s.at >= s.items.length) {
    if (s.done) return false;
    s.items.length = 0;
    s.at = 0;
    const r = await s.chunks.next();
    if (r.done) {
      s.done = true;
      s.framer.end();
      s.parser.finish();
    } else s.framer.push(r.value);
  }
  return true;
}

/** A binary min-heap of stretch indices by (head timestamp, stretch index): ties keep the file's order. */
class StretchHeap {
  private readonly h: number[] = [];
  constructor(private readonly key: (i: number) => number) {}
  get size(): number {
    return this.h.length;
  }
  private less(a: number, b: number): boolean {
    const ka = this.key(a);
    const kb = this.key(b);
    return ka < kb || (ka === kb && a < b);
  }
  push(i: number): void {
    const h = this.h;
    h.push(i);
    for (let c = h.length - 1; c > 0; ) {
      const p = (c - 1) >> 1;
      if (!this.less(h[c]!, h[p]!)) break;
      [h[c], h[p]] = [h[p]!, h[c]!];
      c = p;
    }
  }
  pop(): number {
    const h = this.h;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let p = 0; ; ) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === p) break;
        [h[m], h[p]] = [h[p]!, h[m]!];
        p = m;
      }
    }
    return top;
  }
}

function addRepairs(into: ReaderRepairs, r: ReaderRepairs): void {
  for (const k of Object.keys(into) as (keyof ReaderRepairs)[]) into[k] += r[k];
}

/**
 * Reads the stretches `runs` of a text trace of `bytes` bytes, each from its own range, and hands
 * the sink their events merged by timestamp (a stretch's lines without a timestamp come right after
 * the event before them).
 */
export async function readTextInTimeOrder(
  runs: readonly TimeRun[],
  bytes: number,
  openRange: (start: number, end?: number) => ByteSource,
  sink: TraceSink,
  opts: { signal?: AbortSignal; onProgress?(bytes: number): void } = {},
): Promise<ReadTraceResult> {
  const stretches: Stretch[] = runs.map((run, i) => {
    const items: Item[] = [];
    // lines without a timestamp sort with the event before them in their stretch
    let lastTs = -Infinity;
    const parser = new LineParser({
      event(ev) {
        lastTs = ev.ts;
        items.push({ ts: ev.ts, ev });
      },
      special(special) {
        items.push({ ts: lastTs, special });
      },
      rejected(rejected) {
        items.push({ ts: lastTs, rejected });
      },
    });
    const end = runs[i + 1]?.offset ?? bytes;
    return { items, at: 0, done: false, parser, framer: new LineFramer(parser, run), chunks: openRange(run.offset, end)[Symbol.asyncIterator]() };
  });
  const heap = new StretchHeap((i) => {
    const s = stretches[i]!;
    return s.items[s.at]!.ts;
  });
  try {
    for (let i = 0; i < stretches.length; i++) if (await fill(stretches[i]!)) heap.push(i);
    let emitted = 0;
    while (heap.size > 0) {
      const i = heap.pop();
      const s = stretches[i]!;
      const item = s.items[s.at++]!;
      if ('ev' in item) sink.event(item.ev);
      else if ('special' in item) sink.special?.(item.special);
      else sink.rejected?.(item.rejected);
      if ((++emitted & 0xffff) === 0) {
        opts.signal?.throwIfAborted();
        opts.onProgress?.(stretches.reduce((n, x, j) => n + x.framer.bytes - runs[j]!.offset, 0));
      }
      if (s.at < s.items.length || (await fill(s))) heap.push(i);
    }
  } finally {
    for (const s of stretches) await s.chunks.return?.();
  }
  const repairs = stretches[0]!.parser.repairs;
  for (const s of stretches.slice(1)) addRepairs(repairs, s.parser.repairs);
  const lines = Math.max(...stretches.map((s) => s.framer.lines));
  return { format: stretches[0]!.parser.format, bytes, lines, repairs };
}

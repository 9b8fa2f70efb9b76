// The timeline at scale on a real replay (`npm run bench -- --sections timeline-real`): the generated
// 1 GB trace (about 10 million events) through analyzeMany (as traced, and the FEAT_BBM level 2
// what-if), then the server's TimelineQuery over both replays' marks: marks kept, memory, the index
// build and window queries while zooming and panning. Prints; asserts nothing.
import { createReadStream } from 'node:fs';
import { createAnalyzer } from '../../src/core/index';
import { TimelineQuery } from '../../src/core/query';
import { timeWindowQueries } from './windowQueryTiming';

export async function timelineRealBench(log: (line: string) => void, file: string): Promise<void> {
  let t = performance.now();
  const analyzer = createAnalyzer();
  const [a, b] = await analyzer.analyzeMany(createReadStream(file, { highWaterMark: 1 << 20 }), [{}, { bbmLevel: 2 }]);
  const cmp = analyzer.compare(a, b);
  log(`timeline-real: ${a.stats.lines.events.toLocaleString('en')} events analysed twice (as traced, BBM 2) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  log(`timeline-real: marks kept A ${a.marks.length.toLocaleString('en')} (${(a.marks.memoryBytes() / 2 ** 20).toFixed(0)} MiB, ${a.marks.dropped} dropped), B ${b.marks.length.toLocaleString('en')}; ${cmp.avoidedLines.length.toLocaleString('en')} faults avoided by B`);
  t = performance.now();
  const q = new TimelineQuery({ a: { lanes: a.lanes, marks: a.marks }, b: { lanes: b.lanes, marks: b.marks }, avoidedLines: cmp.avoidedLines });
  log(`timeline-real: index of A and B built in ${(performance.now() - t).toFixed(0)} ms; RSS now ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  const info = q.info();
  log(`timeline-real: ${info.lanes.length} lanes, ${info.markCount.toLocaleString('en')} drawable marks in A`);
  for (const width of [1200, 2400]) log(`timeline-real: ${timeWindowQueries(q, width)}`);
  t = performance.now();
  const first = q.window(info.extent, 1200)?.lanes.find((l) => l.px.length);
  const line = first ? first.line[Math.floor(first.line.length / 2)] : 1;
  q.locate(line);
  log(`timeline-real: first locate (sorts by line once) ${(performance.now() - t).toFixed(0)} ms; find IPA ${timed(() => q.findIpa(0x40001000)).toFixed(0)} ms`);
}

function timed(f: () => unknown): number {
  const s = performance.now();
  f();
  return performance.now() - s;
}

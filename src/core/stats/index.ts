// The statistics layer's public surface: createStatsCollector() is a TraceSink whose result() is
// the TraceStats of src/core/api.ts; statsOf() reads a whole source through it.
import type { ByteSource, TraceStats } from '../api';
import { readTrace, type ReadTraceOptions } from '../read/readTrace';
import { createStatsCollector } from './statsCollector';

export { createStatsCollector } from './statsCollector';
export type { StatsCollector } from './statsCollector';
export { lacksOf } from './lacks';

/** Read a trace and return its statistics (one streaming pass, bounded memory). */
export async function statsOf(source: ByteSource, opts: ReadTraceOptions = {}): Promise<TraceStats> {
  const c = createStatsCollector();
  const r = await readTrace(source, c, opts);
  c.setRead(r);
  return c.result();
}

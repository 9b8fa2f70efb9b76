// `stage2-lens stats` and the server's statistics in one pipeline: one read of the trace through the
// stats collector and the coverage evidence collector, then what the trace supports. The adapters
// call this through the facade instead of wiring readTrace and the collectors themselves.
import type { ByteSource, CoverageItem, TraceStats } from '../api';
import type { TraceSink } from '../parse/types';
import { readTrace, type ReadTraceOptions } from '../read/readTrace';
import { computeCoverage, createCoverageCollector } from '../analysis/coverage';
import { createStatsCollector } from './statsCollector';

export interface TraceStatsRead {
  stats: TraceStats;
  /** [] when the trace has no events (nothing to say what it supports). */
  coverage: CoverageItem[];
}

export async function readStats(source: ByteSource, opts: Pick<ReadTraceOptions, 'openRange' | 'seekable' | 'onProgress'> = {}): Promise<TraceStatsRead> {
  const collector = createStatsCollector();
  const evidence = createCoverageCollector();
  let arch: 'arm64' | 'x86' | undefined;
  const sink: TraceSink = {
    event(ev) {
      collector.event(ev);
      evidence.event(ev);
      // The first architecture-specific decoded kvm event decides (as the facade's analyze does).
      if (!arch && ev.decoded) arch = ev.decoded.kind.startsWith('x86.') ? 'x86' : ev.decoded.kind.startsWith('arm64.') ? 'arm64' : undefined;
    },
    rejected: (r) => collector.rejected?.(r),
    special: (sp) => collector.special?.(sp),
  };
  const result = await readTrace(source, sink, { openRange: opts.openRange, seekable: opts.seekable, onProgress: opts.onProgress });
  collector.setRead(result);
  const stats = collector.result();
  const coverage = stats.lines.events > 0 ? computeCoverage(stats, { arch: arch ?? 'arm64', evidence: evidence.evidence() }) : [];
  return { stats, coverage };
}

// Placeholder: trace sufficiency (owned by the recording work). Says, per analysis, whether the
// trace supports it as observed, inferred or not at all, and what to record to get it.
import type { CoverageItem, TraceStats } from '../api';

export function computeCoverage(_stats: TraceStats, _opts: { arch: 'arm64' | 'x86' }): CoverageItem[] {
  return [];
}

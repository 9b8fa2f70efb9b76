// Plain sentences for a selection's statistics (the panel under the canvas and screen readers):
// the same numbers the CLI prints for the same time range, worded once here.
import { BIN_CLASS_ORDER, type BinClass, type RangeStats } from '../src/shared/timelineProtocol';
import { className } from './theme';
import { formatBytes, formatDuration } from './viewport';
import { plural } from '../src/shared/plural';

export function describeStats(s: RangeStats): string[] {
  const byClass = (rec: Partial<Record<BinClass, number>>) =>
    BIN_CLASS_ORDER.filter((c) => rec[c]).map((c) => `${rec[c]} ${className(c)}`).join(', ');
  const out = [plural(s.total, 'mark'), `${plural(s.faults.total, 'fault')}, ${s.faults.spurious} spurious${s.faults.total ? ` (${byClass(s.faults.byClass)})` : ''}`];
  if (s.cmoBytes) out.push(`${formatBytes(s.cmoBytes)} of cache maintenance`);
  if (s.tlbi) out.push(plural(s.tlbi, 'TLB invalidation'));
  if (s.invalidWindows.count) out.push(`${plural(s.invalidWindows.count, 'invalid window')}, ${formatDuration(s.invalidWindows.totalNs)} in total`);
  if (s.avoided) out.push(`${s.avoided} avoided by the what-if`);
  const lanes = Object.entries(s.perLane).map(([l, n]) => `${l}: ${n}`);
  if (lanes.length) out.push(`per lane: ${lanes.join('; ')}`);
  return out;
}

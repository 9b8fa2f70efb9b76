// The MMU-lock section of the text and Markdown reports: what the contention lines and write-side
// probes show (src/core/lock/mmuLock.ts), each figure as measured, nothing inferred.
import { NO_WRITER, type MmuLockReport, type Spread } from './mmuLock';
import { plural } from '../util/plural';

/** `comm-tid` -> the report's vCPU label (`vCPU 0 (kvmtest-219)`), from the analysis' lanes. */
export function vcpuNamer(lanes: readonly { label: string }[]): (task: string) => string {
  return (task) => lanes.find((l) => l.label.endsWith(`(${task})`))?.label ?? task;
}

function time(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e3).toFixed(1)} us`;
}

function spreadText(s: Spread): string {
  return `${time(s.sumNs)} in total (median ${time(s.medianNs)}, max ${time(s.maxNs)})`;
}

/** Lines of the report's MMU-lock section; `name` turns a thread (`comm-tid`) into the report's vCPU label. */
export function mmuLockLines(r: MmuLockReport, name: (task: string) => string = (t) => t): string[] {
  if (r.support === 'impossible') return [`MMU lock: not analysed: ${r.why}`];
  const out: string[] = [];
  const w = r.waits;
  out.push(`MMU lock (kvm->mmu_lock: lock ${r.lock!.id}, line ${r.lock!.line}: a vCPU thread waited for it with READ in a stage-2 fault)`);
  out.push(`  vCPU read waits: ${plural(w.count, 'wait')}, ${spreadText(w)}; ${w.inFaults} inside stage-2 faults`);
  if (w.count) {
    const rest = Math.max(0, w.sumNs - w.duringHoldsNs - w.duringWriterWaitsNs);
    out.push(`    overlapping the writers' holds ${time(w.duringHoldsNs)}; the writers' own waits for the lock ${time(w.duringWriterWaitsNs)} (a queued rwlock admits no new reader once a writer waits); no traced hold or writer wait ${time(rest)}`);
  }
  if (!r.holds.length) out.push(`  write holds: not in the trace (${r.why})`);
  else {
    out.push('  write holds (from the end of the writer\'s wait for the lock, or its first call, to its last traced line: a lower bound; the unlock is not traced):');
    for (const h of r.holds) {
      const waited = h.acquireWaits.count ? `; the writer waited for the lock ${plural(h.acquireWaits.count, 'time')}, ${spreadText(h.acquireWaits)}` : '; the writer never had to wait for the lock';
      out.push(`    ${h.kind}: ${plural(h.holds.count, 'hold')}, ${spreadText(h.holds)}, first at line ${h.firstLine}${waited}`);
    }
  }
  for (const v of r.perVcpu) {
    const by = Object.entries(v.byWriter)
      .sort((a, b) => b[1] - a[1])
      .map(([k, ns]) => `${k === NO_WRITER ? 'overlapping no traced writer' : `overlapping a ${k} writer`} ${time(ns)}`)
      .join(', ');
    out.push(`  ${name(v.task)}: ${plural(v.waits.count, 'wait')}, ${spreadText(v.waits)}, ${v.stalledFaults} in stage-2 faults; waits ${by}`);
  }
  if (r.longest.length) {
    out.push('  longest waits:');
    for (const l of r.longest) out.push(`    line ${l.line} ${name(l.task)}: ${time(l.ns)}, ${l.writer === NO_WRITER ? 'no traced writer overlaps it' : `overlapping the ${l.writer} writer of line ${l.writerLine}`}`);
  }
  if (r.truncated) out.push(`  (beyond the first ${r.truncated.holds ? 'holds' : 'waits'} kept, ${plural(r.truncated.holds, 'hold')} and ${plural(r.truncated.waits, 'wait')} are counted but not attributed)`);
  out.push('  times are as measured: on a nested or emulated host they include the emulation, and spinning readers compete with the writer for CPUs');
  return out;
}

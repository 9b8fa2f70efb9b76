// Who held kvm->mmu_lock, and which vCPU faults waited behind them (issue #18), from the trace's own
// lines: the kernel's lock:contention_begin/end tracepoints (every contended acquisition, with READ
// or WRITE) and probes on the KVM functions that run with the lock held for write.
//
// Rules (docs/kernel-behaviour.md, section 11a "MMU lock"):
// - vCPU faults take mmu_lock for read (arm64 user_mem_abort() since 5.19, x86 TDP MMU), so the
//   VM's mmu_lock is the lock that vCPU threads wait for with READ inside a fault (kvm_exit to
//   kvm_entry). It is identified from the trace, with the line that shows it; lock addresses are
//   identities only (the kernel's text hashes %p).
// - A write hold is a run of consecutive write-side lines on one thread: the calls made under the
//   lock (kvm_arch_mmu_enable_log_dirty_pt_masked() for KVM_GET_DIRTY_LOG/KVM_CLEAR_DIRTY_LOG in
//   kvm_get_dirty_log_protect()/kvm_clear_dirty_log_protect(), kvm_mmu_split_huge_pages() for eager
//   splitting) and the stage-2 walks inside them. It starts when the thread got the lock (the end
//   of its WRITE contention on mmu_lock, when it had to wait) or at its first such call, and ends
//   at its last line: a lower bound of the hold (the unlock itself is not traced).
// - A read wait is a vCPU thread's contention_begin(READ) .. contention_end on mmu_lock. It is
//   attributed to the write hold (or the writer's own wait for the lock, which already blocks new
//   readers in a queued rwlock) that overlaps it most; a wait no traced writer overlaps is counted
//   as "writer not in the trace".
import type { TraceEvent } from '../parse/types';

export type WriterKind = 'dirty-log write-protect' | 'eager split';

export const NO_WRITER = 'writer not in the trace';

export interface WriteHold {
  task: string;
  kind: WriterKind;
  /** First line of the hold (the contention_end when the writer waited, else its first call). */
  line: number;
  startNs: number;
  endNs: number;
  /** The writer's own wait for the lock (its WRITE contention), when it had to wait. */
  acquireWaitNs: number;
  calls: number;
}

export interface ReadWait {
  task: string;
  line: number;
  beginNs: number;
  endNs: number;
  /** Inside a stage-2 fault of that vCPU (kvm_exit to kvm_entry). */
  inFault: boolean;
  /** Index into holds, or -1 when no traced writer overlaps it. */
  writer: number;
}

export interface Spread {
  count: number;
  sumNs: number;
  medianNs: number;
  maxNs: number;
}

export interface MmuLockReport {
  /** observed: contention tracepoints and the lock identified; impossible: no contention lines. */
  support: 'observed' | 'impossible';
  why: string;
  /** The lock identity as printed, and the line that identifies it. */
  lock?: { id: string; line: number };
  holds: { kind: WriterKind; holds: Spread; acquireWaits: Spread; firstLine: number }[];
  /**
   * Read waits on mmu_lock by vCPU threads, and how much of them overlaps the writers' holds and
   * the writers' own waits for the lock (a queued rwlock admits no new reader once a writer waits).
   */
  waits: Spread & { inFaults: number; duringHoldsNs: number; duringWriterWaitsNs: number };
  perVcpu: { task: string; waits: Spread; stalledFaults: number; byWriter: Record<string, number> }[];
  /** The longest waits, with the writer each waited behind. */
  longest: { task: string; line: number; ns: number; writer: string; writerLine: number | undefined }[];
  /** Set when more holds or waits were seen than are kept (bounded memory): their counts are exact, attribution covers the kept ones. */
  truncated?: { holds: number; waits: number };
}

/** Holds and waits kept for attribution: bounded memory on huge traces. */
const KEEP = 200_000;
const LONGEST = 5;

const WRITE_SIDE_OPS = new Map<string, WriterKind>([
  ['wp-masked', 'dirty-log write-protect'],
  ['split-huge', 'eager split'],
]);
/** Stage-2 walks that run inside a write hold: they continue the hold, they do not start one. */
const INSIDE_OPS = new Set(['wrprotect', 'split', 'flush']);

/** A hold being built, with what is needed to place its start once mmu_lock is known. */
interface OpenHold extends WriteHold {
  /** The lock the writer waited for just before (when it waited). */
  acquiredLock: string | undefined;
  firstCallNs: number;
  firstCallLine: number;
}

interface Contention {
  lock: string;
  read: boolean;
  write: boolean;
  beginNs: number;
  line: number;
}

function spread(values: number[]): Spread {
  if (!values.length) return { count: 0, sumNs: 0, medianNs: 0, maxNs: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, sumNs: sorted.reduce((s, v) => s + v, 0), medianNs: sorted[Math.floor((sorted.length - 1) / 2)], maxNs: sorted[sorted.length - 1] };
}

/** A stage-2 fault that waited for mmu_lock, with the writer it overlapped: one L1 finding each. */
export interface StalledFault {
  task: string;
  line: number;
  ts: number;
  waitNs: number;
  writer: { kind: WriterKind; line: number; holdNs: number; task: string } | undefined;
}

export interface MmuLockCollector {
  event(ev: TraceEvent): void;
  result(): MmuLockReport;
  /** After result(): the faults that waited (kept ones), in trace order. */
  stalledFaults(): StalledFault[];
}

export function createMmuLockCollector(): MmuLockCollector {
  // Threads are keyed by pid (the thread id; threads share a comm); `comm-pid` names them in the report.
  const vcpuThreads = new Set<number>();
  const inFault = new Map<number, boolean>();
  /** pid -> its open contentions, innermost last: a queued rwlock's slow path waits for its own wait_lock inside the rwlock's wait. */
  const pending = new Map<number, Contention[]>();
  /** Last finished WRITE contention per thread, a candidate start of the thread's next hold. */
  const lastWriteAcquire = new Map<number, { lock: string; beginNs: number; endNs: number; line: number }>();
  const runs = new Map<number, OpenHold>();
  const holds: OpenHold[] = [];
  const waits: (ReadWait & { lock: string })[] = [];
  const readsInFault = new Map<string, { n: number; line: number }>();
  let contentionLines = 0;
  let droppedHolds = 0;
  let droppedWaits = 0;
  let stalled: StalledFault[] = [];

  const closeRun = (pid: number): void => {
    if (!runs.size) return;
    const h = runs.get(pid);
    if (!h) return;
    runs.delete(pid);
    if (holds.length < KEEP) holds.push(h);
    else droppedHolds++;
  };
  /** Any other line of a thread ends its hold and forgets its last wait for a write lock. */
  const other = (pid: number): void => {
    closeRun(pid);
    if (lastWriteAcquire.size) lastWriteAcquire.delete(pid);
  };

  return {
    event(ev) {
      const pid = ev.pid;
      const d = ev.decoded;
      if (!d) {
        other(pid);
        return;
      }
      switch (d.kind) {
        case 'arm64.kvm_exit':
        case 'x86.kvm_exit':
          vcpuThreads.add(pid);
          other(pid);
          return;
        case 'arm64.kvm_guest_fault':
        case 'x86.kvm_page_fault':
          // From the fault to the next entry the vCPU is in the stage-2 fault path.
          inFault.set(pid, true);
          other(pid);
          return;
        case 'arm64.kvm_entry':
        case 'x86.kvm_entry':
          vcpuThreads.add(pid);
          inFault.set(pid, false);
          other(pid);
          return;
        case 'lock.contention_begin': {
          contentionLines++;
          const open = pending.get(pid);
          const c: Contention = { lock: d.lock, read: d.read, write: d.write, beginNs: ev.ts, line: ev.line };
          if (open) {
            if (open.length < 8) open.push(c);
          } else pending.set(pid, [c]);
          if (d.read && inFault.get(pid)) {
            const r = readsInFault.get(d.lock);
            if (r) r.n++;
            else readsInFault.set(d.lock, { n: 1, line: ev.line });
          }
          return; // a contention inside a hold neither starts nor ends it
        }
        case 'lock.contention_end': {
          contentionLines++;
          const open = pending.get(pid);
          const at = open ? open.map((x) => x.lock).lastIndexOf(d.lock) : -1;
          if (!open || at < 0) return;
          const c = open[at];
          open.splice(at);
          if (!open.length) pending.delete(pid);
          if (c.write && !runs.has(pid)) lastWriteAcquire.set(pid, { lock: c.lock, beginNs: c.beginNs, endNs: ev.ts, line: ev.line });
          if (c.read && vcpuThreads.has(pid)) {
            if (waits.length < KEEP) waits.push({ task: `${ev.task}-${pid}`, line: c.line, beginNs: c.beginNs, endNs: ev.ts, inFault: inFault.get(pid) ?? false, writer: -1, lock: c.lock });
            else droppedWaits++;
          }
          return;
        }
        case 'kprobe':
        case 'kretprobe':
        case 'function': {
          const op = d.op;
          const kind = op !== undefined ? WRITE_SIDE_OPS.get(op) : undefined;
          const open = runs.size ? runs.get(pid) : undefined;
          if (kind !== undefined) {
            // A write-side call inside a hold continues it (kvm_arch_mmu_enable_log_dirty_pt_masked
            // calls kvm_mmu_split_huge_pages): the hold keeps the kind of its outermost call.
            if (open) {
              open.endNs = ev.ts;
              if (d.kind !== 'kretprobe') open.calls++;
              return;
            }
            if (d.kind === 'kretprobe') return; // a return without its call: the hold began before the trace
            const acq = lastWriteAcquire.get(pid);
            lastWriteAcquire.delete(pid);
            runs.set(pid, {
              task: `${ev.task}-${pid}`, kind, line: acq?.line ?? ev.line, startNs: acq?.endNs ?? ev.ts, endNs: ev.ts, acquireWaitNs: acq ? acq.endNs - acq.beginNs : 0, calls: 1,
              acquiredLock: acq?.lock, firstCallNs: ev.ts, firstCallLine: ev.line,
            });
            return;
          }
          if (open && op !== undefined && INSIDE_OPS.has(op)) return;
          other(pid);
          return;
        }
        default:
          other(pid);
      }
    },

    result() {
      for (const pid of [...runs.keys()]) closeRun(pid);
      const empty: MmuLockReport = {
        support: 'impossible',
        why: '',
        holds: [],
        waits: { ...spread([]), inFaults: 0, duringHoldsNs: 0, duringWriterWaitsNs: 0 },
        perVcpu: [],
        longest: [],
      };
      if (!contentionLines) return { ...empty, why: 'no lock:contention_begin/contention_end lines (stage2-lens record-script --lock records them)' };
      let lock: { id: string; line: number } | undefined;
      let best = 0;
      for (const [id, c] of readsInFault) if (c.n > best) [best, lock] = [c.n, { id, line: c.line }];
      if (!lock) return { ...empty, why: 'the trace has lock contention lines, but no vCPU thread waited for a lock with READ inside a stage-2 fault: the VM\'s mmu_lock cannot be told from the other locks' };

      // A writer's wait counts as its wait for mmu_lock only when it waited for mmu_lock.
      const kept: WriteHold[] = holds.map((h) =>
        h.acquiredLock === undefined || h.acquiredLock === lock!.id
          ? { task: h.task, kind: h.kind, line: h.line, startNs: h.startNs, endNs: h.endNs, acquireWaitNs: h.acquireWaitNs, calls: h.calls }
          : { task: h.task, kind: h.kind, line: h.firstCallLine, startNs: h.firstCallNs, endNs: h.endNs, acquireWaitNs: 0, calls: h.calls },
      );
      const mine = waits.filter((w) => w.lock === lock!.id);
      // Attribute each wait to the hold (with its writer's own wait) that overlaps it most.
      const startOf = (h: WriteHold): number => h.startNs - h.acquireWaitNs;
      let maxSpan = 0;
      for (const h of kept) maxSpan = Math.max(maxSpan, h.endNs - startOf(h));
      const byStart = kept.map((h, i) => ({ s: startOf(h), i })).sort((a, b) => a.s - b.s);
      for (const w of mine) {
        // Holds starting before the wait ends and after (wait begin - longest hold).
        let lo = 0;
        let hi = byStart.length;
        const from = w.beginNs - maxSpan;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (byStart[mid].s < from) lo = mid + 1;
          else hi = mid;
        }
        // Overlap 0 counts: timestamps have microsecond resolution.
        let bestOverlap = -1;
        for (let k = lo; k < byStart.length && byStart[k].s <= w.endNs; k++) {
          const h = kept[byStart[k].i];
          const overlap = Math.min(w.endNs, h.endNs) - Math.max(w.beginNs, startOf(h));
          if (overlap > bestOverlap) {
            bestOverlap = overlap;
            w.writer = byStart[k].i;
          }
        }
      }

      const kinds = [...new Set(kept.map((h) => h.kind))];
      const holdsByKind = kinds.map((kind) => {
        const of = kept.filter((h) => h.kind === kind);
        return {
          kind,
          holds: spread(of.map((h) => h.endNs - h.startNs)),
          acquireWaits: spread(of.filter((h) => h.acquireWaitNs > 0).map((h) => h.acquireWaitNs)),
          firstLine: Math.min(...of.map((h) => h.line)),
        };
      });
      let duringHoldsNs = 0;
      let duringWriterWaitsNs = 0;
      for (const w of mine) {
        if (w.writer < 0) continue;
        const h = kept[w.writer];
        duringHoldsNs += Math.max(0, Math.min(w.endNs, h.endNs) - Math.max(w.beginNs, h.startNs));
        duringWriterWaitsNs += Math.max(0, Math.min(w.endNs, h.startNs) - Math.max(w.beginNs, startOf(h)));
      }
      stalled = mine
        .filter((w) => w.inFault)
        .map((w) => {
          const h = w.writer >= 0 ? kept[w.writer] : undefined;
          return { task: w.task, line: w.line, ts: w.beginNs, waitNs: w.endNs - w.beginNs, writer: h ? { kind: h.kind, line: h.line, holdNs: h.endNs - h.startNs, task: h.task } : undefined };
        });
      const writerOf = (w: ReadWait): string => (w.writer >= 0 ? kept[w.writer].kind : NO_WRITER);
      const tasks = [...new Set(mine.map((w) => w.task))].sort();
      const perVcpu = tasks.map((task) => {
        const of = mine.filter((w) => w.task === task);
        const byWriter: Record<string, number> = {};
        for (const w of of) byWriter[writerOf(w)] = (byWriter[writerOf(w)] ?? 0) + (w.endNs - w.beginNs);
        return { task, waits: spread(of.map((w) => w.endNs - w.beginNs)), stalledFaults: of.filter((w) => w.inFault).length, byWriter };
      });
      const longest = [...mine]
        .sort((a, b) => b.endNs - b.beginNs - (a.endNs - a.beginNs))
        .slice(0, LONGEST)
        .map((w) => ({ task: w.task, line: w.line, ns: w.endNs - w.beginNs, writer: writerOf(w), writerLine: w.writer >= 0 ? kept[w.writer].line : undefined }));
      return {
        support: 'observed',
        why: kept.length ? 'lock:contention_* lines and probes on the write-side KVM functions' : 'lock:contention_* lines; no probe on a write-side KVM function (kvm_arch_mmu_enable_log_dirty_pt_masked, kvm_mmu_split_huge_pages): the writers are not named',
        lock,
        holds: holdsByKind,
        waits: { ...spread(mine.map((w) => w.endNs - w.beginNs)), inFaults: mine.filter((w) => w.inFault).length, duringHoldsNs, duringWriterWaitsNs },
        perVcpu,
        longest,
        ...(droppedHolds || droppedWaits ? { truncated: { holds: droppedHolds, waits: droppedWaits } } : {}),
      };
    },

    stalledFaults() {
      return stalled;
    },
  };
}

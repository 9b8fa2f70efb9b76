// The streaming statistics collector: a TraceSink that builds the TraceStats of src/core/api.ts
// (format, line counts, time span, events by name, per-task counts, stage-2 faults by class and
// level, unrecognised lines grouped by reason, lost events, backwards timestamps, and the `lacks`
// sentences). Memory is bounded: name and task tables are capped, examples are a few line numbers.
import type { TraceStats, UnrecognizedGroup } from '../api';
import { noRepairs, type ReaderRepairs, type RejectReason, type RejectedLine, type SpecialLine, Stage2Op, TraceEvent, TraceFormat, TraceSink } from '../parse/types';
import { lacksOf, type TraceFacts } from './lacks';
import { decodeFaultCode, faultSourceLabel, FaultSourceTracker } from '../parse/decoders/x86Vendor';
import { traceVerdict } from '../parse/formatSniff';
import type { ReadTraceResult } from '../read/readTrace';

export interface StatsCollector extends TraceSink {
  event(ev: TraceEvent): void;
  rejected(r: RejectedLine): void;
  special(s: SpecialLine): void;
  /** The format readTrace detected (the collector cannot tell it from the events alone). */
  setFormat(format: TraceFormat): void;
  /** What readTrace said about the input as a whole: its format, a refusal, a partial read. */
  setRead(read: Pick<ReadTraceResult, 'format' | 'refused' | 'partial' | 'repairs'>): void;
  /** The statistics so far; `format` (readTrace's result) may be given here instead of setFormat. */
  result(format?: TraceFormat): TraceStats;
}

/** Distinct event names / tasks kept; the rest are counted under OTHER. */
const MAX_KEYS = 10_000;
const OTHER = '(other)';
const EXAMPLES = 5;
const MAX_LOST = 1000;
/** Groups of unrecognised lines kept apart by detail; past it, lines are grouped by reason only. */
const MAX_GROUPS = 64;
const DIGITS = /\d+/g;

/** A mutable count: hot paths keep the slot of a key and bump it without a map lookup. */
interface Slot {
  n: number;
}

class Counter {
  readonly map = new Map<string, Slot>();
  /** The slot counting `key` (created at 0; past MAX_KEYS distinct keys, OTHER's slot). */
  slot(key: string): Slot {
    const m = this.map;
    let s = m.get(key);
    if (s !== undefined) return s;
    if (m.size < MAX_KEYS) {
      s = { n: 0 };
      m.set(key, s);
      return s;
    }
    // Full: the key is never added later (the map only grows), so its slot stays OTHER's.
    s = m.get(OTHER);
    if (s === undefined) m.set(OTHER, (s = { n: 0 }));
    return s;
  }
  bump(key: string, n = 1): void {
    this.slot(key).n += n;
  }
  toObject(): Record<string, number> {
    const o: Record<string, number> = Object.create(null);
    const sorted = [...this.map].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1));
    for (const [k, s] of sorted) o[k] = s.n;
    return { ...o };
  }
}

/** `class/Ln` built once per (class, level): the collector sees every fault. */
const FAULT_KEYS = new Map<string, string[]>();

function faultKey(cls: string, level: number | undefined): string {
  if (level === undefined) return cls;
  let byLevel = FAULT_KEYS.get(cls);
  if (byLevel === undefined) FAULT_KEYS.set(cls, (byLevel = []));
  return byLevel[level] ?? (byLevel[level] = `${cls}/L${level}`);
}

/** Per pid: the task name last seen with it, its `task-pid` key and that key's counter slot. */
interface TaskEntry {
  task: string;
  key: string;
  slot: Slot;
}

export function createStatsCollector(): StatsCollector {
  let format: TraceFormat = 'unknown';
  let nEvents = 0;
  let nUnrec = 0;
  let nSpecial = 0;
  let firstTs: number | undefined;
  let lastTs: number | undefined;
  let backwards = 0;
  let crossCpuBackwards = 0;
  let latestCpu = -1;
  let truncatedEvents = 0;
  let readerRepairs: ReaderRepairs | undefined;
  const lastTsOfCpu = new Map<number, number>();
  const names = new Counter();
  const tasks = new Counter();
  const faults = new Counter();
  const faultSources = new FaultSourceTracker();
  const taskOfPid = new Map<number, TaskEntry>();
  let lastTask: TaskEntry | undefined;
  let lastPid = Number.NaN;
  let lastCpu = Number.NaN; // NaN: no event yet
  let lastCpuTs = 0;
  let lastKind = '';
  // Calls of each stage-2 operation as each kind of line sees them: a kprobe on entry, a kretprobe
  // on return, a function-tracer line, a function_graph entry. One call may show on all four, and
  // each kind sees every call it probes, so the calls of an operation are the largest of the four.
  const kprobeOps = new Map<Stage2Op, Slot>();
  const kretprobeOps = new Map<Stage2Op, Slot>();
  const functionOps = new Map<Stage2Op, Slot>();
  const funcgraphOps = new Map<Stage2Op, Slot>();
  const opReturns = new Map<Stage2Op, Slot>();
  const kinds = new Set<string>();
  const vcpus = new Map<string, number>(); // task -> vcpu, -1 when ambiguous
  const unrec = new Map<string, UnrecognizedGroup>();
  const lost: TraceStats['lostEvents'] = [];
  let lostMarkers = 0;
  let headerWrapped: { inBuffer: number; written: number } | undefined;
  let blank = 0;
  let refused: string | undefined;
  let partial: TraceStats['partial'];

  const bumpOp = (m: Map<Stage2Op, Slot>, op: Stage2Op | undefined): void => {
    if (op === undefined) return;
    const s = m.get(op);
    if (s !== undefined) s.n++;
    else m.set(op, { n: 1 });
  };
  const countsOf = (m: Map<Stage2Op, Slot>): Partial<Record<Stage2Op, number>> => {
    const o: Partial<Record<Stage2Op, number>> = {};
    for (const [k, s] of m) o[k] = s.n;
    return o;
  };
  const noteVcpu = (task: string, vcpu: number): void => {
    const v = vcpus.get(task);
    if (v === undefined) {
      if (vcpus.size < MAX_KEYS) vcpus.set(task, vcpu);
    } else if (v !== vcpu) vcpus.set(task, -1);
  };

  return {
    setFormat(f: TraceFormat): void {
      format = f;
    },
    setRead(read): void {
      format = read.format;
      refused = read.refused;
      partial = read.partial ? { ...read.partial } : undefined;
      readerRepairs = read.repairs;
    },
    event(ev: TraceEvent): void {
      nEvents++;
      const ts = ev.ts;
      if (firstTs === undefined || ts < firstTs) firstTs = ts;
      // behind the latest time seen, which another CPU printed: the file is not in time order there
      if (lastTs === undefined || ts > lastTs) {
        lastTs = ts;
        latestCpu = ev.cpu;
      } else if (ts < lastTs && ev.cpu !== latestCpu) crossCpuBackwards++;
      // Runs of one CPU are common: its last timestamp is kept aside and written back on a switch.
      const cpu = ev.cpu;
      if (cpu === lastCpu) {
        if (ts < lastCpuTs) backwards++;
      } else {
        if (!Number.isNaN(lastCpu)) lastTsOfCpu.set(lastCpu, lastCpuTs);
        const prev = lastTsOfCpu.get(cpu);
        if (prev !== undefined && ts < prev) backwards++;
        lastCpu = cpu;
      }
      lastCpuTs = ts;
      names.bump(ev.name);
      // The `task-pid` key is built once per (pid, task name), not per event.
      const pid = ev.pid;
      let te = pid === lastPid ? lastTask : taskOfPid.get(pid);
      if (te === undefined || te.task !== ev.task) {
        const key = pid >= 0 ? `${ev.task}-${pid}` : ev.task || '(no task)';
        te = { task: ev.task, key, slot: tasks.slot(key) };
        if (taskOfPid.size < MAX_KEYS || taskOfPid.has(pid)) taskOfPid.set(pid, te);
      }
      lastPid = pid;
      lastTask = te;
      te.slot.n++;
      const task = te.key;
      const d = ev.decoded;
      if (d === undefined) return;
      if (d.truncated !== undefined) truncatedEvents++;
      const kind = d.kind;
      if (kind !== lastKind) {
        kinds.add(kind);
        lastKind = kind;
      }
      switch (d.kind) {
        case 'arm64.kvm_guest_fault':
          faults.bump(faultKey(d.esrInfo.faultClass, d.esrInfo.level));
          break;
        case 'x86.kvm_exit':
          faultSources.exit(ev.pid, d.reason, d.vendor);
          break;
        case 'x86.kvm_page_fault': {
          // A present entry that forbids the access is a permission fault; which bits say so depends on
          // the vendor (EPT exit qualification vs PFERR): decoders/x86Vendor.ts
          const f = decodeFaultCode(d.errorCode, faultSources.fault(ev.pid));
          faults.bump(f.source === undefined ? 'unknown (no fault exit in the trace)' : `${faultSourceLabel(f.source)}/${f.present ? 'permission' : 'translation'}`);
          break;
        }
        case 'kvm.vcpu_index':
          // kvm_get_timer_map also runs on the VMM thread for every vCPU: ambiguity marks it -1
          noteVcpu(task, d.vcpu);
          break;
        case 'x86.kvm_entry':
          noteVcpu(task, d.vcpu);
          break;
        case 'kprobe':
          bumpOp(kprobeOps, d.op);
          break;
        case 'function':
          bumpOp(functionOps, d.op);
          break;
        case 'kretprobe':
          bumpOp(kretprobeOps, d.op);
          if (d.ret !== undefined) bumpOp(opReturns, d.op);
          break;
        case 'funcgraph':
          if (d.phase !== 'exit') bumpOp(funcgraphOps, d.op);
          if (d.retval !== undefined) bumpOp(opReturns, d.op);
          break;
        default:
          break;
      }
    },
    rejected(r: RejectedLine): void {
      nUnrec++;
      // one group per reason and detail (line numbers aside): each group says its own why
      let key = `${r.reason}\u0000${r.detail.replace(DIGITS, '#')}`;
      let g = unrec.get(key);
      if (g === undefined && unrec.size >= MAX_GROUPS) {
        key = r.reason;
        g = unrec.get(key);
      }
      if (g === undefined) {
        g = { reason: r.reason, count: 0, examples: [], detail: r.detail };
        unrec.set(key, g);
      }
      g.count++;
      if (g.examples.length < EXAMPLES) g.examples.push(r.line);
    },
    special(s: SpecialLine): void {
      nSpecial++;
      if (s.kind === 'blank') blank++;
      else if (s.kind === 'lost-events') {
        lostMarkers++;
        if (lost.length < MAX_LOST) lost.push({ cpu: s.cpu, count: s.count, line: s.line });
      } else if (s.kind === 'header' && headerWrapped === undefined) {
        const m = /entries-in-buffer\/entries-written: (\d+)\/(\d+)/.exec(s.text);
        if (m) headerWrapped = { inBuffer: Number(m[1]), written: Number(m[2]) };
      }
    },
    result(detected?: TraceFormat): TraceStats {
      if (detected !== undefined) format = detected;
      const vcpuOfTask: Record<string, number> = {};
      for (const [t, v] of vcpus) if (v >= 0) vcpuOfTask[t] = v;
      const opsObj: Partial<Record<Stage2Op, number>> = {};
      for (const m of [kprobeOps, kretprobeOps, functionOps, funcgraphOps]) for (const [op, c] of m) opsObj[op] = Math.max(opsObj[op] ?? 0, c.n);
      const retObj = countsOf(opReturns);
      const events = names.toObject();
      const rejected = new Map<RejectReason, number>();
      for (const g of unrec.values()) rejected.set(g.reason, (rejected.get(g.reason) ?? 0) + g.count);
      const notATrace = refused ?? traceVerdict({ events: nEvents, special: nSpecial - blank, rejected });
      const facts: TraceFacts = {
        events,
        kinds,
        ops: opsObj,
        opReturns: retObj,
        vcpuTasks: Object.keys(vcpuOfTask).length,
        lostMarkers,
        lostCount: lost.reduce((n, l) => n + (l.count ?? 0), 0),
        lostUnknown: lost.some((l) => l.count === undefined),
        headerWrapped,
        nEvents,
        backwards,
        crossCpuBackwards,
      };
      return {
        format,
        lines: { total: nEvents + nUnrec + nSpecial, events: nEvents, unrecognized: nUnrec, special: nSpecial },
        firstTs,
        lastTs,
        cpus: [...lastTsOfCpu.keys(), lastCpu].filter((c, i, all) => c >= 0 && all.indexOf(c) === i).length,
        events,
        perTask: tasks.toObject(),
        faultsByClassLevel: faults.toObject(),
        unrecognized: [...unrec.values()].sort((a, b) => b.count - a.count).map((g) => ({ ...g, examples: [...g.examples] })),
        lostEvents: lost.map((l) => ({ ...l })),
        timestampsBackwards: backwards,
        reader: { ...(readerRepairs ?? noRepairs()), crossCpuBackwards, truncatedEvents },
        lacks: lacksOf(facts),
        vcpuOfTask,
        ops: opsObj,
        opReturns: retObj,
        ...(notATrace !== undefined ? { notATrace } : {}),
        ...(partial ? { partial: { ...partial } } : {}),
      };
    },
  };
}

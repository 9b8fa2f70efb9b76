// An analysis as a Trace Event Format file (the JSON that the Perfetto UI and chrome://tracing
// both open: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU).
// Perfetto's protobuf is not used: no maintained encoder of its trace proto is on the npm registry,
// and the JSON format carries everything exported here.
//
// Layout (pid = a group of tracks, tid = a track):
//   pid 1 "vCPUs": one track per vCPU lane, in the analysis' lane order (vCPU index order); faults
//     are complete slices from their kvm_exit to the vCPU's next kvm_entry, findings are instant
//     events on the same track named by their code and carrying class, IPA, line and message.
//   pid 2 "host": host actions and trace markers as instants, break-before-make windows as slices
//     (on as many window tracks as overlap needs, so slices on one track never partly overlap),
//     and two counter tracks: cumulative CMO bytes (D-cache clean, I-cache invalidate) and
//     the cumulative TLB invalidations of the timeline's TLBI marks, in time order.
// The writer streams: events are written in batches through `write`, awaiting it (backpressure),
// so a multi-GB trace exports with the memory the analysis already holds plus one batch.
import type { Analysis } from '../api';
import type { Finding, FindingClass } from '../domain/types';
import { isRedundantCmoClass, isSpuriousClass } from '../query/binClasses';
import { MARK_CLASSES, MARK_KINDS, type MarkStore } from '../marks/markStore';

export interface TraceEventExportCounts {
  /** Instant events per finding class (one per mark that carries the class). */
  findingsByClass: Record<string, number>;
  /**
   * Findings of a class the analysis counted but could neither place on a timeline mark nor keep
   * (beyond the per-class listing cap, src/core/replay/findingSink.ts): said in the export, not drawn.
   */
  notExported: Record<string, number>;
  faultSlices: number;
  windowSlices: number;
  counterEvents: number;
  events: number;
}

export interface TraceEventExportOptions {
  /** Shown as the trace's title in otherData. */
  source?: string;
  /** Characters per write (the last one may be shorter). */
  batchChars?: number;
}

const VCPU_PID = 1;
const HOST_PID = 2;
const HOST_TID = { actions: 1, markers: 2, cmo: 3, tlbi: 4, windowBase: 10 } as const;
const KIND = Object.fromEntries(MARK_KINDS.map((k, i) => [k, i])) as Record<(typeof MARK_KINDS)[number], number>;

/**
 * chrome://tracing's reserved colour names (Perfetto colours by name and ignores these), by the
 * timeline's own class groups: spurious faults, redundant CMOs, the rest (by design, host, pinned).
 */
function colourOf(cls: FindingClass): string {
  if (isSpuriousClass(cls)) return 'terrible';
  if (isRedundantCmoClass(cls)) return 'olive';
  return 'grey';
}

/** ns -> the format's microseconds (a double keeps ns resolution up to about 100 days of uptime). */
function us(ns: number): number {
  return Math.round(ns) / 1000;
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/** Assigns slices to the first track whose last slice ended at or before this one's start. */
class TrackAllocator {
  private readonly ends: number[] = [];
  take(start: number, end: number): number {
    let i = this.ends.findIndex((e) => e <= start);
    if (i < 0) {
      i = this.ends.length;
      this.ends.push(end);
    } else this.ends[i] = end;
    return i;
  }
  get count(): number {
    return this.ends.length;
  }
}

/** Mark indices of the given kinds, sorted by time (stable), for time-ordered counters. */
function indicesByTime(marks: MarkStore, kinds: Set<number>): Uint32Array {
  let n = 0;
  for (let i = 0; i < marks.length; i++) if (kinds.has(marks.kindAt(i))) n++;
  const out = new Uint32Array(n);
  let j = 0;
  for (let i = 0; i < marks.length; i++) if (kinds.has(marks.kindAt(i))) out[j++] = i;
  // Typed-array sort with a comparator is stable in V8; ties keep append order.
  return out.sort((a, b) => marks.tsAt(a) - marks.tsAt(b) || a - b);
}

export async function writeTraceEvents(
  analysis: Analysis,
  write: (chunk: string) => void | Promise<void>,
  opts: TraceEventExportOptions = {},
): Promise<TraceEventExportCounts> {
  const marks = analysis.marks;
  const batchChars = opts.batchChars ?? 1 << 16;
  const counts: TraceEventExportCounts = { findingsByClass: {}, notExported: {}, faultSlices: 0, windowSlices: 0, counterEvents: 0, events: 0 };
  let buf = '';
  let first = true;
  const emit = async (ev: Record<string, unknown>): Promise<void> => {
    buf += (first ? '\n' : ',\n') + JSON.stringify(ev);
    first = false;
    counts.events++;
    if (buf.length >= batchChars) {
      const chunk = buf;
      buf = '';
      await write(chunk);
    }
  };

  const header = {
    displayTimeUnit: 'ns',
    otherData: {
      producer: 'stage2-lens',
      source: opts.source ?? '',
      arch: analysis.arch,
      // What the replay assumed, so a reader of the export knows what the findings rest on.
      model: analysis.config,
      detected: analysis.detected,
    },
  };
  await write(JSON.stringify(header).slice(0, -1) + ',"traceEvents":[');

  // Tracks: vCPU lanes first, in the analysis' order; lanes the marks use but the list lacks after.
  const tidOfLane = new Map<string, number>();
  const laneTid = (name: string): number => {
    let tid = tidOfLane.get(name);
    if (tid === undefined) {
      tid = tidOfLane.size + 1;
      tidOfLane.set(name, tid);
    }
    return tid;
  };
  const labelOf = new Map(analysis.lanes.map((l) => [l.id, l.label]));
  const laneOfLabel = new Map(analysis.lanes.map((l) => [l.label, l.id]));
  for (const l of analysis.lanes) if (l.id !== 'host') laneTid(l.id);
  for (let id = 0; id < marks.laneCount; id++) if (marks.laneName(id) !== 'host') laneTid(marks.laneName(id));

  await emit({ ph: 'M', name: 'process_name', pid: VCPU_PID, tid: 0, args: { name: 'vCPUs' } });
  await emit({ ph: 'M', name: 'process_sort_index', pid: VCPU_PID, tid: 0, args: { sort_index: 0 } });
  await emit({ ph: 'M', name: 'process_name', pid: HOST_PID, tid: 0, args: { name: 'host' } });
  await emit({ ph: 'M', name: 'process_sort_index', pid: HOST_PID, tid: 0, args: { sort_index: 1 } });
  for (const [lane, tid] of tidOfLane) {
    await emit({ ph: 'M', name: 'thread_name', pid: VCPU_PID, tid, args: { name: labelOf.get(lane) ?? lane } });
    await emit({ ph: 'M', name: 'thread_sort_index', pid: VCPU_PID, tid, args: { sort_index: tid } });
  }
  for (const [name, tid] of [['host actions', HOST_TID.actions], ['trace markers', HOST_TID.markers]] as const) {
    await emit({ ph: 'M', name: 'thread_name', pid: HOST_PID, tid, args: { name } });
  }

  // Findings the analysis kept in full (they are capped per class; marks are not): their messages.
  const findingAt = new Map<string, Finding>();
  for (const f of analysis.findings) findingAt.set(`${f.line}:${f.cls}`, f);

  const windows = new TrackAllocator();
  const windowTracks = new Set<number>();
  // Faults on one vCPU do not overlap (exit to the next entry); if a replay ever produced two that
  // do, the second goes to an overflow track rather than breaking the nesting of the first.
  const faultEnd = new Map<number, number>();
  for (let i = 0; i < marks.length; i++) {
    const kind = marks.kindAt(i);
    const ts = marks.tsAt(i);
    const end = marks.endAt(i);
    const line = marks.lineAt(i);
    const clsCode = marks.clsAt(i);
    const cls = clsCode ? MARK_CLASSES[clsCode - 1] : undefined;
    const ipa = marks.ipaAt(i);
    const size = marks.sizeAt(i);
    const label = marks.labelAt(i);
    const laneName = marks.laneName(marks.laneAt(i));
    const onHost = laneName === 'host';
    const common: Record<string, unknown> = { line };
    if (Number.isFinite(ipa)) common.ipa = hex(ipa);
    if (Number.isFinite(size)) common.size = size;
    if (label !== undefined) common.label = label;

    if (kind === KIND.window) {
      const stop = Number.isFinite(end) ? Math.max(end, ts) : ts;
      const track = windows.take(ts, stop);
      windowTracks.add(track);
      await emit({ ph: 'X', name: 'break-before-make window', cat: 'window', pid: HOST_PID, tid: HOST_TID.windowBase + track, ts: us(ts), dur: us(stop - ts), args: { ...common, owner: labelOf.get(laneName) ?? laneName } });
      counts.windowSlices++;
    } else if (kind === KIND.fault && !onHost) {
      let tid = laneTid(laneName);
      if (Number.isFinite(end) && end >= ts) {
        if ((faultEnd.get(tid) ?? -Infinity) > ts) tid = laneTid(`${laneName} (overlapping)`);
        faultEnd.set(tid, end);
        await emit({ ph: 'X', name: cls ? `fault ${cls}` : 'stage-2 fault', cat: 'fault', pid: VCPU_PID, tid, ts: us(ts), dur: us(end - ts), args: common });
        counts.faultSlices++;
      } else {
        await emit({ ph: 'i', s: 't', name: cls ? `fault ${cls}` : 'stage-2 fault', cat: 'fault', pid: VCPU_PID, tid, ts: us(ts), args: common });
      }
    } else if (kind === KIND.marker) {
      await emit({ ph: 'i', s: 'g', name: label ?? 'marker', cat: 'marker', pid: HOST_PID, tid: HOST_TID.markers, ts: us(ts), args: { line } });
    } else if (kind !== KIND.cmo && kind !== KIND.tlbi) {
      // host actions, splits and coalesces: instants on the lane that did them
      const where = onHost ? { pid: HOST_PID, tid: HOST_TID.actions } : { pid: VCPU_PID, tid: laneTid(laneName) };
      await emit({ ph: 'i', s: 't', name: label ?? MARK_KINDS[kind], cat: MARK_KINDS[kind], ...where, ts: us(ts), args: common });
    }

    if (cls) {
      const key = `${line}:${cls}`;
      const f = findingAt.get(key);
      findingAt.delete(key);
      const where = onHost ? { pid: HOST_PID, tid: HOST_TID.actions } : { pid: VCPU_PID, tid: laneTid(laneName) };
      await emit({
        ph: 'i', s: 't', name: f?.code ?? cls, cat: 'finding', cname: colourOf(cls), ...where, ts: us(ts),
        args: { class: cls, ...common, message: f?.message ?? `${cls} finding (its text was not kept: the analysis keeps a capped number of findings per class)`, related: f?.related.map((r) => r.line) ?? [] },
      });
      counts.findingsByClass[cls] = (counts.findingsByClass[cls] ?? 0) + 1;
    }
  }
  // Findings with no timeline mark of their class (x86 fast-path failures, for one): from the finding.
  for (const f of findingAt.values()) {
    const lane = laneOfLabel.get(f.vcpu) ?? f.vcpu;
    const where = tidOfLane.has(lane) ? { pid: VCPU_PID, tid: laneTid(lane) } : { pid: HOST_PID, tid: HOST_TID.actions };
    const args: Record<string, unknown> = { class: f.cls, line: f.line, message: f.message, related: f.related.map((r) => r.line) };
    if (f.ipa) Object.assign(args, { ipa: hex(f.ipa.start), size: f.ipa.size });
    await emit({ ph: 'i', s: 't', name: f.code, cat: 'finding', cname: colourOf(f.cls), ...where, ts: us(f.ts), args });
    counts.findingsByClass[f.cls] = (counts.findingsByClass[f.cls] ?? 0) + 1;
  }
  for (const [cls, n] of Object.entries(analysis.counters.faults.byClass)) {
    const missing = (n ?? 0) - (counts.findingsByClass[cls] ?? 0);
    if (missing > 0) counts.notExported[cls] = missing;
  }
  if (Object.keys(counts.notExported).length) {
    const lastTs = analysis.stats.lastTs ?? 0;
    await emit({
      ph: 'i', s: 'g', name: 'findings not in the export', cat: 'analysis', pid: HOST_PID, tid: HOST_TID.actions, ts: us(lastTs),
      args: { notExported: { ...counts.notExported }, why: 'counted by the analysis, beyond the findings it keeps per class, and not on a timeline mark of their class' },
    });
  }
  for (const track of [...windowTracks].sort((a, b) => a - b)) {
    await emit({ ph: 'M', name: 'thread_name', pid: HOST_PID, tid: HOST_TID.windowBase + track, args: { name: track === 0 ? 'break-before-make windows' : `break-before-make windows (${track + 1})` } });
  }

  // Counters, cumulative and in time order.
  const cmoTlbi = indicesByTime(marks, new Set([KIND.cmo, KIND.tlbi]));
  if (cmoTlbi.length) {
    await emit({ ph: 'M', name: 'thread_name', pid: HOST_PID, tid: HOST_TID.cmo, args: { name: 'CMO bytes' } });
    await emit({ ph: 'M', name: 'thread_name', pid: HOST_PID, tid: HOST_TID.tlbi, args: { name: 'TLB invalidations' } });
  }
  const cmo: Record<string, number> = {};
  const tlbi: Record<string, number> = {};
  for (const i of cmoTlbi) {
    const label = marks.labelAt(i) ?? '';
    if (marks.kindAt(i) === KIND.cmo) {
      const size = marks.sizeAt(i);
      if (!Number.isFinite(size)) continue; // a set/way flush has no byte count
      const key = label.startsWith('I-cache') ? 'I-cache invalidate' : 'D-cache clean';
      cmo[key] = (cmo[key] ?? 0) + size;
      await emit({ ph: 'C', name: 'CMO bytes', pid: HOST_PID, tid: HOST_TID.cmo, ts: us(marks.tsAt(i)), args: { ...cmo } });
    } else {
      // Labels are `<n> TLBI`: the invalidations of one split, coalesce or range flush.
      const n = Number(/^(\d+) /.exec(label)?.[1] ?? 1);
      tlbi.count = (tlbi.count ?? 0) + n;
      await emit({ ph: 'C', name: 'TLB invalidations', pid: HOST_PID, tid: HOST_TID.tlbi, ts: us(marks.tsAt(i)), args: { ...tlbi } });
    }
    counts.counterEvents++;
  }
  await write(buf + '\n]}\n');
  return counts;
}

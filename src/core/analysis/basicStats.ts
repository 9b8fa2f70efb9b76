// A small trace-statistics collector with a `finish(format)` API (kept for callers written
// against it, e.g. the coverage tests); the facade uses the full collector in src/core/stats.
// Counts lines, events by name, tasks, fault kinds and lost events, with bounded memory.
import type { TraceStats } from '../api';
import type { RejectedLine, SpecialLine, TraceEvent, TraceFormat } from '../parse/types';

export interface BasicStatsCollector {
  event(ev: TraceEvent): void;
  rejected(r: RejectedLine): void;
  special(s: SpecialLine): void;
  finish(format: TraceFormat): TraceStats;
}

const MAX_KEYS = 10_000;

export function createBasicStats(): BasicStatsCollector {
  const events: Record<string, number> = {};
  const perTask: Record<string, number> = {};
  const faultsByClassLevel: Record<string, number> = {};
  const unrec = new Map<string, { count: number; examples: number[]; detail: string }>();
  const lostEvents: TraceStats['lostEvents'] = [];
  let total = 0;
  let nEvents = 0;
  let nUnrec = 0;
  let nSpecial = 0;
  let firstTs: number | undefined;
  let lastTs: number | undefined;
  let backwards = 0;
  let nKeys = 0;
  const bump = (o: Record<string, number>, k: string): void => {
    if (o[k] === undefined) {
      if (nKeys >= MAX_KEYS) return;
      nKeys++;
      o[k] = 0;
    }
    o[k]++;
  };
  return {
    event(ev) {
      nEvents++;
      total = Math.max(total, ev.line);
      if (firstTs === undefined) firstTs = ev.ts;
      if (lastTs !== undefined && ev.ts < lastTs) backwards++;
      lastTs = lastTs === undefined ? ev.ts : Math.max(lastTs, ev.ts);
      bump(events, ev.name);
      bump(perTask, `${ev.task}-${ev.pid}`);
      const d = ev.decoded;
      if (d?.kind === 'arm64.kvm_guest_fault') bump(faultsByClassLevel, `${d.esrInfo.faultClass}/L${d.esrInfo.level ?? '?'}`);
    },
    rejected(r) {
      nUnrec++;
      total = Math.max(total, r.line);
      let g = unrec.get(r.reason);
      if (!g) unrec.set(r.reason, (g = { count: 0, examples: [], detail: r.detail }));
      g.count++;
      if (g.examples.length < 5) g.examples.push(r.line);
    },
    special(s) {
      nSpecial++;
      total = Math.max(total, s.line);
      if (s.kind === 'lost-events') lostEvents.push({ cpu: s.cpu, count: s.count, line: s.line });
    },
    finish(format) {
      const lacks: string[] = [];
      if (!events.kvm_guest_fault) lacks.push('no kvm_guest_fault events: stage-2 faults cannot be replayed');
      if (!events.kvm_entry) lacks.push('no kvm_entry events: the vCPU time of each fault is unknown');
      return {
        format,
        lines: { total, events: nEvents, unrecognized: nUnrec, special: nSpecial },
        firstTs,
        lastTs,
        events,
        perTask,
        faultsByClassLevel,
        unrecognized: [...unrec.entries()].map(([reason, g]) => ({ reason: reason as RejectedLine['reason'], count: g.count, examples: g.examples, detail: g.detail })),
        lostEvents,
        timestampsBackwards: backwards,
        lacks,
      };
    },
  };
}

// What a trace shows about how it was recorded, gathered from its event stream for the coverage
// report (src/core/analysis/coverage.ts): the stage-2 operations its probes and function-tracer
// lines cover, the recording script's marker lines (which probes and events were enabled, the
// host's KVM mode, CPU features, x86 MMU parameters) and the VHE/nVHE signature of
// kvm_get_timer_map. Feed it every event (`collector.event(ev)`); it keeps only counters.
import type { Stage2Op, TraceEvent } from '../parse/types';
import { stage2OpOf } from '../parse/stage2Symbols';
import { parseRecordingMarker } from './markers';

export interface DeclaredProbe {
  name: string;
  symbol: string;
  op: Stage2Op | undefined;
  withArgs: boolean;
}

export interface CoverageEvidence {
  /** Entry-side hits per stage-2 op (kprobes, function tracer, function_graph entries). */
  ops: Partial<Record<Stage2Op, number>>;
  /** Return-side hits per op (kretprobes, function_graph exits with a return value). */
  opReturns: Partial<Record<Stage2Op, number>>;
  /** Present when the trace carries a Stage-2 Lens recording script's markers. */
  recording: RecordingManifest | undefined;
  /** kvm_get_timer_map lines with the VHE (`dp: 0 ... ep: -1`) and nVHE (`dp: -1 ... ep: 0`) pattern. */
  timerMap: { vhe: number; nvhe: number };
}

export interface RecordingManifest {
  /** Fields of `recording begin` (arch, mode, host-mode, kernel, tool, probes, buffer-kb). */
  begin: Record<string, string>;
  /** `kvm:kvm_exit` etc. as enabled by the script (`kvmmmu:*` for a whole system). */
  events: string[];
  probes: DeclaredProbe[];
  missing: { name: string; symbols: string[]; reason: string }[];
  params: Record<string, string>;
  cpuFeatures: Record<string, string>;
  phases: string[];
  ended: boolean;
}

export interface CoverageCollector {
  event(ev: TraceEvent): void;
  evidence(): CoverageEvidence;
}

const MAX_PHASES = 1000;
const MAX_PROBES = 256;

function emptyManifest(): RecordingManifest {
  return { begin: {}, events: [], probes: [], missing: [], params: {}, cpuFeatures: {}, phases: [], ended: false };
}

function bump(map: Partial<Record<Stage2Op, number>>, op: Stage2Op | undefined): void {
  if (op !== undefined) map[op] = (map[op] ?? 0) + 1;
}

export function createCoverageCollector(): CoverageCollector {
  const ops: Partial<Record<Stage2Op, number>> = {};
  const opReturns: Partial<Record<Stage2Op, number>> = {};
  const timerMap = { vhe: 0, nvhe: 0 };
  let recording: RecordingManifest | undefined;

  function onMarker(text: string): void {
    const m = parseRecordingMarker(text);
    if (!m) return;
    const r = (recording ??= emptyManifest());
    switch (m.kind) {
      case 'begin':
        r.begin = m.fields;
        break;
      case 'events':
        for (const e of m.events) if (!r.events.includes(e)) r.events.push(e);
        break;
      case 'probe':
        if (r.probes.length < MAX_PROBES && !r.probes.some((p) => p.name === m.name)) {
          r.probes.push({ name: m.name, symbol: m.symbol, op: stage2OpOf(m.symbol), withArgs: m.withArgs });
        }
        break;
      case 'missing':
        if (r.missing.length < MAX_PROBES) r.missing.push({ name: m.name, symbols: m.symbols.filter((s) => s !== '-'), reason: m.reason });
        break;
      case 'params':
        Object.assign(r.params, m.fields);
        break;
      case 'cpu-features':
        Object.assign(r.cpuFeatures, m.fields);
        break;
      case 'phase':
        if (r.phases.length < MAX_PHASES) r.phases.push(m.name);
        break;
      case 'end':
        r.ended = true;
        break;
    }
  }

  return {
    event(ev) {
      const d = ev.decoded;
      if (d) {
        switch (d.kind) {
          case 'kprobe':
            bump(ops, d.op);
            return;
          case 'kretprobe':
            bump(opReturns, d.op);
            return;
          case 'function':
            bump(ops, d.op);
            return;
          case 'funcgraph':
            if (d.phase === 'exit' && d.retval !== undefined) bump(opReturns, d.op);
            else if (d.phase !== 'comment') bump(ops, d.op);
            return;
          case 'marker':
            onMarker(d.text);
            return;
          default:
            break;
        }
      }
      if (ev.name === 'kvm_get_timer_map') {
        // `VCPU: 0, dv: 1, dp: 0, ev: -1, ep: -1` (VHE) vs `..., dp: -1, ev: -1, ep: 0` (nVHE)
        const dp = /\bdp: (-?\d+)/.exec(ev.payload);
        if (dp) {
          if (dp[1] === '-1') timerMap.nvhe++;
          else timerMap.vhe++;
        }
      }
    },
    evidence() {
      return { ops: { ...ops }, opReturns: { ...opReturns }, recording, timerMap: { ...timerMap } };
    },
  };
}

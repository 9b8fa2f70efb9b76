// The contract between the facade and an architecture's replay: events in (in trace order),
// findings, counters, marks and a state query out. arm64 (src/core/replay/arm64*) and x86
// (src/core/replay/x86/) implement it; the facade picks one from the events it sees.
import type { CoverageItem, EntryState } from '../domain/types';
import type { Counters, Finding, FindingClass, ModelConfig } from '../domain/types';
import type { MarkStore } from '../marks/markStore';
import type { SpecialLine, TraceEvent } from '../parse/types';
import type { InternalErrors } from './replayErrors';

export interface ReplayOutput {
  findings: Finding[];
  counters: Counters;
  /** Timeline marks in the order the replay made them (not sorted by time). */
  marks: MarkStore;
  lanes: { id: string; label: string }[];
  /** How auto configuration values were resolved, in plain words. */
  detected: string[];
  /** The configuration as replayed (auto values resolved). */
  config: ModelConfig;
  /** Analyses this replay could support, from what it saw (merged with trace-level coverage). */
  coverage?: CoverageItem[];
  stateAt(line: number, ipa: number): EntryState | undefined;
  /** Fault counts per segment between trace markers (per pass), as this replay sees them. */
  phases?: Phase[];
  /** Faults of the trace that this (what-if) replay says would not happen, with their vCPU time. */
  avoidedFaults?: { line: number; costNs: number; cls?: string }[];
  /** Break-before-make windows this replay opened (ts/endTs in ns). */
  windows?: WindowRecord[];
  /** Events the replay skipped because handling them threw (a replay bug, or an inconsistent trace). */
  internalErrors?: InternalErrors;
}

export interface Phase {
  label: string;
  line: number;
  faults: number;
  faultsByKindLevel: Record<string, number>;
  byClass: Record<string, number>;
}

export interface WindowRecord {
  kind: 'split' | 'coalesce' | 'replace';
  owner: string;
  ipa: number;
  size: number;
  level: number;
  ts: number;
  endTs: number | undefined;
  line: number;
  observed: boolean;
  /** Faults of other vCPUs attributed to this window (S2). */
  faults: number;
  costNs: number;
}

export interface Replayer {
  event(ev: TraceEvent): void;
  special?(s: SpecialLine): void;
  finish(): ReplayOutput;
  /** Findings so far (labels may still change), for early diagnostics on big traces. */
  peekFindings?(): Finding[];
  /** The classes found so far (counted, listed or not), without copying findings: polled at every progress report. */
  findingClasses?(): Iterable<FindingClass>;
}

export function emptyCounters(): Counters {
  return {
    faults: { total: 0, byClass: {}, byKindLevel: {}, perVcpu: {} },
    cmo: { dcacheCleanBytes: 0, icacheInvalBytes: 0, redundantBytesByClass: {}, calls: 0 },
    tlbi: { ipa: 0, ipaNsh: 0, range: 0, vmid: 0 },
    splits: { fault: 0, eager: 0 },
    splitCosts: { tablePages: 0, splitNsByBlockSize: {}, eagerChunks: 0, timedEager: { chunks: 0, blocks: 0, ns: 0 } },
    coalesces: 0,
    invalidWindows: { count: 0, totalNs: 0, untimed: 0 },
    costNsByClass: {},
  };
}

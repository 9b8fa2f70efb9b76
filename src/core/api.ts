// The contract of the engine's facade (`createAnalyzer` in src/core/index.ts): bytes in, plain
// data out. The CLI, the language server and the tests call only this. No I/O happens in core:
// callers hand in a ByteSource (an async iterable of chunks, e.g. fs.createReadStream).

import type { Arch, Counters, Finding, FindingClass, ModelConfig } from './domain/types';
import type { MarkStore } from './marks/markStore';
import type { ByteSource, ReaderRepairs, RejectReason, Stage2Op, TraceFormat } from './parse/types';
import type { CoverageItem, EntryState } from './domain/types';

export type { ByteSource, CoverageItem, EntryState };

export interface AnalyzeOptions {
  config?: Partial<ModelConfig>;
  signal?: AbortSignal;
  /** Called every few MB with the bytes consumed so far (compressed bytes for .gz/.dat). */
  onProgress?(bytesRead: number): void;
  /** Called once early (after the first few MB) with what is known so far: lets an editor show first diagnostics fast. */
  onEarlyFindings?(findings: Finding[]): void;
  /**
   * Called with each progress report, once the architecture is known, with the finding classes the
   * first configuration's replay has found so far (when its replay can tell without copying its
   * findings: arm64): lets the CLI start the lever check's what-if replays before the read ends.
   */
  onFindingClasses?(classes: Iterable<FindingClass>, arch: Arch): void;
  /**
   * Reopen the same input for bytes [start, end) (end exclusive): a trace.dat is then read one
   * CPU range at a time with bounded memory; without it its compressed trace data is buffered.
   */
  openRange?(start: number, end?: number): ByteSource;
  /** False when the source is a pipe: a trace.dat is then refused (it needs ranges of a file) instead of buffered whole. */
  seekable?: boolean;
}

export interface UnrecognizedGroup {
  reason: RejectReason;
  count: number;
  /** Line numbers of the first few examples. */
  examples: number[];
  detail: string;
}

export interface TraceStats {
  format: TraceFormat;
  lines: { total: number; events: number; unrecognized: number; special: number };
  firstTs: number | undefined;
  lastTs: number | undefined;
  /** Distinct CPU numbers in the trace's CPU column. */
  cpus?: number;
  events: Record<string, number>;
  perTask: Record<string, number>;
  /** `translation/L3` etc. for stage-2 aborts. */
  faultsByClassLevel: Record<string, number>;
  unrecognized: UnrecognizedGroup[];
  lostEvents: { cpu: number; count: number | undefined; line: number }[];
  timestampsBackwards: number;
  /** What the reader repaired (wrapped, quoted, encoded pastes) or could not trust (truncated events, cross-CPU order). */
  reader?: ReaderRepairs;
  /** Plain sentences: what the trace lacks for the stage-2 analyses. */
  lacks: string[];
  /** Task (`comm-pid`) -> vCPU index, when the trace reveals it (kvm_timer_update_irq, x86 `vcpu N`). */
  vcpuOfTask?: Record<string, number>;
  /**
   * Calls of each stage-2 operation seen, by probed symbol: the largest of its kprobe, kretprobe,
   * function-tracer and function_graph-entry line counts (one call may show on each kind of line).
   */
  ops?: Partial<Record<Stage2Op, number>>;
  /** Stage-2 operations whose return value is seen (kretprobes, funcgraph-retval). */
  opReturns?: Partial<Record<Stage2Op, number>>;
  /** Set when the input is not a trace (src/core/parse/formatSniff.ts): why. The CLI exits 3 with it. */
  notATrace?: string;
  /**
   * Set when the input ended early or is damaged (a cut or corrupt .gz, a trace.dat whose data
   * stops, lines holding NUL bytes): `reason` says what and what the statistics cover; `offset` is
   * the first damaged byte (of the file for .gz and trace.dat, of the text for NUL lines).
   */
  partial?: { offset: number; reason: string };
}

export interface Analysis {
  arch: Arch;
  /** The configuration actually replayed (auto values resolved from the trace). */
  config: ModelConfig;
  /** How each auto value was decided, e.g. `kernel: 6.5+ (clean_dcache_guest_page only after a successful map)`. */
  detected: string[];
  stats: TraceStats;
  findings: Finding[];
  counters: Counters;
  coverage: CoverageItem[];
  /** vCPU lanes in display order, with labels (`vCPU 0 (kvmtest-306)`), plus `host`. */
  lanes: { id: string; label: string }[];
  /** Timeline marks, by column, in the order the replay made them (the query layer sorts what it needs). */
  marks: MarkStore;
  /** Model state for an IPA as of a trace line (undefined when the trace never touched it). */
  stateAt(line: number, ipa: number): EntryState | undefined;
  /** Fault counts per segment between trace markers (one per pass in the shared recordings). */
  phases?: import('./replay/replayer').Phase[];
  /** Faults of the trace this (what-if) replay says would not happen, with their vCPU time. */
  avoidedFaults?: { line: number; costNs: number; cls?: string }[];
  /** Events the replay skipped because handling them threw; undefined when none did. */
  internalErrors?: import('./replay/replayErrors').InternalErrors;
  /** Break-before-make windows of this replay. */
  windows?: import('./replay/replayer').WindowRecord[];
  /** Who held kvm->mmu_lock and which vCPU faults waited (src/core/lock/mmuLock.ts). */
  mmuLock?: import('./lock/mmuLock').MmuLockReport;
  /** x86 only: per-marker pass tallies, the eager-split summary and fast-path failure causes. */
  x86?: import('./replay/x86/types').X86Details;
}

/** Difference between two replays of the same trace (what-if). */
export interface Comparison {
  a: ModelConfig;
  b: ModelConfig;
  faults: { a: number; b: number; byClass: Record<string, { a: number; b: number }> };
  cmoBytes: { a: number; b: number };
  tlbi: { a: number; b: number };
  invalidWindows: { a: number; b: number; nsA: number; nsB: number };
  vcpuTimeSavedNs: number;
  perVcpu: Record<string, { a: number; b: number }>;
  /** Faults per 2 MiB IPA region in A and B (regions where they differ). */
  perRegion?: Record<string, { a: number; b: number }>;
  /** Lines of A's findings that B avoids (for ghosting in the timeline). */
  avoidedLines: number[];
  /** What B assumes relative to A (src/core/catalog/assumptions.ts): printed with every comparison. */
  assumptions: string[];
  /** What B's change costs (page-table pages, time split, lock hold, hardware risks) and the net of savings against costs. */
  costs: string[];
  summary: string[];
}

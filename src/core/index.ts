// The engine's facade: `createAnalyzer()` reads a trace once and feeds one or more replays (the
// observed configuration and any what-if configurations), picking the arm64 or x86 replay from the
// first architecture-specific kvm event. `--tracepoints-only` and `--ignore-event` filters are
// applied here, per replay, before events reach a replayer. `compare` diffs two analyses.
import type { AnalyzeOptions, Analysis, ByteSource, Comparison, CoverageItem, TraceStats } from './api';
import type { Arch, ModelConfig } from './domain/types';
import type { RejectedLine, SpecialLine, TraceEvent, TraceSink } from './parse/types';
import { readTrace, type ReadTraceResult } from './read/readTrace';
import { readTextInTimeOrder, TimeRunTracker } from './read/timeOrder';
import { ReplayLineOrder } from './replay/lineOrder';
import { outOfTimeOrder } from './stats/lacks';
import { plural } from './util/plural';
import { archDetectionLine, archOfEvent } from './parse/archEvidence';
import { computeCoverage, createCoverageCollector } from './analysis/coverage';
import { createStatsCollector } from './stats/statsCollector';
import { createMmuLockCollector } from './lock/mmuLock';
import { withLockWaits } from './lock/lockFindings';
import { compareAnalyses } from './analysis/compare';
import { leverPresets, leverResults, type LeverResult, type LeverWhatIf } from './analysis/verdicts';
import { presetByName } from './catalog/presets';
import { ignoredEventNames, isWhatIf, normalizeConfig } from './model/modelConfig';
import { createArm64Replayer } from './replay/arm64/arm64Replayer';
import { createX86Replayer, type X86ReplayOutput } from './replay/x86/x86Replayer';
import type { Replayer, ReplayOutput } from './replay/replayer';
import type { RecordingManifest } from './record/traceEvidence';

export * from './api';
export * from './domain/types';
export { MarkStore, MARK_KINDS, MARK_CLASSES } from './marks/markStore';
export { verdicts, leverPresets, leverPresetsOf, leverResults, type LeverResult, type LeverWhatIf, type Verdicts } from './analysis/verdicts';
export { normalizeConfig, defaultConfig, validateConfig, parseSize } from './model/modelConfig';
export * from './catalog/index';

// What the adapters (src/cli, src/server) need beyond analyze/compare. They import nothing from core
// but this file (eslint.config.mjs `no-restricted-imports`, test/unit/architecture.test.ts).
export type { TraceEvent, TraceSink, TraceFormat, Decoded, DecodedKind, EsrInfo, RejectedLine, SpecialLine, Stage2Op } from './parse/types';
export { decodeEsr } from './parse/esr';
export { BYTE_SNIFF_BYTES, DAT_NEEDS_FILE, FORMAT_LABELS, partialSentence, sniffBytes } from './parse/formatSniff';
export { readTrace, type ReadTraceOptions, type ReadTraceResult } from './read/readTrace';
export { renderTraceDat } from './tracedat/index';
export { reportJson, comparisonJson } from './report/reportJson';
export { reportMarkdown, comparisonMarkdown } from './report/reportMarkdown';
export { reportSarif } from './report/reportSarif';
export { reportText, comparisonText } from './report/reportText';
export { TimelineQuery, countMarksInRange } from './query';
export { writeTraceEvents } from './export/traceEventFormat';
export { generateRecordingScript, type RecordingScriptOptions } from './record/index';
export { diffRecordings } from './diff/recordingDiff';
export { diffJson, diffMarkdown, diffText } from './diff/diffReport';
export { reportByFormat, REPORT_FORMATS, type ReportFormatName, type ReportByFormatOptions } from './report/byFormat';
export { readStats, type TraceStatsRead } from './stats/readStats';

export interface Analyzer {
  analyze(source: ByteSource, opts?: AnalyzeOptions): Promise<Analysis>;
  /** One read of the trace, several replays (what-if): results in the order of `configs`. */
  analyzeMany(source: ByteSource, configs: Partial<ModelConfig>[], opts?: AnalyzeOptions): Promise<Analysis[]>;
  compare(a: Analysis, b: Analysis): Comparison;
  /**
   * What the levers that exist remove on this trace: one more read of it, replayed with the preset
   * of each checkable lever of the classes `a` has (src/core/analysis/verdicts.ts). [] when no such
   * lever applies (nothing is read then).
   */
  checkLevers(source: () => Promise<ByteSource>, a: Analysis, opts?: AnalyzeOptions): Promise<LeverResult[]>;
}

const PROBE_KINDS = new Set(['kprobe', 'kretprobe', 'function', 'funcgraph']);
/** Events held back while the architecture is still unknown (then replayed in order). */
const MAX_BUFFERED = 200_000;
/** onEarlyFindings fires once this many bytes have been read (the reader reports progress every 4 MiB). */
const EARLY_FINDINGS_BYTES = 4 * 1024 * 1024;


class Lane {
  replayer: Replayer | undefined;
  readonly ignore: Set<string>;
  /** Whether accepts() can say no: without filters every event goes straight to the replayer. */
  readonly filtering: boolean;
  constructor(readonly config: ModelConfig) {
    this.ignore = ignoredEventNames(config);
    this.filtering = this.ignore.size > 0 || config.tracepointsOnly;
  }
  accepts(ev: TraceEvent): boolean {
    if (this.ignore.size && this.ignore.has(ev.name)) return false;
    if (this.config.tracepointsOnly && ev.decoded && PROBE_KINDS.has(ev.decoded.kind)) return false;
    if (this.config.tracepointsOnly && !ev.decoded && (ev.name === 'function' || ev.payload.startsWith('('))) return false;
    return true;
  }
  start(arch: Arch, recording: () => RecordingManifest | undefined): void {
    const c = { ...this.config, arch };
    this.replayer = arch === 'x86' ? createX86Replayer(c) : createArm64Replayer(c, { whatIf: isWhatIf(c), recording });
  }
}

function mergeCoverage(trace: CoverageItem[], replay: CoverageItem[] | undefined): CoverageItem[] {
  const out = new Map<string, CoverageItem>();
  for (const c of trace) out.set(c.analysis, c);
  const rank = { none: 0, inferred: 1, observed: 2 };
  for (const c of replay ?? []) {
    const prev = out.get(c.analysis);
    if (!prev || rank[c.support] > rank[prev.support]) out.set(c.analysis, c);
  }
  return [...out.values()];
}

/** One read of a trace into its events' sink: the file as it is, or its stretches merged in time order. */
type Read = (sink: TraceSink, onProgress: (bytes: number) => void) => Promise<ReadTraceResult>;

/**
 * Reads the trace once and replays it under each configuration. A text file whose lines are not in
 * time order (grouped by CPU: stats/lacks.ts `outOfTimeOrder`) is read a second time, its stretches
 * in time order merged by timestamp (read/timeOrder.ts), when it can be reopened by range; the
 * analyses are then those of the merged read, and say so.
 */
async function runMany(source: ByteSource, partials: Partial<ModelConfig>[], opts: AnalyzeOptions): Promise<Analysis[]> {
  const order = new TimeRunTracker();
  let merge: { bytes: number; line: string; openRange: NonNullable<AnalyzeOptions['openRange']> } | undefined;
  {
    // In a block: the analyses of the file order are not held while the file is read again.
    const asIs = await replayAll((sink, onProgress) => readTrace(source, sink, { signal: opts.signal, onProgress, openRange: opts.openRange, seekable: opts.seekable }), partials, opts, order);
    const { read, stats } = asIs;
    const backwards = stats.reader?.crossCpuBackwards ?? 0;
    const mergeable = opts.openRange !== undefined && read.format !== 'trace-dat' && !read.compressed && !read.refused && !read.partial && !order.overflow
      && (read.repairs?.quotedPrintable ?? 0) === 0 && order.runs.length > 1 && outOfTimeOrder(backwards, stats.lines.events);
    if (!mergeable) return asIs.analyses;
    merge = { bytes: read.bytes, line: timeOrderLine(backwards, stats.lines.events, order.runs.length), openRange: opts.openRange! };
  }
  const { bytes, line, openRange } = merge;
  const merged = await replayAll((sink, onProgress) => readTextInTimeOrder(order.runs, bytes, openRange, sink, { signal: opts.signal, onProgress }), partials, { ...opts, onEarlyFindings: undefined }, undefined, new ReplayLineOrder());
  return merged.analyses.map((a) => ({ ...a, detected: [a.detected[0]!, line, ...a.detected.slice(1)] }));
}

async function replayAll(read: Read, partials: Partial<ModelConfig>[], opts: AnalyzeOptions, order?: TimeRunTracker, lineOrder?: ReplayLineOrder): Promise<{ analyses: Analysis[]; read: ReadTraceResult; stats: TraceStats }> {
  const lanes = partials.map((p) => new Lane(normalizeConfig({ ...(opts.config ?? {}), ...p })));
  const stats = createStatsCollector();
  // Who held kvm->mmu_lock: a property of the trace, the same for every lane.
  const mmuLock = createMmuLockCollector();
  // Trace sufficiency: the recording script's markers and the probes' ops, for coverage and for
  // the CPU features (FWB, DIC, ...) the replay would otherwise have to guess.
  const ev = createCoverageCollector();
  const recording = (): RecordingManifest | undefined => ev.evidence().recording;
  let arch: Arch | undefined;
  /** The event that decided the architecture (undefined: given by the configuration, or assumed). */
  let archEvent: TraceEvent | undefined;
  const fixed = lanes.find((l) => l.config.arch !== 'auto')?.config.arch;
  if (fixed && fixed !== 'auto') {
    arch = fixed;
    for (const l of lanes) l.start(l.config.arch === 'auto' ? fixed : l.config.arch, recording);
  }
  const buffer: TraceEvent[] = [];
  // One lane is the common case (analyze): no loop, and no filter checks when it has no filters.
  const only = lanes.length === 1 ? lanes[0] : undefined;
  const feed = (ev: TraceEvent): void => {
    // a truncated event (parse/types.ts Truncation) reaches the replay as an event no decoder
    // knows: counted, but no state change or finding rests on its missing fields
    let e = ev.decoded?.truncated === undefined ? ev : { ...ev, decoded: undefined };
    // read in time order, not file order: the replays number lines in the order they see them
    if (lineOrder) e = lineOrder.event(e);
    if (only !== undefined) {
      if (!only.filtering || only.accepts(e)) only.replayer!.event(e);
      return;
    }
    for (const l of lanes) if (!l.filtering || l.accepts(e)) l.replayer!.event(e);
  };
  const decide = (a: Arch): void => {
    arch = a;
    for (const l of lanes) l.start(l.config.arch === 'auto' ? a : l.config.arch, recording);
    for (const e of buffer) feed(e);
    buffer.length = 0;
  };
  const sink = {
    event(e: TraceEvent): void {
      order?.event(e);
      stats.event(e);
      ev.event(e);
      mmuLock.event(e);
      if (!arch) {
        const a = archOfEvent(e);
        if (a) {
          archEvent = e;
          decide(a);
        }
        else {
          buffer.push(e);
          if (buffer.length >= MAX_BUFFERED) decide('arm64');
          return;
        }
      }
      feed(e);
    },
    rejected(r: RejectedLine): void {
      stats.rejected(r);
    },
    special(s: SpecialLine): void {
      stats.special(s);
      if (arch) {
        const r = lineOrder ? lineOrder.special(s) : s;
        for (const l of lanes) l.replayer?.special?.(r);
      }
    },
  };
  let earlySent = false;
  const onProgress = (bytes: number): void => {
    opts.onProgress?.(bytes);
    if (!earlySent && opts.onEarlyFindings && bytes >= EARLY_FINDINGS_BYTES && arch) {
      earlySent = true;
      opts.onEarlyFindings(lanes[0].replayer?.peekFindings?.() ?? []);
    }
    if (opts.onFindingClasses && arch) {
      const classes = lanes[0].replayer?.findingClasses?.();
      if (classes) opts.onFindingClasses(classes, arch);
    }
  };
  const result = await read(sink, onProgress);
  if (!arch) decide('arm64');
  stats.setRead(result);
  const traceStats = stats.result();
  const traceCoverage = computeCoverage(traceStats, { arch: arch!, evidence: ev.evidence() });
  const lock = mmuLock.result();
  const stalled = mmuLock.stalledFaults();
  const analyses = lanes.map((l): Analysis => {
    const finished: ReplayOutput = l.replayer!.finish();
    const out = lineOrder ? lineOrder.mapOutput(finished, result.lines) : finished;
    return {
      arch: arch!,
      config: out.config,
      detected: [archDetectionLine(arch!, archEvent, fixed !== undefined && fixed !== 'auto'), ...out.detected],
      stats: traceStats,
      findings: stalled.length ? withLockWaits(out.findings, stalled, out.lanes) : out.findings,
      counters: out.counters,
      coverage: mergeCoverage(traceCoverage, out.coverage),
      lanes: out.lanes,
      marks: out.marks,
      stateAt: out.stateAt,
      phases: out.phases,
      avoidedFaults: out.avoidedFaults,
      internalErrors: out.internalErrors,
      windows: out.windows,
      mmuLock: lock,
      ...('x86' in out ? { x86: (out as X86ReplayOutput).x86 } : {}),
    };
  });
  return { analyses, read: result, stats: traceStats };
}

/** The detection line of a file read in time order, after what its first read showed. */
function timeOrderLine(backwards: number, events: number, stretches: number): string {
  return `order: the file is not in time order (${plural(backwards, 'event')} of ${events} behind a later event of another CPU: lines grouped by CPU?); replayed in time order, its ${stretches} stretches in time order merged by timestamp`;
}

/**
 * The what-if replays checkLevers runs, for the given presets (one read, each preset on top of
 * `opts.config`), by preset: what `leverResults` reads of them. Each replay depends only on the
 * trace and its own configuration, so presets replayed apart give what they give together (the
 * CLI starts some of them early, in a worker: src/cli/leverCheck.ts).
 */
export async function leverWhatIfs(source: ByteSource, presets: string[], opts: AnalyzeOptions = {}): Promise<Map<string, LeverWhatIf>> {
  const base = opts.config ?? {};
  const whatIfs = await runMany(source, presets.map((id) => ({ ...base, ...presetByName(id)!.config })), { ...opts, config: undefined });
  return new Map(presets.map((id, i) => [id, whatIfs[i]]));
}

export function createAnalyzer(): Analyzer {
  return {
    async analyze(source, opts = {}) {
      const [a] = await runMany(source, [opts.config ?? {}], { ...opts, config: undefined });
      return a;
    },
    analyzeMany(source, configs, opts = {}) {
      return runMany(source, configs.length ? configs : [{}], opts);
    },
    compare(a, b) {
      return compareAnalyses(a, b);
    },
    async checkLevers(source, a, opts = {}) {
      const presets = leverPresets(a);
      if (!presets.length) return [];
      return leverResults(a, await leverWhatIfs(await source(), presets, opts));
    },

  };
}

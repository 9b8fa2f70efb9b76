// The engine's facade: `createAnalyzer()` reads a trace once and feeds one or more replays (the
// observed configuration and any what-if configurations), picking the arm64 or x86 replay from the
// first architecture-specific kvm event. `--tracepoints-only` and `--ignore-event` filters are
// applied here, per replay, before events reach a replayer. `compare` diffs two analyses.
import type { AnalyzeOptions, Analysis, ByteSource, Comparison, CoverageItem } from './api';
import type { Arch, Finding, ModelConfig } from './analysis/types';
import type { RejectedLine, SpecialLine, TraceEvent } from './parse/types';
import { readTrace } from './parse/readTrace';
import { archDetectionLine, archOfEvent } from './parse/archEvidence';
import { computeCoverage, createCoverageCollector } from './analysis/coverage';
import { createStatsCollector } from './stats/statsCollector';
import { createMmuLockCollector, type StalledFault } from './lock/mmuLock';
import { vcpuNamer } from './lock/lockReport';
import { compareAnalyses } from './analysis/compare';
import { leverPresets, leverResults, type LeverResult } from './analysis/verdicts';
import { presetByName } from './catalog/presets';
import { findingEntry } from './catalog/findings';
import { ignoredEventNames, isWhatIf, normalizeConfig } from './analysis/modelConfig';
import { createArm64Replayer } from './replay/arm64Replayer';
import { createX86Replayer, type X86ReplayOutput } from './replay/x86/x86Replayer';
import type { Replayer, ReplayOutput } from './replay/replayer';
import type { RecordingManifest } from './record/traceEvidence';

export * from './api';
export * from './analysis/types';
export { MarkStore, MARK_KINDS, MARK_CLASSES } from './analysis/markStore';
export { verdicts, leverPresets, leverResults, type LeverResult, type Verdicts } from './analysis/verdicts';
export { normalizeConfig, defaultConfig, validateConfig, parseSize } from './analysis/modelConfig';
export * from './catalog/index';

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

async function runMany(source: ByteSource, partials: Partial<ModelConfig>[], opts: AnalyzeOptions): Promise<Analysis[]> {
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
  const feed = (e: TraceEvent): void => {
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
      if (arch) for (const l of lanes) l.replayer?.special?.(s);
    },
  };
  let earlySent = false;
  const onProgress = (bytes: number): void => {
    opts.onProgress?.(bytes);
    if (!earlySent && opts.onEarlyFindings && bytes >= EARLY_FINDINGS_BYTES && arch) {
      earlySent = true;
      opts.onEarlyFindings(lanes[0].replayer?.peekFindings?.() ?? []);
    }
  };
  const result = await readTrace(source, sink, { signal: opts.signal, onProgress, openRange: opts.openRange, seekable: opts.seekable });
  if (!arch) decide('arm64');
  stats.setRead(result);
  const traceStats = stats.result();
  const traceCoverage = computeCoverage(traceStats, { arch: arch!, evidence: ev.evidence() });
  const lock = mmuLock.result();
  const stalled = mmuLock.stalledFaults();
  return lanes.map((l) => {
    const out: ReplayOutput = l.replayer!.finish();
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
}

/** The replay's findings plus one L1 finding per fault that waited for kvm->mmu_lock, in line order. */
function withLockWaits(findings: Finding[], stalled: StalledFault[], lanes: { label: string }[]): Finding[] {
  const name = vcpuNamer(lanes);
  const entry = findingEntry('L1');
  const ms = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(1)} us`);
  const lock: Finding[] = stalled.map((s) => ({
    code: entry.code, cls: 'L1', severity: entry.severity, line: s.line, ts: s.ts, vcpu: name(s.task), ipa: undefined,
    message: s.writer
      ? `This fault waited ${ms(s.waitNs)} for kvm->mmu_lock (read) while a ${s.writer.kind} writer held it or waited for it (held ${ms(s.writer.holdNs)}).`
      : `This fault waited ${ms(s.waitNs)} for kvm->mmu_lock (read); no traced writer overlaps the wait.`,
    related: s.writer ? [{ line: s.writer.line, message: `${s.writer.kind}: ${s.writer.task} took the lock for write here` }] : [],
    avoid: [], observed: true, costNs: undefined,
  }));
  return [...findings, ...lock].sort((x, y) => x.line - y.line);
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
      const base = opts.config ?? {};
      const whatIfs = await runMany(await source(), presets.map((id) => ({ ...base, ...presetByName(id)!.config })), { ...opts, config: undefined });
      return leverResults(a, new Map(presets.map((id, i) => [id, whatIfs[i]])));
    },
  };
}

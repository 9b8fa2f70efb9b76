// The params and results of the custom messages between the Stage-2 Lens client and its language
// server (their typed request objects are in requests.ts): the `stage2Lens/*` requests (replay,
// compare, summary, exportReport, coverage, recordingScript, renderDat), the `stage2Lens/status` notification (server -> client, handled with an exhaustive
// switch) and `stage2Lens/largeFiles` (client -> server: traces open in editors that VS Code does
// not hand to extensions). The server sends and the client receives plain JSON: no bigint, no Map.
import type { Counters, ModelConfig } from '../core/domain/types';
import type { Comparison, CoverageItem, UnrecognizedGroup } from '../core/api';
import { plural } from '../core/util/plural';

/** A (partial) engine configuration, as a replay configuration file holds it. */
export type ReplayConfig = Partial<ModelConfig>;

/** A configuration to replay with: a preset, or an explicit (partial) configuration, e.g. from a file. */
export type ConfigChoice =
  | { kind: 'preset'; /** A preset id or alias of src/core/catalog/presets.ts. */ preset: string }
  | { kind: 'config'; label: string; config: ReplayConfig };

export interface ReplayParams {
  uri: string;
  choice: ConfigChoice;
}

/** What a replay found, small enough to send on every change. */
export interface AnalysisSummary {
  uri: string;
  /** Which configuration this is (`As recorded`, `FEAT_BBM level 2`, a file name). */
  label: string;
  arch: string;
  format: string;
  config: ModelConfig;
  detected: string[];
  lines: number;
  events: number;
  findings: number;
  findingsByCode: Record<string, number>;
  /** Avoidable faults: findings of the S and X classes not expected by design. */
  spurious: number;
  redundantCmoBytes: number;
  counters: Counters;
  durationMs: number;
}

export type ReplayResult = AnalysisSummary;

export interface CompareParams {
  uri: string;
  a: ConfigChoice;
  b: ConfigChoice;
}

export type CompareResult = Comparison & { labelA: string; labelB: string };

export interface UriParams {
  uri: string;
}

export type SummaryResult = AnalysisSummary | null;

export type ReportFormat = 'md' | 'json' | 'sarif';

export interface ExportReportParams {
  uri: string;
  format: ReportFormat;
}

export interface ExportReportResult {
  text: string;
  /** File name to propose in the save dialog. */
  fileName: string;
}

export interface CoverageResult {
  items: CoverageItem[];
  unrecognized: UnrecognizedGroup[];
  lacks: string[];
  lines: { total: number; events: number; unrecognized: number; special: number };
}

/** The choices of "Create Recording Script..." (core's RecordingScriptOptions). */
export interface RecordingScriptParams {
  arch: 'arm64' | 'x86';
  /** arm64: where KVM's hypervisor code runs (ignored for x86). */
  mode: 'vhe' | 'nvhe';
  tool: 'tracefs' | 'trace-cmd';
  /** `basic`: tracepoints and the few probes every analysis needs; `full`: every stage-2 probe. */
  probes: 'basic' | 'full';
  durationSec?: number;
}

export interface RecordingScriptResult {
  text: string;
  fileName: string;
}

export interface RenderDatResult {
  text: string;
  /** True when the rendering stopped at the size limit. */
  truncated: boolean;
}

/** Live state of one trace's analysis; drives the status bar. */
export type StatusNotification =
  | { kind: 'analyzing'; uri: string; percent: number | undefined; label: string }
  | { kind: 'ready'; uri: string; faults: number; spurious: number; findings: number; label: string; partial: boolean }
  | { kind: 'failed'; uri: string; message: string }
  | { kind: 'closed'; uri: string };

export interface LargeFilesParams {
  /** Every trace open in an editor tab that has no text document (too large to sync). */
  uris: string[];
}

/** The status-bar text for a status (one place, so the client and the tests agree on it). */
export function statusText(s: StatusNotification): string {
  switch (s.kind) {
    case 'analyzing':
      return s.percent === undefined ? 'S2: analysing…' : `S2: analysing ${s.percent}%`;
    case 'ready':
      return `S2: ${plural(s.faults, 'fault')} · ${s.spurious} spurious`;
    case 'failed':
      return 'S2: analysis failed';
    case 'closed':
      return '';
    default: {
      const unhandled: never = s;
      return unhandled;
    }
  }
}

// --- "Compare with Another Trace...": two recordings diffed (src/core/diff) --------------------

/** Two open traces, before (A) and after (B). */
export interface RecordingDiffParams {
  before: string;
  after: string;
}

/** A stretch of one recording's timeline, ns (the timeline's own timestamps). */
export interface PhaseSpan {
  label: string;
  t0: number;
  t1: number;
}

/** A phase both recordings have (aligned by the diff), in each one's time. */
export interface PhasePair {
  label: string;
  a: PhaseSpan;
  b: PhaseSpan;
}

/**
 * The diff's verdict on one finding class's fault count: `significant` (the repeated passes'
 * 95% interval excludes zero), `once` (a change in phases that occur once, or without per-pass
 * figures: its spread is unknown), `not-significant` (the interval spans zero and nothing changed
 * elsewhere), `same` (equal counts).
 */
export type ClassChangeKind = 'significant' | 'once' | 'not-significant' | 'same';

export interface ClassChange {
  cls: string;
  a: number;
  b: number;
  kind: ClassChangeKind;
  /** The repeated passes' interval of the change, when the recordings repeat passes. */
  interval?: { lo: number; hi: number };
  /** The change in phases that occur once. */
  onceDelta?: number;
}

/** One whole-trace row of the diff, as `stage2-lens diff --format json` prints it. */
export interface DiffTotalRow {
  metric: string;
  a: number;
  b: number;
  delta: number;
  repeated: { delta: number; interval: { lo: number; hi: number }; significant: boolean } | undefined;
  onceDelta: number | undefined;
}

export interface RecordingDiffResult {
  beforeName: string;
  afterName: string;
  /** The diff as `stage2-lens diff --format md` writes it. */
  markdown: string;
  totals: DiffTotalRow[];
  setup: { what: string; a: string; b: string }[];
  alignment: string;
  /** The finding classes of either recording and the diff's verdict on each. */
  classes: ClassChange[];
  /** The phases both have, in time order on both sides: what linked zoom maps through. */
  pairs: PhasePair[];
  /** Phases only one recording has: the link is off there. */
  unmatched: { side: 'A' | 'B'; phase: PhaseSpan }[];
  /** Why the timelines cannot be linked at all (undefined when they can). */
  linkUnavailable?: string;
}

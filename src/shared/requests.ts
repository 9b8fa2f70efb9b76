// Every custom LSP message between the Stage-2 Lens client and its language server, one typed
// object each (the style of vscode-eslint's `$shared/customMessages.ts`): the client sends with
// `client.sendRequest(SummaryRequest, params)`, the server answers with
// `connection.onRequest(SummaryRequest, handler)`, so a message whose params or result do not match
// its type does not compile (test/unit/shared/requests.test.ts checks that it does not). The method
// strings are written here and nowhere else in src/. Types and message objects only: no logic.
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type {
  CompareParams,
  CompareResult,
  CoverageResult,
  ExportReportParams,
  ExportReportResult,
  LargeFilesParams,
  RecordingDiffParams,
  RecordingDiffResult,
  RecordingScriptParams,
  RecordingScriptResult,
  RenderDatResult,
  ReplayParams,
  ReplayResult,
  StatusNotification,
  SummaryResult,
  UriParams,
} from './protocol';
import type {
  FindIpaParams,
  FindIpaResult,
  InfoParams,
  LocateParams,
  LocateResult,
  MarkDetail,
  MarksParams,
  RangeStatsParams,
  RangeStatsResult,
  TimelineInfo,
  WindowParams,
  WindowResult,
} from './timelineProtocol';

// --- client -> server: the commands' requests ------------------------------------------------

/** Re-analyse the trace with a preset or configuration (re-publishes its diagnostics). */
export const ReplayRequest = new RequestType<ReplayParams, ReplayResult, void>('stage2Lens/replay');
/** Replay the trace with two configurations and compare them (cancellable). */
export const CompareRequest = new RequestType<CompareParams, CompareResult, void>('stage2Lens/compare');
/**
 * Two open traces compared as `stage2-lens diff BEFORE AFTER` compares two recordings (waits for
 * both analyses; cancellable), with the phases placed in time for the linked timelines.
 */
export const RecordingDiffRequest = new RequestType<RecordingDiffParams, RecordingDiffResult, void>('stage2Lens/recordingDiff');
/** The current analysis in brief; null before the first analysis finished. */
export const SummaryRequest = new RequestType<UriParams, SummaryResult, void>('stage2Lens/summary');
/** Which events the trace holds and lacks; null before the first analysis finished. */
export const CoverageRequest = new RequestType<UriParams, CoverageResult | null, void>('stage2Lens/coverage');
/** The current analysis as a Markdown, JSON or SARIF report. */
export const ExportReportRequest = new RequestType<ExportReportParams, ExportReportResult, void>('stage2Lens/exportReport');
/** A recording script for the host's architecture, KVM mode, tool and probes. */
export const RecordingScriptRequest = new RequestType<RecordingScriptParams, RecordingScriptResult, void>('stage2Lens/recordingScript');
/** A trace.dat rendered as kernel-format text (the `stage2lens-dat:` documents). */
export const RenderDatRequest = new RequestType<UriParams, RenderDatResult, void>('stage2Lens/renderDat');

// --- client -> server: the timeline panel's queries (src/shared/timelineProtocol.ts) -----------

export const TimelineInfoRequest = new RequestType<InfoParams, TimelineInfo, void>('stage2Lens/timelineInfo');
/** Per-pixel bins of a window; null when the trace has no analysis or the query failed. */
export const TimelineWindowRequest = new RequestType<WindowParams, WindowResult | null, void>('stage2Lens/timelineWindow');
export const TimelineRangeStatsRequest = new RequestType<RangeStatsParams, RangeStatsResult | null, void>('stage2Lens/timelineRangeStats');
export const TimelineMarksRequest = new RequestType<MarksParams, MarkDetail[], void>('stage2Lens/timelineMarks');
export const TimelineFindIpaRequest = new RequestType<FindIpaParams, FindIpaResult | null, void>('stage2Lens/timelineFindIpa');
/** Where a trace line sits in the timeline (the editor's cursor); null when it holds no mark. */
export const TimelineLocateRequest = new RequestType<LocateParams, LocateResult | null, void>('stage2Lens/timelineLocate');

// --- notifications -----------------------------------------------------------------------------

/** Server -> client: live state of one trace's analysis (drives the status bar). */
export const StatusNotificationType = new NotificationType<StatusNotification>('stage2Lens/status');
/** Client -> server: every trace open in an editor tab that VS Code does not sync (too large). */
export const LargeFilesNotification = new NotificationType<LargeFilesParams>('stage2Lens/largeFiles');
/** Server -> client: the analysis of `uri` changed; an open timeline re-queries. */
export const TimelineChangedNotification = new NotificationType<UriParams>('stage2Lens/timelineChanged');

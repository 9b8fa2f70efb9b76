// `stage2Lens/recordingDiff`: two open traces' analyses compared as `stage2-lens diff` compares
// two recordings (core's diffRecordings and diffMarkdown: the same numbers and words), plus what
// the editor needs to link the two timelines: each aligned phase placed in time on both sides, and
// the diff's verdict on each finding class. No rule of its own: the phases are the diff's (a phase
// starts at each trace marker, phaseMetrics in src/core/diff/recordingDiff.ts), placed at their
// markers' timestamps; the verdict is the diff row's (its interval's `significant`, its `onceDelta`).
import { diffMarkdown, diffRecordings, MARK_KINDS, type Analysis } from '../core/index';
import type { ClassChange, ClassChangeKind, PhasePair, PhaseSpan, RecordingDiffResult } from '../shared/protocol';
import type { TimeRange } from '../shared/timelineProtocol';

const KIND_MARKER = MARK_KINDS.indexOf('marker');
/** The diff's name for the phase before the first marker (phaseMetrics). */
const START_OF_TRACE = 'start of trace';

/** Why two analyses cannot be compared, in words for the user; undefined when they can. */
export function whyNotComparable(a: Analysis, b: Analysis, names: { before: string; after: string }): string | undefined {
  if (a.stats.notATrace !== undefined) return `${names.before} is not a trace: ${a.stats.notATrace}`;
  if (b.stats.notATrace !== undefined) return `${names.after} is not a trace: ${b.stats.notATrace}`;
  if (a.arch !== b.arch) return `${names.before} is an ${a.arch} recording and ${names.after} an ${b.arch} one: recordings of different architectures are not compared`;
  return undefined;
}

/**
 * Each phase of one analysis in the order the diff lists them (the trace's start, then every
 * marker by line), as a span of time: from its marker to the next one, the first from the start
 * of the timeline, the last to its end. Undefined when the markers' times do not increase with
 * their lines (phases by line would then overlap in time).
 */
export function phaseSpans(a: Analysis, extent: TimeRange): PhaseSpan[] | undefined {
  const marks = a.marks;
  const markers: { line: number; ts: number; label: string }[] = [];
  for (let i = 0; i < marks.length; i++) if (marks.kindAt(i) === KIND_MARKER) markers.push({ line: marks.lineAt(i), ts: marks.tsAt(i), label: marks.labelAt(i) ?? '' });
  markers.sort((x, y) => x.line - y.line);
  const starts = [extent.t0, ...markers.map((m) => m.ts)];
  for (let i = 1; i < starts.length; i++) if (!(starts[i] >= starts[i - 1])) return undefined;
  if (starts[starts.length - 1] > extent.t1) return undefined;
  const labels = [START_OF_TRACE, ...markers.map((m) => m.label)];
  return starts.map((t0, i) => ({ label: labels[i], t0, t1: i + 1 < starts.length ? starts[i + 1] : extent.t1 }));
}

function classKind(r: { a: number; b: number; delta: number; repeated?: { significant: boolean }; onceDelta?: number }): ClassChangeKind {
  if (r.repeated?.significant) return 'significant';
  if (r.onceDelta) return 'once';
  if (!r.repeated && r.delta !== 0) return 'once';
  return r.delta === 0 ? 'same' : 'not-significant';
}

/** A diff row of a finding class's faults: `faults S5` (recordingDiff.ts names them so). */
const CLASS_ROW = /^faults ([A-Z]\d+)$/;

export function recordingDiffResult(a: Analysis, b: Analysis, names: { before: string; after: string }, extents: { a: TimeRange; b: TimeRange } | undefined): RecordingDiffResult {
  const d = diffRecordings(a, b);
  const classes: ClassChange[] = d.totals.flatMap((r) => {
    const m = CLASS_ROW.exec(r.metric);
    if (!m) return [];
    const c: ClassChange = { cls: m[1], a: r.a, b: r.b, kind: classKind(r) };
    if (r.repeated) c.interval = { lo: r.repeated.interval.lo, hi: r.repeated.interval.hi };
    if (r.onceDelta !== undefined) c.onceDelta = r.onceDelta;
    return [c];
  });
  const result: RecordingDiffResult = {
    beforeName: names.before,
    afterName: names.after,
    markdown: diffMarkdown(d, names),
    totals: d.totals,
    setup: d.setup,
    alignment: d.alignment,
    classes,
    pairs: [],
    unmatched: [],
  };
  const spansA = extents && phaseSpans(a, extents.a);
  const spansB = extents && phaseSpans(b, extents.b);
  if (!extents) return { ...result, linkUnavailable: 'a timeline of the two traces is not ready' };
  if (!spansA || !spansB) return { ...result, linkUnavailable: 'the trace markers of a recording are not in time order, so its phases cannot be placed in time' };
  // The diff's phases keep each recording's order: the k-th phase with an A side is A's k-th phase.
  let i = 0;
  let j = 0;
  const pairs: PhasePair[] = [];
  const unmatched: RecordingDiffResult['unmatched'] = [];
  for (const p of d.phases) {
    const sa = p.labelA !== undefined ? spansA[i++] : undefined;
    const sb = p.labelB !== undefined ? spansB[j++] : undefined;
    if ((sa && sa.label !== p.labelA) || (sb && sb.label !== p.labelB)) return { ...result, linkUnavailable: 'the diff\'s phases do not match the timelines\' markers' };
    if (sa && sb) pairs.push({ label: p.labelB ?? p.key, a: sa, b: sb });
    else if (sa) unmatched.push({ side: 'A', phase: sa });
    else if (sb) unmatched.push({ side: 'B', phase: sb });
  }
  return { ...result, pairs, unmatched };
}

// Two real recordings compared (before and after a patch, or two hosts): `stage2-lens diff`.
//
// Rules, each stated in the report:
// - Totals come from each analysis' exact counters, so a total delta is exactly the difference of
//   the two `analyze --format json` reports.
// - Phases are the segments between trace markers. A phase's kind is its marker's text and the two
//   markers before it, with the numbers taken out (`pass 3 begin: store sel=a` after
//   `KVM_GET_DIRTY_LOG end` is the same kind as `pass 7 begin: store sel=a` after it). The two
//   recordings' phases are aligned by kind with a longest common subsequence, so an extra or
//   missing pass does not shift the rest. Without markers the whole trace is one phase.
// - Per-phase figures come from the timeline marks (faults, CMO bytes and calls, TLB invalidation
//   marks, break-before-make windows, exit-to-entry latencies), counted by trace line into phases.
// - Spread: the change is split into its part in repeated passes (phase kinds that occur at least
//   twice in both recordings) and its part in phases that occur once. The repeated part gets a 95%
//   interval: each kind's passes resampled with replacement within each recording, 2000 rounds with
//   a fixed seed (a stratified bootstrap), "no significant change" when it spans zero. The part in
//   phases that occur once is shown as it is: its spread is unknown.
// - What differs between the two set-ups (architecture, kernel era, CPU features, configuration,
//   vCPU count) is listed first, from each analysis' configuration and detection lines.
import { verdicts, type Verdicts } from '../analysis/verdicts';
import { FINDING_CLASSES, NATURE_TITLE, type FindingNature } from '../catalog/findings';
import type { Analysis } from '../api';
import type { FindingClass } from '../domain/types';
import { MARK_CLASSES, MARK_KINDS } from '../marks/markStore';
import { mulberry32 } from '../random';

/** The per-phase (and total) quantities a diff compares. */
export interface PhaseMetrics {
  faults: number;
  /** Faults with a finding class, by class; faults without one are `needed`. */
  byClass: Record<string, number>;
  cmoBytes: number;
  cmoCalls: number;
  tlbiMarks: number;
  windows: number;
  windowNs: number;
  /** Exit-to-entry times of this phase's faults, ns (sorted). */
  latencies: number[];
}

export interface DiffPhase {
  /** The aligned kind of phase (marker text without its numbers). */
  key: string;
  labelA: string | undefined;
  labelB: string | undefined;
  a: PhaseMetrics | undefined;
  b: PhaseMetrics | undefined;
}

export interface Interval {
  lo: number;
  hi: number;
}

export interface DiffRow {
  metric: string;
  a: number;
  b: number;
  /** B - A from the exact counters. */
  delta: number;
  /**
   * The part of the change in repeated passes (phase kinds that occur at least twice in both), with
   * its 95% bootstrap interval; undefined without repeated passes or without a per-phase figure.
   */
  repeated: { delta: number; interval: Interval; significant: boolean } | undefined;
  /** The part of the change in phases that occur once (no spread known); undefined without a per-phase figure. */
  onceDelta: number | undefined;
}

export interface RecordingDiff {
  /** Differences of set-up between the two recordings, first thing a reader must know. */
  setup: { what: string; a: string; b: string }[];
  /** How the phases were aligned, in one sentence. */
  alignment: string;
  phases: DiffPhase[];
  /** Whole-trace rows from the exact counters (faults by class, CMO, TLBIs by kind, windows). */
  totals: DiffRow[];
  /** Exit-to-entry latency distribution per recording, ns (from fault marks). */
  latency: { a: LatencySummary; b: LatencySummary };
  /** Number of repeated-pass groups the intervals rest on (0: no intervals). */
  repeatedGroups: number;
  /** Marks not kept by a replay (per-phase figures then miss them; totals do not). */
  droppedMarks: { a: number; b: number };
}

export interface LatencySummary {
  count: number;
  median: number | undefined;
  p90: number | undefined;
}

const BOOTSTRAP_ROUNDS = 2000;
const SEED = 0x5eed;

/** Marker text with its numbers (decimal and hex) replaced, so repeated passes share a key. */
export function phaseKey(label: string): string {
  return label.replace(/0x[0-9a-f]+/gi, '#').replace(/\d+/g, '#').replace(/\s+/g, ' ').trim();
}

function emptyMetrics(): PhaseMetrics {
  return { faults: 0, byClass: {}, cmoBytes: 0, cmoCalls: 0, tlbiMarks: 0, windows: 0, windowNs: 0, latencies: [] };
}

const KIND_FAULT = MARK_KINDS.indexOf('fault');
const KIND_CMO = MARK_KINDS.indexOf('cmo');
const KIND_TLBI = MARK_KINDS.indexOf('tlbi');
const KIND_WINDOW = MARK_KINDS.indexOf('window');

const KIND_MARKER = MARK_KINDS.indexOf('marker');
/** Markers before a phase's own that make up its kind (the steps that set the workload up). */
const CONTEXT_MARKERS = 2;

/**
 * Per-phase metrics of one analysis. A phase starts at each trace marker; its kind is its marker's
 * text and the two markers before it, numbers taken out (a pass after `KVM_GET_DIRTY_LOG` is not
 * the same kind as the same pass after `set memslot flags=0`). Each mark counts in the phase whose
 * marker line precedes it.
 */
export function phaseMetrics(a: Analysis): { label: string; key: string; line: number; m: PhaseMetrics }[] {
  const marks = a.marks;
  const markers: { line: number; label: string }[] = [{ line: 0, label: 'start of trace' }];
  for (let i = 0; i < marks.length; i++) if (marks.kindAt(i) === KIND_MARKER) markers.push({ line: marks.lineAt(i), label: marks.labelAt(i) ?? '' });
  markers.sort((x, y) => x.line - y.line);
  const keys = markers.map((p) => phaseKey(p.label));
  const phases = markers.map((p, i) => ({
    label: p.label,
    key: keys.slice(Math.max(0, i - CONTEXT_MARKERS), i + 1).reverse().join(' <- '),
    line: p.line,
    m: emptyMetrics(),
  }));
  const starts = phases.map((p) => p.line);
  const phaseOfLine = (line: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= line) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (let i = 0; i < marks.length; i++) {
    const kind = marks.kindAt(i);
    const m = phases[phaseOfLine(marks.lineAt(i))].m;
    if (kind === KIND_FAULT) {
      m.faults++;
      const cls = marks.clsAt(i);
      const key = cls ? MARK_CLASSES[cls - 1] : 'needed';
      m.byClass[key] = (m.byClass[key] ?? 0) + 1;
      const end = marks.endAt(i);
      if (Number.isFinite(end)) m.latencies.push(Math.max(0, end - marks.tsAt(i)));
    } else if (kind === KIND_CMO) {
      m.cmoCalls++;
      const size = marks.sizeAt(i);
      if (Number.isFinite(size)) m.cmoBytes += size;
    } else if (kind === KIND_TLBI) {
      m.tlbiMarks++;
    } else if (kind === KIND_WINDOW) {
      m.windows++;
      const end = marks.endAt(i);
      if (Number.isFinite(end)) m.windowNs += Math.max(0, end - marks.tsAt(i));
    }
  }
  for (const p of phases) p.m.latencies.sort((x, y) => x - y);
  return phases;
}

/** Longest-common-subsequence alignment of two key sequences: pairs of indices (or undefined for a gap). */
export function alignKeys(a: string[], b: string[]): [number | undefined, number | undefined][] {
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const out: [number | undefined, number | undefined][] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push([i++, j++]);
    else if (j >= m || (i < n && dp[i + 1][j] >= dp[i][j + 1])) out.push([i++, undefined]);
    else out.push([undefined, j++]);
  }
  return out;
}

function quantile(sorted: number[], q: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function latencySummary(phases: { m: PhaseMetrics }[]): LatencySummary {
  const all = phases.flatMap((p) => p.m.latencies).sort((x, y) => x - y);
  return { count: all.length, median: quantile(all, 0.5), p90: quantile(all, 0.9) };
}

/**
 * 95% interval of the delta of one metric over repeated phase kinds: each kind's passes resampled
 * with replacement within each recording (a bootstrap stratified by kind).
 */
function bootstrapInterval(groups: { a: number[]; b: number[] }[]): Interval | undefined {
  if (!groups.length) return undefined;
  const rnd = mulberry32(SEED);
  const resampledSum = (xs: number[]): number => {
    let t = 0;
    for (let k = 0; k < xs.length; k++) t += xs[Math.floor(rnd() * xs.length)];
    return t;
  };
  const deltas = new Float64Array(BOOTSTRAP_ROUNDS);
  for (let r = 0; r < BOOTSTRAP_ROUNDS; r++) {
    let d = 0;
    // Like with like when the pass counts differ: A's sum scaled to B's pass count.
    for (const g of groups) d += resampledSum(g.b) - (resampledSum(g.a) * g.b.length) / g.a.length;
    deltas[r] = d;
  }
  deltas.sort();
  return { lo: deltas[Math.floor(0.025 * BOOTSTRAP_ROUNDS)], hi: deltas[Math.ceil(0.975 * BOOTSTRAP_ROUNDS) - 1] };
}

function setupDifferences(a: Analysis, b: Analysis): { what: string; a: string; b: string }[] {
  const out: { what: string; a: string; b: string }[] = [];
  const add = (what: string, x: unknown, y: unknown): void => {
    const sx = typeof x === 'string' ? x : JSON.stringify(x);
    const sy = typeof y === 'string' ? y : JSON.stringify(y);
    if (sx !== sy) out.push({ what, a: sx, b: sy });
  };
  add('architecture', a.arch, b.arch);
  add('trace format', a.stats.format, b.stats.format);
  const cfgA = a.config as unknown as Record<string, unknown>;
  const cfgB = b.config as unknown as Record<string, unknown>;
  for (const k of Object.keys(cfgA)) add(`model: ${k}`, cfgA[k], cfgB[k]);
  // Detection lines say how each value was decided from the trace (`kernel: 6.5+ (...)`).
  const detected = (x: Analysis): Map<string, string> => new Map(x.detected.map((d) => [d.split(':')[0], d.slice(d.indexOf(':') + 1).trim()]));
  const da = detected(a);
  const db = detected(b);
  // The line a detection cites is where each recording showed it: the same value at another line is no difference.
  const value = (d: string): string => d.replace(/\blines? \d+/g, 'line');
  for (const k of new Set([...da.keys(), ...db.keys()])) {
    const x = da.get(k) ?? 'not detected';
    const y = db.get(k) ?? 'not detected';
    if (value(x) !== value(y)) out.push({ what: `detected ${k}`, a: x, b: y });
  }
  // Events one recording traced and the other did not (a different event set or probe set).
  const only = (x: Analysis, y: Analysis): string => {
    const names = Object.keys(x.stats.events).filter((n) => !(n in y.stats.events)).sort();
    return names.length ? `${names.slice(0, 6).join(', ')}${names.length > 6 ? ` and ${names.length - 6} more` : ''}` : '';
  };
  const onlyA = only(a, b);
  const onlyB = only(b, a);
  if (onlyA || onlyB) out.push({ what: 'events traced in one only', a: onlyA || '(none extra)', b: onlyB || '(none extra)' });
  add('vCPU threads', a.lanes.filter((l) => l.id !== 'host').length, b.lanes.filter((l) => l.id !== 'host').length);
  add('lost events', a.stats.lostEvents.length ? `${a.stats.lostEvents.length} occasions` : 'none', b.stats.lostEvents.length ? `${b.stats.lostEvents.length} occasions` : 'none');
  return out;
}

export function diffRecordings(a: Analysis, b: Analysis): RecordingDiff {
  const pa = phaseMetrics(a);
  const pb = phaseMetrics(b);
  const ka = pa.map((p) => p.key);
  const kb = pb.map((p) => p.key);
  const pairs = alignKeys(ka, kb);
  const phases: DiffPhase[] = pairs.map(([i, j]) => ({
    key: i !== undefined ? ka[i] : kb[j!],
    labelA: i !== undefined ? pa[i].label : undefined,
    labelB: j !== undefined ? pb[j].label : undefined,
    a: i !== undefined ? pa[i].m : undefined,
    b: j !== undefined ? pb[j].m : undefined,
  }));
  const matched = pairs.filter(([i, j]) => i !== undefined && j !== undefined).length;
  const alignment = pa.length === 1 && pb.length === 1
    ? 'no trace markers in either recording: compared as one phase'
    : `${matched} phases aligned by marker text and the two markers before it (numbers ignored)${pairs.length > matched ? `, ${pairs.length - matched} in one recording only` : ''}`;

  // Groups of phase kinds for the bootstrap: every occurrence of a key, in each recording.
  const byKey = new Map<string, { a: PhaseMetrics[]; b: PhaseMetrics[] }>();
  for (const ph of phases) {
    const g = byKey.get(ph.key) ?? { a: [], b: [] };
    if (ph.a) g.a.push(ph.a);
    if (ph.b) g.b.push(ph.b);
    byKey.set(ph.key, g);
  }
  const groups = [...byKey.values()];
  const repeatedGroups = groups.filter((g) => g.a.length >= 2 && g.b.length >= 2).length;
  const sum = (xs: PhaseMetrics[], pick: (m: PhaseMetrics) => number): number => xs.reduce((t, m) => t + pick(m), 0);
  const isRepeated = (g: { a: PhaseMetrics[]; b: PhaseMetrics[] }): boolean => g.a.length >= 2 && g.b.length >= 2;
  const rows: DiffRow[] = [];
  const row = (metric: string, x: number, y: number, pick: ((m: PhaseMetrics) => number) | undefined): void => {
    let repeated: DiffRow['repeated'];
    let onceDelta: number | undefined;
    if (pick) {
      const rep = groups.filter(isRepeated);
      onceDelta = groups.filter((g) => !isRepeated(g)).reduce((t, g) => t + sum(g.b, pick) - sum(g.a, pick), 0);
      const interval = bootstrapInterval(rep.map((g) => ({ a: g.a.map(pick), b: g.b.map(pick) })));
      if (interval) {
        const delta = rep.reduce((t, g) => t + sum(g.b, pick) - (sum(g.a, pick) * g.b.length) / g.a.length, 0);
        repeated = { delta, interval, significant: interval.lo > 0 || interval.hi < 0 };
      }
    }
    rows.push({ metric, a: x, b: y, delta: y - x, repeated, onceDelta });
  };
  const ca = a.counters;
  const cb = b.counters;
  row('stage-2 faults', ca.faults.total, cb.faults.total, (m) => m.faults);
  const classes = new Set<string>([...Object.keys(ca.faults.byClass), ...Object.keys(cb.faults.byClass)]);
  for (const cls of [...classes].sort()) {
    const x = ca.faults.byClass[cls as FindingClass] ?? 0;
    const y = cb.faults.byClass[cls as FindingClass] ?? 0;
    if (x || y) row(`faults ${cls}`, x, y, (m) => m.byClass[cls] ?? 0);
  }
  // The catalog's natures (src/core/catalog/findings.ts), the grouping the analyze summary uses.
  const va = verdicts(a);
  const vb = verdicts(b);
  for (const nature of Object.keys(NATURE_TITLE) as FindingNature[]) {
    const count = (v: Verdicts): number => v.faults.byNature.find((g) => g.nature === nature)?.count ?? 0;
    const classesOf = FINDING_CLASSES.filter((e) => e.nature === nature && e.subject === 'fault').map((e) => e.cls as string);
    if (count(va) || count(vb)) row(`faults: ${NATURE_TITLE[nature]}`, count(va), count(vb), (m) => classesOf.reduce((t, c) => t + (m.byClass[c] ?? 0), 0));
  }
  row('faults needed (no finding class)', va.faults.needed, vb.faults.needed, (m) => m.byClass.needed ?? 0);
  row('D-cache clean bytes', ca.cmo.dcacheCleanBytes, cb.cmo.dcacheCleanBytes, undefined);
  row('I-cache invalidate bytes', ca.cmo.icacheInvalBytes, cb.cmo.icacheInvalBytes, undefined);
  row('cache-maintenance calls', ca.cmo.calls, cb.cmo.calls, (m) => m.cmoCalls);
  // TLB invalidations: the probe lines' counts when both recordings have them, else the model's.
  const ta = va.tlbi.observed && vb.tlbi.observed ? va.tlbi.observed : va.tlbi.model;
  const tb = va.tlbi.observed && vb.tlbi.observed ? vb.tlbi.observed : vb.tlbi.model;
  const source = va.tlbi.observed && vb.tlbi.observed ? 'probe lines' : 'model';
  row(`TLBI by IPA, broadcast (${source})`, ta.ipa, tb.ipa, undefined);
  row(`TLBI by IPA, local (${source})`, ta.ipaNsh, tb.ipaNsh, undefined);
  row(`TLBI range (${source})`, ta.range, tb.range, undefined);
  row(`TLBI whole VMID (${source})`, ta.vmid, tb.vmid, undefined);
  row('block splits in the fault path', ca.splits.fault, cb.splits.fault, undefined);
  row('eager splits', ca.splits.eager, cb.splits.eager, undefined);
  row('table -> block collapses', ca.coalesces, cb.coalesces, undefined);
  row('break-before-make windows', ca.invalidWindows.count, cb.invalidWindows.count, (m) => m.windows);
  row('invalid time in windows, ns', ca.invalidWindows.totalNs, cb.invalidWindows.totalNs, (m) => m.windowNs);

  return {
    setup: setupDifferences(a, b),
    alignment,
    phases,
    totals: rows,
    latency: { a: latencySummary(pa), b: latencySummary(pb) },
    repeatedGroups,
    droppedMarks: { a: a.marks.dropped, b: b.marks.dropped },
  };
}

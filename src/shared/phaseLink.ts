// Linked zoom between the two timelines of a recording diff: a time of one recording maps to the
// other through the phases the diff aligned (src/core/diff/recordingDiff.ts: phases start at trace
// markers and are aligned by marker text). Inside a phase both recordings have, the map is linear
// between the phase's start and end on each side (piecewise linear over the matched phases);
// anywhere else (a phase only one recording has, outside the trace) there is no mapping and the
// link says it is off rather than invent one. Pure: the client calls it, the unit tests check it.
import type { PhasePair, PhaseSpan } from './protocol';
import type { TimeRange } from './timelineProtocol';

export type Side = 'A' | 'B';

export type LinkedRange = { range: TimeRange; reason?: undefined } | { range?: undefined; reason: string };

export interface PhaseLink {
  pairs: readonly PhasePair[];
  unmatched: readonly { side: Side; phase: PhaseSpan }[];
}

function spanOf(p: PhasePair, side: Side): PhaseSpan {
  return side === 'A' ? p.a : p.b;
}

/** Where `t` of recording `from` is in the other recording, or undefined outside every matched phase. */
export function mapTime(link: PhaseLink, from: Side, t: number): number | undefined {
  const to: Side = from === 'A' ? 'B' : 'A';
  for (const p of link.pairs) {
    const s = spanOf(p, from);
    if (t < s.t0 || t > s.t1) continue;
    const d = spanOf(p, to);
    // A phase of no length on this side (two markers at one instant) maps to its start on the other.
    const f = s.t1 > s.t0 ? (t - s.t0) / (s.t1 - s.t0) : 0;
    return d.t0 + f * (d.t1 - d.t0);
  }
  return undefined;
}

/** Why `t` of recording `from` has no mapping: the phase only that recording has, or outside the trace's phases. */
function whyUnmapped(link: PhaseLink, from: Side, t: number, names: { A: string; B: string }): string {
  const own = link.unmatched.find((u) => u.side === from && t >= u.phase.t0 && t <= u.phase.t1);
  if (own) return `${names[from]} has a phase here that ${names[from === 'A' ? 'B' : 'A']} does not ("${own.phase.label}")`;
  return `this time is outside the phases both recordings have`;
}

/**
 * The range of the other recording that corresponds to `r` of recording `from` (both ends mapped),
 * or the reason there is none (said by the link instead of moving the other timeline).
 */
export function mapRange(link: PhaseLink, from: Side, r: TimeRange, names: { A: string; B: string }): LinkedRange {
  if (!link.pairs.length) return { reason: 'the two recordings have no phase in common' };
  const t0 = mapTime(link, from, r.t0);
  if (t0 === undefined) return { reason: `link off at the start of ${names[from]}'s view: ${whyUnmapped(link, from, r.t0, names)}` };
  const t1 = mapTime(link, from, r.t1);
  if (t1 === undefined) return { reason: `link off at the end of ${names[from]}'s view: ${whyUnmapped(link, from, r.t1, names)}` };
  return t1 > t0 ? { range: { t0, t1 } } : { reason: 'the view maps to no time in the other recording' };
}

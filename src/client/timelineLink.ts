// The two timelines of a recording diff ("Compare with Another Trace..."): which trace is which
// side, whether zoom and pan are linked, and what each timeline is told: the range to show when
// the other moves (mapped through the diff's aligned phases, src/shared/phaseLink.ts), why the
// link is off when a view has no mapping, and the legend's words for each finding class, from the
// diff's own verdict (ClassChange.kind: the rows of src/core/diff/recordingDiff.ts). No vscode
// import: the panel (timelinePanel.ts) posts what this decides, the unit tests call it directly.
import type { ClassChange, RecordingDiffResult } from '../shared/protocol';
import { mapRange, type Side } from '../shared/phaseLink';
import type { CompareViewState, TimeRange } from '../shared/timelineProtocol';

function signed(n: number): string {
  const r = Math.round(n);
  return r > 0 ? `+${r}` : String(r);
}

/** Whether the legend highlights a class: the diff found a change (significant over repeated passes, or in phases that occur once). */
export function isChanged(c: ClassChange): boolean {
  return c.kind === 'significant' || c.kind === 'once';
}

/** The legend's words for a class: its counts and the diff's verdict, as the diff states it. */
export function classChangeText(c: ClassChange): string {
  const counts = `A ${c.a} → B ${c.b}`;
  const iv = c.interval ? `[${signed(c.interval.lo)}, ${signed(c.interval.hi)}]` : '';
  switch (c.kind) {
    case 'significant':
      return `changed: ${counts}; repeated passes ${iv}: significant${c.onceDelta ? `; ${signed(c.onceDelta)} in phases that occur once` : ''}`;
    case 'once':
      return `changed: ${counts}; ${c.onceDelta ? `${signed(c.onceDelta)} in phases that occur once` : `${signed(c.b - c.a)}`} (spread unknown)${iv ? `; repeated passes ${iv}: no significant change` : ''}`;
    case 'not-significant':
      return `no significant change: ${counts}; repeated passes ${iv}`;
    case 'same':
      return `same: ${counts}`;
  }
}

export class TimelineLink {
  linked = true;
  /** Why the link did not map the latest view, per side that moved (shown in both timelines). */
  private note: string | undefined;

  constructor(
    readonly before: string,
    readonly after: string,
    readonly diff: RecordingDiffResult,
  ) {
    this.note = diff.linkUnavailable ? `link off: ${diff.linkUnavailable}` : undefined;
  }

  sideOf(uri: string): Side | undefined {
    return uri === this.before ? 'A' : uri === this.after ? 'B' : undefined;
  }

  uriOf(side: Side): string {
    return side === 'A' ? this.before : this.after;
  }

  private get names(): { A: string; B: string } {
    return { A: this.diff.beforeName, B: this.diff.afterName };
  }

  state(side: Side): CompareViewState {
    const other: Side = side === 'A' ? 'B' : 'A';
    return {
      side,
      self: this.names[side],
      other: this.names[other],
      linked: this.linked,
      classes: this.diff.classes.map((c) => ({ cls: c.cls, changed: isChanged(c), text: classChangeText(c) })),
      ...(this.linked && this.note ? { note: this.note } : {}),
    };
  }

  /**
   * Side `from` now shows `range`: the range the other side must show, or undefined (unlinked, or
   * no mapping; then `noteChanged` says whether both timelines must be told the new reason).
   */
  follow(from: Side, range: TimeRange): { range: TimeRange | undefined; noteChanged: boolean } {
    if (!this.linked) return { range: undefined, noteChanged: false };
    const before = this.note;
    if (this.diff.linkUnavailable) return { range: undefined, noteChanged: false };
    const m = mapRange(this.diff, from, range, this.names);
    this.note = m.reason;
    return { range: m.range, noteChanged: before !== this.note };
  }

  setLinked(on: boolean): void {
    this.linked = on;
    if (!on && !this.diff.linkUnavailable) this.note = undefined;
  }
}

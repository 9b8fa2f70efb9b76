// The one place both replays (arm64/, x86/) put their findings, with the one cap rule:
//
//   Every finding is counted (its class's count and vCPU cost stay exact, so counters and the
//   headline cover all of them), but at most MAX_LISTED_PER_CLASS findings of each class are listed
//   (kept as objects, for reports, diagnostics and hovers). The rest are counted, not listed, and
//   the analysis says how many (`droppedNote`).
//
// Per class rather than in total, so that a flood of one class (a dirty-log pass makes hundreds of
// thousands of S1 or X1) never hides the few findings of another. ARCHITECTURE.md states the rule.
import type { Finding, FindingClass } from '../domain/types';

export const MAX_LISTED_PER_CLASS = 5_000;

export class FindingSink {
  /** Listed findings, in the order they were pushed (the replay sorts them at the end). */
  readonly findings: Finding[] = [];
  /** Exact count per class, listed or not. */
  readonly count = new Map<FindingClass, number>();
  /** Exact vCPU cost (ns) per class, listed or not. */
  readonly cost = new Map<FindingClass, number>();
  /** Findings counted but not listed. */
  dropped = 0;
  /** Indices in `findings` of findings revised away after their class passed the cap (removed by `compact`). */
  private readonly revisedAway = new Set<number>();

  /** Whether a finding of this class would still be listed: if not, a replay builds no message for it. */
  listing(cls: FindingClass): boolean {
    return (this.count.get(cls) ?? 0) < MAX_LISTED_PER_CLASS;
  }

  /** Past the cap a finding is only counted: true when it was (the caller then builds no object). */
  countOnly(cls: FindingClass, costNs: number | undefined): boolean {
    const n = this.count.get(cls) ?? 0;
    if (n < MAX_LISTED_PER_CLASS) return false;
    this.count.set(cls, n + 1);
    if (costNs !== undefined) this.cost.set(cls, (this.cost.get(cls) ?? 0) + costNs);
    this.dropped++;
    return true;
  }

  /** Counts the finding and lists it below the cap: its index in `findings`, else -1. */
  push(fd: Finding): number {
    const n = (this.count.get(fd.cls) ?? 0) + 1;
    this.count.set(fd.cls, n);
    if (fd.costNs !== undefined) this.cost.set(fd.cls, (this.cost.get(fd.cls) ?? 0) + fd.costNs);
    if (n > MAX_LISTED_PER_CLASS) {
      this.dropped++;
      return -1;
    }
    return this.findings.push(fd) - 1;
  }

  /** `n` findings of a class that are counted and never listed (sums kept past a record cap). */
  countUnlisted(cls: FindingClass, n: number): void {
    this.count.set(cls, (this.count.get(cls) ?? 0) + n);
    this.dropped += n;
  }

  /**
   * A revised verdict: one finding of class `from` (cost `costNs`, listed at `index` or -1) becomes
   * `revised` (its class `revised.cls`). Counts and costs move; the finding is listed as revised
   * when its new class is below the cap, else only counted. Returns whether it is listed.
   */
  revise(from: FindingClass, index: number, costNs: number, revised: () => Finding, to: FindingClass): boolean {
    const left = (this.count.get(from) ?? 1) - 1;
    const leftCost = (this.cost.get(from) ?? costNs) - costNs;
    if (left > 0) {
      this.count.set(from, left);
      this.cost.set(from, leftCost);
    } else {
      this.count.delete(from);
      this.cost.delete(from);
    }
    const n = (this.count.get(to) ?? 0) + 1;
    this.count.set(to, n);
    this.cost.set(to, (this.cost.get(to) ?? 0) + costNs);
    if (n > MAX_LISTED_PER_CLASS) {
      // Past the new class's cap the revised finding is only counted, like any other there.
      if (index >= 0) {
        this.revisedAway.add(index);
        this.dropped++;
      }
      return false;
    }
    const fd = revised();
    if (index >= 0) this.findings[index] = fd;
    else {
      // The old finding was past its cap (counted, not listed); as the new class it is listed.
      this.findings.push(fd);
      this.dropped--;
    }
    return true;
  }

  /** The listed findings without those revised away (a copy only when some were). */
  live(): Finding[] {
    return this.revisedAway.size === 0 ? this.findings : this.findings.filter((_, i) => !this.revisedAway.has(i));
  }

  /** Removes the findings revised away from the list (at the end of the replay). */
  compact(): void {
    if (this.revisedAway.size === 0) return;
    let j = 0;
    for (let i = 0; i < this.findings.length; i++) if (!this.revisedAway.has(i)) this.findings[j++] = this.findings[i];
    this.findings.length = j;
    this.revisedAway.clear();
  }

  /** What the analysis says when some findings were counted but not listed: how many of which class. */
  droppedNote(): string | undefined {
    if (!this.dropped) return undefined;
    const listed = new Map<FindingClass, number>();
    for (const f of this.live()) listed.set(f.cls, (listed.get(f.cls) ?? 0) + 1);
    const unlisted = [...this.count]
      .map(([cls, n]) => [cls, n - (listed.get(cls) ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return `findings: each class lists its first ${MAX_LISTED_PER_CLASS}; counted but not listed: ${unlisted.map(([cls, n]) => `${n} ${cls}`).join(', ')}`;
  }
}

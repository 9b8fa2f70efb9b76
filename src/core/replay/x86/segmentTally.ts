// Per-marker segment tallies of the x86 replay: the trace is cut at every trace_marker line (the
// capture tool's ground truth is cut the same way), and each segment counts its faults by outcome
// (as traced and under the what-if), its duplicate faults, fast-path verdicts, SPTE transitions
// and split results. Duplicates are a page's faults beyond the one that did its work.
import type { FindingClass } from '../../domain/types';

export interface X86SegmentSummary {
  label: string;
  line: number;
  ts: number;
  faults: number;
  distinctPages: number;
  duplicates: number;
  /** Fault outcomes in the ground truth's vocabulary (`fast_fixed`, `slow_modify(clear_D)`, ...). */
  outcomes: Record<string, number>;
  /** The same faults under the configured what-if (equal to `outcomes` when nothing differs; `avoided` = would not happen). */
  whatIfOutcomes: Record<string, number>;
  /** Outcomes of the duplicate faults only: a page's faults beyond the one that did its work (or beyond its first). */
  duplicateOutcomes: Record<string, number>;
  fast: { total: number; fixed: number; spurious: number; neither: number };
  /** `L1:wrprot`, `L2:split`, ... counts of SPTE transitions. */
  transitions: Record<string, number>;
  /** `ok/L2`, `errno-16/L2`. */
  splitEvents: Record<string, number>;
  findings: Partial<Record<FindingClass, number>>;
}

/** Outcomes that did the page's work (installed or unprotected it); the page's other faults are duplicates. */
const PRODUCTIVE = /^(fast_fail\+)?(fast_fixed|slow_map|slow_unwp|slow_set_first)(\+split)?$/;
/** Bounded memory on long traces without markers: past this many faults per page, the rest count as duplicates. */
const MAX_OUTCOMES_PER_PAGE = 64;

export function inc(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

export class SegmentState {
  readonly summary: X86SegmentSummary;
  private readonly pageOutcomes = new Map<number, string[]>();
  /** (gfn, level) keys that a kvm_mmu_set_spte already set in this segment (shadow MMU: first vs again). */
  readonly setSeen = new Set<number>();

  constructor(label: string, line: number, ts: number) {
    this.summary = {
      label, line, ts, faults: 0, distinctPages: 0, duplicates: 0, outcomes: {}, whatIfOutcomes: {}, duplicateOutcomes: {},
      fast: { total: 0, fixed: 0, spurious: 0, neither: 0 }, transitions: {}, splitEvents: {}, findings: {},
    };
  }

  addFault(gfn: number, outcome: string, whatIfOutcome: string): void {
    const sum = this.summary;
    sum.faults++;
    inc(sum.outcomes, outcome);
    inc(sum.whatIfOutcomes, whatIfOutcome);
    const list = this.pageOutcomes.get(gfn);
    if (list) {
      sum.duplicates++;
      if (list.length < MAX_OUTCOMES_PER_PAGE) list.push(outcome);
      else inc(sum.duplicateOutcomes, outcome);
    } else {
      sum.distinctPages++;
      this.pageOutcomes.set(gfn, [outcome]);
    }
  }

  /** Settles which fault of each page was the productive one; the page lists are dropped. */
  close(): void {
    for (const list of this.pageOutcomes.values()) {
      let primary = list.findIndex((o) => PRODUCTIVE.test(o));
      if (primary < 0) primary = 0;
      list.forEach((o, i) => {
        if (i !== primary) inc(this.summary.duplicateOutcomes, o);
      });
    }
    this.pageOutcomes.clear();
    this.setSeen.clear();
  }
}

// The timeline's bin classes: what a bin counts, which class stands out in a bin (severity order
// from the finding catalog), and the bin-edge formula. The server's index bins with them and the
// webview draws with them (src/shared/timelineProtocol.ts re-exports them), so both sides agree.
import type { FindingClass, MarkKind } from '../domain/types';
import { CLASS_ORDER, FINDING_CLASSES, findingEntry, isRedundantCmo, isSpurious, type FindingNature } from '../catalog/findings';

// Bin classes: what a bin counts. A mark's class is its finding class when it has one (a spurious
// fault, a redundant CMO), else its kind (`fault` = an ordinary fault).

export type BinClass = FindingClass | MarkKind;

/** How much a class should stand out, by its nature in the catalog (lower first). */
const NATURE_RANK: Readonly<Record<FindingNature, number>> = { anomaly: 0, 'inherent-race': 1, redundant: 2, 'by-design': 3, 'host-action': 4, 'no-op': 5 };
const SEVERITY_RANK = { error: 0, warning: 1, information: 2, hint: 3 } as const;

/**
 * Worst first: a bin's `worst` is the first of these it contains. Finding classes by nature then
 * severity (catalog order breaks ties): anomalies and spurious faults stand out, no-op calls last.
 */
export const BIN_CLASS_ORDER: readonly BinClass[] = [
  ...[...FINDING_CLASSES]
    .sort((a, b) => NATURE_RANK[a.nature] - NATURE_RANK[b.nature] || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])
    .map((e) => e.cls),
  'window', 'split', 'coalesce', 'tlbi', 'cmo', 'host', 'fault', 'marker',
];

export const BIN_CLASS_INDEX: Readonly<Record<BinClass, number>> = Object.fromEntries(
  BIN_CLASS_ORDER.map((c, i) => [c, i]),
) as Record<BinClass, number>;

/** Spurious faults (drawn in the warning/error colours): the catalog's rule, src/core/catalog/findings.ts. */
export function isSpuriousClass(c: BinClass): boolean {
  return isFindingClass(c) && isSpurious(c);
}

/** Redundant or anomalous cache maintenance (no-op static branches such as C1/C2 are not). */
export function isRedundantCmoClass(c: BinClass): boolean {
  return isFindingClass(c) && isRedundantCmo(c);
}

function isFindingClass(c: BinClass): c is FindingClass {
  return (CLASS_ORDER as readonly string[]).includes(c);
}

/** Classes that count as faults (ordinary or classified). */
export function isFaultClass(c: BinClass): boolean {
  return c === 'fault' || (isFindingClass(c) && findingEntry(c).subject !== 'cmo');
}

export function binClassOf(mark: { kind: MarkKind; cls?: FindingClass | undefined }): BinClass {
  return mark.cls ?? mark.kind;
}

/**
 * Bins of a window [t0, t1] at `width` pixels: bin i covers [binStart(i), binStart(i+1)), the last
 * bin also holds t1 itself, so the bins of a window add up to the range statistics of [t0, t1].
 */
export function binStart(t0: number, t1: number, width: number, i: number): number {
  return i >= width ? t1 : t0 + ((t1 - t0) * i) / width;
}

// Binary searches over sorted timestamp arrays, and the positions of a window's bin edges in one:
// the single primitive every timeline count is built from (bins, selections, markers, heat).
// pos[i] = first element >= binStart(i) for i < width, pos[width] = first element > t1.
import { binStart } from '../../shared/timelineProtocol';

export type SortedNumbers = Float64Array | readonly number[];

/** First index i in [lo, hi) with a[i] >= x (hi when none). */
export function lowerBound(a: SortedNumbers, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [lo, hi) with a[i] > x (hi when none). */
export function upperBound(a: SortedNumbers, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Positions of the bin edges of [t0, t1] at `width` bins in `a` (length width + 1, see header).
 * Few elements in the window: one merge walk (O(width + k)); many: a binary search per edge
 * (O(width log n)). Both compute the same lower bounds, so the result never depends on the path.
 */
export function edgePositions(a: SortedNumbers, t0: number, t1: number, width: number, out = new Int32Array(width + 1)): Int32Array {
  const first = lowerBound(a, t0);
  const last = upperBound(a, t1, first);
  const k = last - first;
  out[0] = first;
  out[width] = last;
  if (k === 0) {
    out.fill(first, 0, width + 1);
    return out;
  }
  const log = Math.log2(k + 1) + 1;
  if (k <= width * log) {
    let p = first;
    for (let i = 1; i < width; i++) {
      const e = binStart(t0, t1, width, i);
      while (p < last && a[p] < e) p++;
      out[i] = p;
    }
  } else {
    let p = first;
    for (let i = 1; i < width; i++) {
      p = lowerBound(a, binStart(t0, t1, width, i), p, last);
      out[i] = p;
    }
  }
  return out;
}

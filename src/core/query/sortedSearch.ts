// Binary searches over sorted timestamp arrays, and the positions of a window's bin edges in one:
// the single primitive every timeline count is built from (bins, selections, markers, heat).
// pos[i] = first element >= binStart(i) for i < width, pos[width] = first element > t1.
import { binStart } from './binClasses';

// A module-level alias: one definition of the bin edges, without an import getter in hot loops.
const edgeAt = binStart;

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
 * lowerBound of x at or after `from`, searching outward from `from` first (galloping): the next
 * bin edge is usually close to the previous one, so this touches few cache lines of a big array.
 */
export function gallopLowerBound(a: SortedNumbers, x: number, from: number, hi: number): number {
  if (from >= hi || a[from] >= x) return from;
  let step = 1;
  let lo = from;
  while (from + step < hi && a[from + step] < x) {
    lo = from + step;
    step *= 2;
  }
  return lowerBound(a, x, lo + 1, Math.min(from + step, hi));
}

/** Every SAMPLE_STRIDE-th timestamp of a big sorted array: a small, cache-resident first level. */
export const SAMPLE_STRIDE = 64;

export function sampleOf(a: Float64Array): Float64Array {
  const out = new Float64Array(Math.ceil(a.length / SAMPLE_STRIDE));
  for (let k = 0; k < out.length; k++) out[k] = a[k * SAMPLE_STRIDE];
  return out;
}

/**
 * lowerBound of x at or after `from` in two levels: gallop over the samples to the block, then a
 * binary search inside one block of SAMPLE_STRIDE entries (a few cache lines of the big array).
 */
export function sampledLowerBound(a: SortedNumbers, sample: Float64Array, x: number, from: number, hi: number): number {
  const k = gallopLowerBound(sample, x, Math.floor(from / SAMPLE_STRIDE), sample.length);
  // sample[k] = a[k * STRIDE] >= x, sample[k - 1] < x: the answer is in ((k - 1) * STRIDE, k * STRIDE].
  return lowerBound(a, x, Math.max(from, (k - 1) * SAMPLE_STRIDE), Math.min(hi, k * SAMPLE_STRIDE));
}

/**
 * Positions of the bin edges of [t0, t1] at `width` bins in `a` (length width + 1, see header).
 * Few elements in the window: one merge walk (O(width + k)); many: a binary search per edge
 * (galloping from the previous edge, over `sample` first when given). All compute the same lower bounds,
 * so the result never depends on the path.
 */
export function edgePositions(a: SortedNumbers, t0: number, t1: number, width: number, out = new Int32Array(width + 1), sample?: Float64Array): Int32Array {
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
      const e = edgeAt(t0, t1, width, i);
      while (p < last && a[p] < e) p++;
      out[i] = p;
    }
  } else {
    let p = first;
    if (sample)
      for (let i = 1; i < width; i++) {
        p = sampledLowerBound(a, sample, edgeAt(t0, t1, width, i), p, last);
        out[i] = p;
      }
    else
      for (let i = 1; i < width; i++) {
        p = gallopLowerBound(a, edgeAt(t0, t1, width, i), p, last);
        out[i] = p;
      }
  }
  return out;
}

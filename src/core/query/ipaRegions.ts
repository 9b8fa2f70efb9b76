// Rows of the IPA heat track: the guest-physical regions that fault, at the finest power-of-two
// size (from 2 MiB up) that keeps at most `maxRows` distinct regions. Only regions that fault get
// a row, so a sparse IPA space (RAM far above MMIO) does not waste rows on empty address ranges.

const MIN_REGION = 2 * 1024 * 1024;

export interface IpaRegions {
  /** Region size in bytes (a power of two). */
  size: number;
  /** Sorted region numbers (ipa / size, floored). */
  keys: Float64Array;
}

export function ipaRegions(ipas: Iterable<number>, maxRows: number): IpaRegions {
  const distinct = new Set<number>();
  // Neighbouring faults mostly share a region: skip the Set for repeats (millions of IPAs).
  let last = NaN;
  for (const ipa of ipas) {
    if (!(Number.isFinite(ipa) && ipa >= 0)) continue;
    const region = Math.floor(ipa / MIN_REGION);
    if (region !== last) distinct.add((last = region));
  }
  let keys = Float64Array.from(distinct).sort();
  let size = MIN_REGION;
  while (keys.length > Math.max(1, maxRows)) {
    size *= 2;
    const merged: number[] = [];
    for (const k of keys) {
      const c = Math.floor(k / 2);
      if (merged.length === 0 || merged[merged.length - 1] !== c) merged.push(c);
    }
    keys = Float64Array.from(merged);
  }
  return { size, keys };
}

/** Row of an IPA, or -1 when it is in no region. */
export function regionRow(r: IpaRegions, ipa: number): number {
  const k = Math.floor(ipa / r.size);
  let lo = 0;
  let hi = r.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (r.keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo < r.keys.length && r.keys[lo] === k ? lo : -1;
}

// A stable LSD radix sort of indices by unsigned 32-bit keys (two 16-bit passes): O(n) where a
// comparator sort of millions of indices takes seconds. The timeline sorts its marks by line with
// it (locate: editor cursor to timeline), once per analysis.

/** `ids` reordered by `key(id)` ascending, ties kept in their input order. Keys must be integers in [0, 2^32). */
export function radixSortByKey(ids: Int32Array, key: (id: number) => number): Int32Array {
  const n = ids.length;
  const keys = new Uint32Array(n);
  for (let j = 0; j < n; j++) keys[j] = key(ids[j]);
  let srcIds = ids.slice();
  let srcKeys = keys;
  let dstIds = new Int32Array(n);
  let dstKeys = new Uint32Array(n);
  const count = new Int32Array(65537);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let j = 0; j < n; j++) count[((srcKeys[j] >>> shift) & 0xffff) + 1]++;
    // Every key has the same 16 bits here: this pass would only copy.
    if (count.some((c, d) => d > 0 && c === n)) continue;
    for (let d = 1; d < 65537; d++) count[d] += count[d - 1];
    for (let j = 0; j < n; j++) {
      const d = (srcKeys[j] >>> shift) & 0xffff;
      const at = count[d]++;
      dstIds[at] = srcIds[j];
      dstKeys[at] = srcKeys[j];
    }
    [srcIds, dstIds] = [dstIds, srcIds];
    [srcKeys, dstKeys] = [dstKeys, srcKeys];
  }
  return srcIds;
}

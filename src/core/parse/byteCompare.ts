// Equality of two byte ranges, eight bytes at a time through DataViews (a byte loop over two
// Buffers costs about three times as much, and a native Buffer#compare call more still for the
// short ranges the interners compare). viewOf caches the view of the last buffer asked for.

let lastBuf: Buffer | undefined;
let lastView: DataView | undefined;

export function viewOf(b: Buffer): DataView {
  if (b !== lastBuf || lastView === undefined) {
    lastView = new DataView(b.buffer, b.byteOffset, b.byteLength);
    lastBuf = b;
  }
  return lastView;
}

/** a[ao, ao+len) equals b[bo, bo+len); av and bv are viewOf(a) and viewOf(b). */
export function sameBytes(a: Buffer, av: DataView, ao: number, b: Buffer, bv: DataView, bo: number, len: number): boolean {
  let i = 0;
  // eight bytes per step as a double: half the steps of Int32 reads. Doubles are not bit-exact
  // (a NaN never equals itself, +0 equals -0), so a mismatch or a zero is settled by the halves.
  for (; i + 8 <= len; i += 8) {
    const x = av.getFloat64(ao + i, true);
    if (x !== bv.getFloat64(bo + i, true) || x === 0) {
      if (av.getInt32(ao + i, true) !== bv.getInt32(bo + i, true) || av.getInt32(ao + i + 4, true) !== bv.getInt32(bo + i + 4, true)) return false;
    }
  }
  for (; i + 4 <= len; i += 4) if (av.getInt32(ao + i, true) !== bv.getInt32(bo + i, true)) return false;
  for (; i < len; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

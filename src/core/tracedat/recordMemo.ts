// A per-event memo keyed by a record's own field bytes (everything after the common header): two
// records with the same bytes print the same payload and decode to the same Decoded, so repeats
// (timer updates, kretprobe returns, debug-register writes) skip rendering and decoding. Events
// whose records rarely repeat switch the memo off after a few thousand lookups.

import type { DecodeResult } from '../parse/decoders/result';
import type { EventFormat } from './eventFormat';
import type { RecordView } from './printFormat';

export interface RecordMemoEntry {
  /** The payload as rendered (its length sets the line offsets). */
  raw: string;
  /** The payload as delivered (trimmed like the text parser does). */
  payload: string;
  decoded: DecodeResult;
}

interface Slot {
  bytes: Uint8Array;
  entry: RecordMemoEntry;
}

/** Records longer than this are not memoised (hashing them costs more than it saves). */
const MAX_KEY_BYTES = 64;
const MAX_ENTRIES = 1024;
const WINDOW = 4096;

export class RecordMemo {
  off = false;
  private readonly map = new Map<number, Slot>();
  private lookups = 0;
  private hits = 0;

  private constructor(private readonly dataStart: number) {}

  /**
   * A memo for an event whose print fmt reads only its own fields (not `common_*`), or undefined.
   * The bytes after the common fields are the whole key, so equal keys mean equal output.
   */
  static forFormat(fmt: EventFormat): RecordMemo | undefined {
    if (fmt.printFmt.includes('common_')) return undefined;
    let dataStart = 0;
    for (const f of fmt.fields) if (f.name.startsWith('common_')) dataStart = Math.max(dataStart, f.offset + f.size);
    return new RecordMemo(dataStart);
  }

  /** A hash of this record's field bytes (no allocation), or -1 when it is not memoised. */
  hash(r: RecordView): number {
    const n = r.size - this.dataStart;
    if (n < 0 || n > MAX_KEY_BYTES) return -1;
    const dv = r.dv;
    const end = r.start + r.size;
    let a = 0x811c9dc5 ^ n;
    let b = 0x9747b28c;
    let i = r.start + this.dataStart;
    for (; i + 4 <= end; i += 4) {
      const c = dv.getInt32(i, true);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    for (; i < end; i++) {
      const c = r.buf[i];
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    // 21 + 32 bits: a safe integer key
    return (b >>> 11) * 4294967296 + (a >>> 0);
  }

  /** The entry of a record with exactly these field bytes (the hash is checked against the bytes). */
  get(hash: number, r: RecordView): RecordMemoEntry | undefined {
    const slot = this.map.get(hash);
    this.lookups++;
    let hit: RecordMemoEntry | undefined;
    if (slot !== undefined && this.same(slot.bytes, r)) {
      this.hits++;
      hit = slot.entry;
    }
    if (this.lookups === WINDOW) {
      // a miss costs a hash and an insert: keep the memo only where most records repeat
      if (this.hits < WINDOW / 2) {
        this.off = true;
        this.map.clear();
      }
      this.lookups = this.hits = 0;
    }
    return hit;
  }

  set(hash: number, r: RecordView, entry: RecordMemoEntry): void {
    if (this.off || this.map.size >= MAX_ENTRIES) return;
    const from = r.start + this.dataStart;
    this.map.set(hash, { bytes: r.buf.slice(from, r.start + r.size), entry });
  }

  private same(bytes: Uint8Array, r: RecordView): boolean {
    const n = r.size - this.dataStart;
    if (bytes.length !== n) return false;
    const buf = r.buf;
    const from = r.start + this.dataStart;
    for (let i = 0; i < n; i++) if (bytes[i] !== buf[from + i]) return false;
    return true;
  }
}

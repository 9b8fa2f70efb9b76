// A per-event memo keyed by a record's own field bytes (everything after the common header): two
// records with the same bytes print the same payload and decode to the same Decoded, so repeats
// (timer updates, kretprobe returns, debug-register writes) skip rendering and decoding. A
// direct-mapped table of 1024 slots (keys in one byte array: nothing allocated per lookup); events
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

/** Records longer than this are not memoised (hashing them costs more than it saves). */
const MAX_KEY_BYTES = 64;
/** A direct-mapped table: a record's hash picks its slot, a newer record takes the slot over. */
const SLOT_BITS = 10;
const SLOTS = 1 << SLOT_BITS;
const WINDOW = 4096;

export class RecordMemo {
  off = false;
  /** Slot i's key bytes at [i * MAX_KEY_BYTES, + keyLength[i]); allocated at the first store. */
  private keyBytes: Uint8Array | undefined;
  private keyView: DataView | undefined;
  private keyLength = new Int32Array(SLOTS);
  private entries: (RecordMemoEntry | undefined)[] = new Array<RecordMemoEntry | undefined>(SLOTS).fill(undefined);
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

  /** The slot of this record's field bytes (a hash; no allocation), or -1 when it is not memoised. */
  hash(r: RecordView): number {
    const n = r.size - this.dataStart;
    if (n < 0 || n > MAX_KEY_BYTES) return -1;
    const dv = r.dv;
    const end = r.start + r.size;
    let a = 0x811c9dc5 ^ n;
    let i = r.start + this.dataStart;
    for (; i + 4 <= end; i += 4) a = Math.imul(a ^ dv.getInt32(i, true), 0x01000193) ^ (a >>> 15);
    for (; i < end; i++) a = Math.imul(a ^ r.buf[i], 0x01000193);
    return Math.imul(a ^ (a >>> 16), 0x85ebca6b) >>> (32 - SLOT_BITS);
  }

  /** The entry of a record with exactly these field bytes (the slot's bytes are compared). */
  get(slot: number, r: RecordView): RecordMemoEntry | undefined {
    const entry = this.entries[slot];
    this.lookups++;
    let hit: RecordMemoEntry | undefined;
    if (entry !== undefined && this.same(slot, r)) {
      this.hits++;
      hit = entry;
    }
    if (this.lookups === WINDOW) {
      // a miss costs a hash and a store: keep the memo only where most records repeat
      if (this.hits < WINDOW / 2) {
        this.off = true;
        this.keyBytes = undefined;
        this.keyView = undefined;
        this.entries.fill(undefined);
      }
      this.lookups = this.hits = 0;
    }
    return hit;
  }

  set(slot: number, r: RecordView, entry: RecordMemoEntry): void {
    if (this.off) return;
    const n = r.size - this.dataStart;
    let keys = this.keyBytes;
    if (keys === undefined) {
      keys = this.keyBytes = new Uint8Array(SLOTS * MAX_KEY_BYTES);
      this.keyView = new DataView(keys.buffer);
    }
    const from = r.start + this.dataStart;
    const at = slot * MAX_KEY_BYTES;
    const buf = r.buf;
    for (let i = 0; i < n; i++) keys[at + i] = buf[from + i];
    this.keyLength[slot] = n;
    this.entries[slot] = entry;
  }

  private same(slot: number, r: RecordView): boolean {
    const n = r.size - this.dataStart;
    if (this.keyLength[slot] !== n) return false;
    const keys = this.keyBytes!;
    const view = this.keyView!;
    const dv = r.dv;
    const buf = r.buf;
    const from = r.start + this.dataStart;
    const at = slot * MAX_KEY_BYTES;
    // four bytes at a time, then the tail
    let i = 0;
    for (; i + 4 <= n; i += 4) if (view.getInt32(at + i, true) !== dv.getInt32(from + i, true)) return false;
    for (; i < n; i++) if (keys[at + i] !== buf[from + i]) return false;
    return true;
  }
}

// Interns short ASCII texts (task names, flag columns, event names) straight from the line's
// bytes: the same text gives the same string instance and, once seen, no allocation at all.
// Fixed size (a slot is overwritten on collision), so memory stays bounded on hostile input;
// texts with bytes >= 0x80 are refused so that callers fall back to the UTF-8 string path.
import * as compare from './byteCompare';
import * as framer from './lineFramer';

// Imported functions bound once: a per-file CommonJS build (tests, bench) would otherwise reach
// them through an export getter on every call, a measurable share of the per-line cost.
const sameBytes = compare.sameBytes;
const viewOf = compare.viewOf;
const utf8 = framer.utf8;

const SLOTS = 2048; // power of two
const MAX_LEN = 64;

export class ByteInterner {
  private readonly keys = Buffer.alloc(SLOTS * MAX_LEN);
  private readonly keysView = new DataView(this.keys.buffer, this.keys.byteOffset, this.keys.byteLength);
  private readonly lens = new Int32Array(SLOTS).fill(-1);
  private readonly values: string[] = new Array<string>(SLOTS).fill('');

  /** The text of buf[start, end) as a shared string, or undefined when it is too long or not ASCII. */
  get(buf: Buffer, start: number, end: number): string | undefined {
    const len = end - start;
    if (len <= 0) return len === 0 ? '' : undefined;
    if (len > MAX_LEN) return undefined;
    // a few sampled bytes, not a loop: sameBytes does the real comparison
    const h = len * 7919 + buf[start] * 31 + buf[end - 1] * 131 + buf[start + (len >> 1)] * 17 + buf[start + (len >> 2)] * 1031;
    const slot = (h ^ (h >>> 9)) & (SLOTS - 1);
    const base = slot * MAX_LEN;
    if (this.lens[slot] === len && sameBytes(this.keys, this.keysView, base, buf, viewOf(buf), start, len)) return this.values[slot];
    for (let i = start; i < end; i++) if (buf[i] >= 0x80) return undefined;
    const fresh = utf8(buf, start, end);
    buf.copy(this.keys, base, start, end);
    this.lens[slot] = len;
    this.values[slot] = fresh;
    return fresh;
  }
}

// The byte-level twin of DecodeMemo, used by the parser's byte fast path: keyed by the bytes of
// the event text after the timestamp (`name: payload`), it gives back the event name, the payload
// string and its decoding at once, so a line whose text was seen before (function tracer lines,
// kretprobe returns, guest-loop exits) costs neither a name scan, a string nor a decode. Same
// bounded table and per-name hit-rate probation as DecodeMemo: names whose payloads do not repeat
// are not stored. Payload strings and Decoded objects are shared between events with equal text.
import * as compare from './byteCompare';
import * as decode from './decode';
import * as probes from './decoders/probes';
import type { DecodeResult } from './decoders/result';
import * as framer from './lineFramer';

// Imported functions bound once: a per-file CommonJS build (tests, bench) would otherwise reach
// them through an export getter on every call, a measurable share of the per-line cost.
const sameBytes = compare.sameBytes;
const viewOf = compare.viewOf;
const utf8 = framer.utf8;
const decodePayload = decode.decodePayload;
const isKnownEvent = decode.isKnownEvent;
const looksLikeProbe = probes.looksLikeProbe;
const decodeProbe = probes.decodeProbe;

const SLOTS = 8192; // power of two
/** Longer texts are not memoised (comparing them would cost about as much as decoding). */
const MAX_LEN = 192;
const PROBATION = 512;
const MIN_HITS = PROBATION / 4;
const MAX_NAMES = 4096;
const RECENT = 64; // power of two

class NameStats {
  lookups = 0;
  hits = 0;
  enabled = true;

  /** Counts one lookup; every PROBATION of them, a name whose texts do not repeat turns the memo off. */
  count(hit: boolean): void {
    if (hit) this.hits++;
    if (++this.lookups >= PROBATION) {
      if (this.hits < MIN_HITS) this.enabled = false;
      this.lookups = 0;
      this.hits = 0;
    }
  }
}

function decodeText(name: string, payload: string): DecodeResult {
  if (isKnownEvent(name)) return decodePayload(name, payload);
  // what decodePayload does with a name it does not know, without testing the payload twice;
  // events no decoder knows cost less to reject than to look up
  return looksLikeProbe(payload) ? decodeProbe(name, payload) : undefined;
}

export class ByteDecodeMemo {
  /** Set by lookup() (on a hit) and decode(): the event name, payload, its decoding, and the payload's UTF-8 bytes beyond its length. */
  name = '';
  payload = '';
  result: DecodeResult = undefined;
  excess = 0;
  private readonly names = new Map<string, NameStats>();
  /** In front of `names`: a few name instances and their stats, looked up by identity. */
  private readonly recentName: (string | undefined)[] = new Array<string | undefined>(RECENT).fill(undefined);
  private readonly recentStats: (NameStats | undefined)[] = new Array<NameStats | undefined>(RECENT).fill(undefined);
  private readonly keyLen = new Int32Array(SLOTS).fill(-1);
  private readonly keyBytes = Buffer.alloc(SLOTS * MAX_LEN);
  private readonly keyView = new DataView(this.keyBytes.buffer, this.keyBytes.byteOffset, this.keyBytes.byteLength);
  private readonly slotName: string[] = new Array<string>(SLOTS).fill('');
  private readonly slotPayload: string[] = new Array<string>(SLOTS).fill('');
  private readonly slotResult: DecodeResult[] = new Array<DecodeResult>(SLOTS).fill(undefined);
  private readonly slotExcess = new Int32Array(SLOTS);
  private readonly slotStats: (NameStats | undefined)[] = new Array<NameStats | undefined>(SLOTS).fill(undefined);

  private slotOf(buf: Buffer, start: number, end: number): number {
    const len = end - start;
    if (len < 8) {
      let h = len * 7919;
      for (let k = start; k < end; k++) h = Math.imul(h ^ buf[k], 0x9e3779b1);
      return (h ^ (h >>> 15)) & (SLOTS - 1);
    }
    // four 32-bit words spread over the text (its tail varies most), mixed independently rather
    // than in one chain of multiplications, plus its length
    const bv = viewOf(buf);
    const q = (len - 4) >> 2;
    const k = end - 4;
    let h = (Math.imul(bv.getInt32(k, true), 0x9e3779b1) + Math.imul(bv.getInt32(k - q, true), 0x85ebca6b)) | 0;
    h = (h + Math.imul(bv.getInt32(k - 2 * q, true), 0xc2b2ae35) + Math.imul(bv.getInt32(k - 3 * q, true), 0x27d4eb2f) + len * 7919) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    return (h ^ (h >>> 15)) & (SLOTS - 1);
  }

  /** True when the event text buf[start, end) was stored: name, payload, result and excess are then its own. */
  lookup(buf: Buffer, start: number, end: number): boolean {
    const len = end - start;
    if (len > MAX_LEN || len <= 0) return false;
    const slot = this.slotOf(buf, start, end);
    if (this.keyLen[slot] !== len || !sameBytes(this.keyBytes, this.keyView, slot * MAX_LEN, buf, viewOf(buf), start, len)) return false;
    this.slotStats[slot]!.count(true);
    this.name = this.slotName[slot];
    this.payload = this.slotPayload[slot];
    this.result = this.slotResult[slot];
    this.excess = this.slotExcess[slot];
    return true;
  }

  /**
   * After a failed lookup: the payload buf[p, e) of event `name`, whose whole text is
   * buf[start, end), decoded; stored unless the name's texts do not repeat. Sets the fields.
   */
  decode(name: string, buf: Buffer, p: number, e: number, start: number, end: number): void {
    const payload = p < e ? utf8(buf, p, e) : '';
    const result = decodeText(name, payload);
    this.name = name;
    this.payload = payload;
    this.result = result;
    this.excess = e - p - payload.length;
    const len = end - start;
    if (len > MAX_LEN || len <= 0) return;
    const st = this.statsOf(name);
    if (!st.enabled) return;
    st.count(false);
    const slot = this.slotOf(buf, start, end);
    // a loop, not buf.copy(): Buffer.prototype.copy costs more in its argument checks than a
    // text of at most MAX_LEN bytes takes to move
    const keys = this.keyBytes;
    for (let i = 0, at = slot * MAX_LEN; i < len; i++) keys[at + i] = buf[start + i];
    this.keyLen[slot] = len;
    this.slotName[slot] = name;
    this.slotPayload[slot] = payload;
    this.slotResult[slot] = result;
    this.slotExcess[slot] = this.excess;
    this.slotStats[slot] = st;
  }

  private statsOf(name: string): NameStats {
    const r = (name.length * 7 + name.charCodeAt(name.length - 1) + name.charCodeAt(name.length >> 1) * 3) & (RECENT - 1);
    if (this.recentName[r] === name) return this.recentStats[r]!;
    let st = this.names.get(name);
    if (st === undefined) {
      if (this.names.size >= MAX_NAMES) this.names.clear();
      st = new NameStats();
      this.names.set(name, st);
    }
    this.recentName[r] = name;
    this.recentStats[r] = st;
    return st;
  }
}

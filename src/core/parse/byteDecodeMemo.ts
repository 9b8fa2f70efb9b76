// The byte-level twin of DecodeMemo, used by the parser's byte fast path: keyed by the event
// name and the payload's bytes, it returns the payload string and its decoding together, so a
// payload seen before (function tracer lines, kretprobe returns, guest-loop exits) costs neither
// a string nor a decode. Same bounded table and per-name hit-rate probation as DecodeMemo;
// payload strings and Decoded objects are shared between events with identical text.
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

const SLOTS = 8192; // power of two
/** Longer payloads are not memoised (comparing them would cost about as much as decoding). */
const MAX_LEN = 160;
const PROBATION = 512;
const MIN_HITS = PROBATION / 4;
const MAX_NAMES = 4096;
const RECENT = 64; // power of two

class NameStats {
  lookups = 0;
  hits = 0;
  enabled = true;
}

function decodeText(name: string, payload: string): DecodeResult {
  // events no decoder knows cost less to reject than to look up
  if (!isKnownEvent(name) && !looksLikeProbe(payload)) return undefined;
  return decodePayload(name, payload);
}

export class ByteDecodeMemo {
  /** The decoding of the payload last returned by decode(). */
  result: DecodeResult = undefined;
  private readonly names = new Map<string, NameStats>();
  /** In front of `names`: a few name instances and their stats, looked up by identity. */
  private readonly recentName: (string | undefined)[] = new Array<string | undefined>(RECENT).fill(undefined);
  private readonly recentStats: (NameStats | undefined)[] = new Array<NameStats | undefined>(RECENT).fill(undefined);
  private readonly keyName: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly keyLen = new Int32Array(SLOTS).fill(-1);
  private readonly keyBytes = Buffer.alloc(SLOTS * MAX_LEN);
  private readonly keyView = new DataView(this.keyBytes.buffer, this.keyBytes.byteOffset, this.keyBytes.byteLength);
  private readonly keyText: string[] = new Array<string>(SLOTS).fill('');
  private readonly value: DecodeResult[] = new Array<DecodeResult>(SLOTS).fill(undefined);

  /** The payload buf[start, end) of event `name` as a string; its decoding is left in `result`. */
  decode(name: string, buf: Buffer, start: number, end: number): string {
    const len = end - start;
    if (len > MAX_LEN || len <= 0) return this.direct(name, buf, start, end);
    const r = (name.length * 7 + name.charCodeAt(name.length - 1) + name.charCodeAt(name.length >> 1) * 3) & (RECENT - 1);
    let st: NameStats | undefined;
    if (this.recentName[r] === name) st = this.recentStats[r]!;
    else {
      st = this.names.get(name);
      if (st === undefined) {
        if (this.names.size >= MAX_NAMES) this.names.clear();
        st = new NameStats();
        this.names.set(name, st);
      }
      this.recentName[r] = name;
      this.recentStats[r] = st;
    }
    if (!st.enabled) return this.direct(name, buf, start, end);
    if (++st.lookups === PROBATION) {
      // judged every PROBATION lookups: a name whose payloads do not repeat turns the memo off
      if (st.hits < MIN_HITS) {
        st.enabled = false;
        return this.direct(name, buf, start, end);
      }
      st.lookups = 0;
      st.hits = 0;
    }
    // sampled hash: eight bytes spread over the payload, plus length and name length
    const q = len >> 3;
    let h = len * 7919 + name.length * 104729;
    for (let i = 0, k = end - 1; i < 8; i++, k -= q) h = Math.imul(h ^ buf[k < start ? start : k], 0x9e3779b1);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const base = slot * MAX_LEN;
    if (this.keyLen[slot] === len && this.keyName[slot] === name && sameBytes(this.keyBytes, this.keyView, base, buf, viewOf(buf), start, len)) {
      st.hits++;
      this.result = this.value[slot];
      return this.keyText[slot];
    }
    const payload = utf8(buf, start, end);
    const d = decodeText(name, payload);
    buf.copy(this.keyBytes, base, start, end);
    this.keyLen[slot] = len;
    this.keyName[slot] = name;
    this.keyText[slot] = payload;
    this.value[slot] = d;
    this.result = d;
    return payload;
  }

  private direct(name: string, buf: Buffer, start: number, end: number): string {
    const payload = start < end ? utf8(buf, start, end) : '';
    this.result = decodeText(name, payload);
    return payload;
  }
}

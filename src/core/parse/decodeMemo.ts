// A bounded, adaptive memo in front of decodePayload: trace payloads repeat verbatim (function
// tracer lines, kretprobe returns, kvm_entry/kvm_exit of a guest loop), so identical text of the
// same event decodes once. A fixed table indexed by a sampled hash and checked with startsWith
// (no full-string hashing); per event name it watches its hit rate and switches itself off for
// names whose payloads are unique (faults, map probes), so those pay almost nothing. Decoded
// objects are therefore shared between events with identical text: consumers treat them as read-only.
import { decodePayload, isKnownEvent } from './decode';
import { looksLikeProbe } from './decoders/probes';
import type { DecodeResult } from './decoders/result';

const SLOTS = 8192; // power of two
/** Longer payloads are not memoised (comparing them would cost about as much as decoding). */
const MAX_LEN = 160;
const PROBATION = 512;
const MIN_HITS = PROBATION / 4;
const MAX_NAMES = 4096;

interface NameStats {
  lookups: number;
  hits: number;
  enabled: boolean;
}

export class DecodeMemo {
  private readonly names = new Map<string, NameStats>();
  private readonly keyName: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly keyText: string[] = new Array<string>(SLOTS).fill('');
  private readonly value: DecodeResult[] = new Array<DecodeResult>(SLOTS).fill(undefined);

  decode(name: string, payload: string): DecodeResult {
    // events no decoder knows cost less to reject than to look up
    if (!isKnownEvent(name) && !looksLikeProbe(payload)) return undefined;
    const len = payload.length;
    if (len > MAX_LEN || len === 0) return decodePayload(name, payload);
    let st = this.names.get(name);
    if (st === undefined) {
      if (this.names.size >= MAX_NAMES) this.names.clear();
      st = { lookups: 0, hits: 0, enabled: true };
      this.names.set(name, st);
    }
    if (!st.enabled) return decodePayload(name, payload);
    if (++st.lookups === PROBATION) {
      // judged every PROBATION lookups: a name whose payloads do not repeat turns the memo off
      if (st.hits < MIN_HITS) {
        st.enabled = false;
        return decodePayload(name, payload);
      }
      st.lookups = 0;
      st.hits = 0;
    }
    // sampled hash: eight characters spread over the text, plus length and name length
    const q = len >> 3;
    let h = len * 7919 + name.length * 104729;
    for (let i = 0, k = len - 1; i < 8; i++, k -= q) h = Math.imul(h ^ payload.charCodeAt(k < 0 ? 0 : k), 0x9e3779b1);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    if (this.keyName[slot] === name && this.keyText[slot] === payload) {
      st.hits++;
      return this.value[slot];
    }
    const d = decodePayload(name, payload);
    this.keyName[slot] = name;
    this.keyText[slot] = payload;
    this.value[slot] = d;
    return d;
  }
}

// Decodes one trace.dat record into the Decoded the text parser would give for its rendered line
// (`decodePayload(name, payload)`), but from what the event's renderer already read where that is
// exact: function-tracer pairs decode once, kprobe fetchargs come from their field values, events
// no decoder knows are skipped; everything else goes through the parse decoders with a memo.

import { decodePayload, isKnownEvent } from '../parse/decode';
import { buildStage2Args, decodeProbe, looksLikeProbe, stage2Args } from '../parse/decoders/probes';
import type { DecodeResult } from '../parse/decoders/result';
import { decodeEsr } from '../parse/esr';
import type { EsrInfo, Stage2Op, Stage2ProbeArgs } from '../parse/types';
import type { EventFormat, FieldFormat } from './eventFormat';
import type { RecordView } from './printFormat';
import { type EventHandler, FUNCTION_UNDECODED } from './recordText';

/**
 * The decode of one record, equal to `decodePayload(name, payload)` on its text but taken from what
 * the handler's renderer already read where it can: a function line's (ip, parent) pair decodes
 * once; a kprobe's fetchargs are the values it printed (only the location is parsed, once per
 * location); an event no decoder knows is undefined without looking further, unless its text could
 * be taken for a probe line.
 */
export function decodeRecord(h: EventHandler, name: string, payload: string, r: RecordView): DecodeResult {
  const fromFields = h.fieldDecoder as FieldDecoder | undefined;
  if (fromFields !== undefined) {
    const d = fromFields(r);
    if (d !== NOT_FAST) return d;
  }
  const entry = h.entry;
  if (entry !== undefined) {
    if (entry.decoded === FUNCTION_UNDECODED) entry.decoded = decodePayload(name, payload);
    return entry.decoded as DecodeResult;
  }
  const args = h.probeArgs;
  if (args !== undefined) {
    h.probeArgs = undefined;
    const d = h.knownName ? undefined : probeFromFields(h, name, h.probeLoc!, args);
    if (d !== NOT_FAST) return d;
  } else if (h.knownName === false && !h.isProbe) {
    // decodePayload of an unknown name only tries probe shapes, which start with `(` or `__probe_`
    const c = payload.charCodeAt(0);
    if (c !== 40 && c !== 95) return undefined;
  }
  return memoDecode(h, name, payload);
}

const NOT_FAST: unique symbol = Symbol('not-fast');
type ProbeBase = { kind: 'kprobe'; symbol: string; offset: number; op: Stage2Op | undefined } | null;

/** decodeProbe of `(loc) k=v ...` from the location (decoded once per location) and the printed args. */
function probeFromFields(h: EventHandler, name: string, loc: string, args: Record<string, string>): DecodeResult | typeof NOT_FAST {
  let cache = h.probeBases as Map<string, ProbeBase | typeof NOT_FAST> | undefined;
  if (!cache) h.probeBases = cache = new Map();
  let base = loc === h.lastProbeLoc ? (h.lastProbeBase as ProbeBase | typeof NOT_FAST) : cache.get(loc);
  if (base === undefined) {
    const locText = '(' + loc + ')';
    if (loc.includes(')')) base = NOT_FAST;
    else if (!looksLikeProbe(locText)) base = null;
    else {
      const d = decodeProbe(name, locText);
      base = typeof d === 'object' && d.kind === 'kprobe' ? { kind: 'kprobe', symbol: d.symbol, offset: d.offset, op: d.op } : NOT_FAST;
    }
    if (cache.size >= 4096) cache.clear();
    cache.set(loc, base);
  }
  h.lastProbeLoc = loc;
  h.lastProbeBase = base;
  if (base === null) return undefined;
  if (base === NOT_FAST) return NOT_FAST;
  return { kind: 'kprobe', probe: name, symbol: base.symbol, offset: base.offset, op: base.op, args, s2: base.op ? s2FromValues(h, args) : undefined };
}

/**
 * decodePayload with a per-event memo: most records repeat a few payloads (function pairs, debug
 * register writes), so identical text is decoded once and its Decoded object shared (consumers
 * treat decoded payloads as read-only). Events whose payloads rarely repeat stop memoising.
 */
interface Memo {
  map: Map<string, DecodeResult>;
  lookups: number;
  hits: number;
  off: boolean;
}
const MEMO_LIMIT = 256;
function memoDecode(h: EventHandler, name: string, payload: string): DecodeResult {
  let m = h.memo as Memo | undefined;
  if (!m) h.memo = m = { map: new Map(), lookups: 0, hits: 0, off: false };
  if (m.off || h.name === undefined) return h.isProbe && !isKnownEvent(name) ? (looksLikeProbe(payload) ? decodeProbe(name, payload) : undefined) : decodePayload(name, payload);
  m.lookups++;
  const hit = m.map.get(payload);
  if (hit !== undefined) {
    m.hits++;
    return hit;
  }
  const d = decodePayload(name, payload);
  // a memo that misses often only turns garbage into long-lived garbage: keep it for >= 90% hits
  if ((m.lookups & 4095) === 0) {
    if (m.hits < m.lookups * 0.9) {
      m.off = true;
      m.map.clear();
      return d;
    }
    m.lookups = m.hits = 0;
  }
  if (m.map.size < MEMO_LIMIT) m.map.set(payload, d);
  return d;
}

/** Where each Stage2ProbeArgs member's value sits among a probe's fetchargs (-1: absent). */
interface S2Slots {
  ipa: number;
  size: number;
  phys: number;
  prot: number;
  level: number;
  pages: number;
  flags: number;
  mkold: number;
  gfnOffset: number;
  va: number;
  oldDesc: number;
  newDesc: number;
  mask: number;
}

/** The value at slot i as a number: undefined when absent, null when its text is not a plain number. */
function numAt(vals: (number | bigint | undefined)[], i: number): number | undefined | null {
  if (i < 0) return undefined;
  const v = vals[i];
  return typeof v === 'number' ? v : null;
}

function bigAt(vals: (number | bigint | undefined)[], i: number): bigint | undefined | null {
  if (i < 0) return undefined;
  const v = vals[i];
  return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : null;
}

function slotsOf(keys: string[]): S2Slots {
  const at = (k: string): number => keys.lastIndexOf(k);
  // stage2Args takes the first of these spellings that is present
  let ipa = -1;
  for (const k of ['addr', 'ipa', 'start', 'fault_ipa', 'gpa']) {
    ipa = at(k);
    if (ipa >= 0) break;
  }
  return { ipa, size: at('size'), phys: at('phys'), prot: at('prot'), level: at('level'), pages: at('pages'), flags: at('flags'), mkold: at('mkold'), gfnOffset: at('gfn_offset'), va: at('va'), oldDesc: at('old'), newDesc: at('new'), mask: at('mask') };
}

/**
 * stage2Args(args) from the values the args printed: each present member's text is `0x` + hex or
 * decimal of a non-negative value, which parses back to that value; any other text is parsed.
 */
function s2FromValues(h: EventHandler, args: Record<string, string>): Stage2ProbeArgs {
  const vals = h.probeValues!;
  let slots = h.probeSlots as S2Slots | undefined;
  if (!slots) h.probeSlots = slots = slotsOf(h.probeKeys!);
  const ipa = numAt(vals, slots.ipa);
  const size = numAt(vals, slots.size);
  const phys = numAt(vals, slots.phys);
  const prot = numAt(vals, slots.prot);
  const level = numAt(vals, slots.level);
  const pages = numAt(vals, slots.pages);
  const flags = numAt(vals, slots.flags);
  const mkold = numAt(vals, slots.mkold);
  const gfnOffset = numAt(vals, slots.gfnOffset);
  const va = bigAt(vals, slots.va);
  const oldDesc = bigAt(vals, slots.oldDesc);
  const newDesc = bigAt(vals, slots.newDesc);
  const mask = bigAt(vals, slots.mask);
  if (ipa === null || size === null || phys === null || prot === null || level === null || pages === null || flags === null || mkold === null || gfnOffset === null || va === null || oldDesc === null || newDesc === null || mask === null) return stage2Args(args);
  return buildStage2Args(ipa, size, phys, prot, level, pages, flags, mkold, gfnOffset, va, oldDesc, newDesc, mask);
}

type FieldDecoder = (r: RecordView) => DecodeResult | typeof NOT_FAST;

/** An unsigned 64-bit field as a number (undefined at 2^53 and above) and as a bigint. */
function u64Reader(f: FieldFormat | undefined, little: boolean): ((r: RecordView) => number) | undefined {
  if (!f || f.size !== 8 || f.signed || f.arrayLength !== undefined || f.dataLoc) return undefined;
  const off = f.offset;
  // -1 marks a short record or a value of 2^53 or more (the text decoders then decide)
  return (r) => {
    if (off + 8 > r.size) return -1;
    const p = r.start + off;
    const lo = r.dv.getUint32(little ? p : p + 4, little);
    const hi = r.dv.getUint32(little ? p + 4 : p, little);
    return hi < 0x200000 ? hi * 4294967296 + lo : -1;
  };
}

function u64BigReader(f: FieldFormat, little: boolean): (r: RecordView) => bigint {
  const off = f.offset;
  return (r) => r.dv.getBigUint64(r.start + off, little);
}

const GUEST_FAULT_FMT = '"ipa %#llx, hsr %#08lx, hxfar %#08lx, pc %#016lx", REC->ipa, REC->hsr, REC->hxfar, REC->vcpu_pc';
const UNMAP_HVA_FMT = '"mmu notifier unmap range: %#016lx -- %#016lx", REC->start, REC->end';

const esrInfos = new Map<number, EsrInfo>();
function esrInfoOf(esr: number): EsrInfo {
  let info = esrInfos.get(esr);
  if (info === undefined) {
    if (esrInfos.size >= 1024) esrInfos.clear();
    info = decodeEsr(esr);
    esrInfos.set(esr, info);
  }
  return info;
}

/**
 * Decoders straight from the fields for events whose values vary per record (so no memo helps),
 * for the exact print fmt whose text the parse decoder reads back: `%#llx`/`%#016lx` print the
 * whole value in hex, which the decoder parses to the same number (below 2^53) or bigint. Any
 * other format, or a short record or a value the number fields cannot hold, uses the text.
 */
export function makeFieldDecoder(fmt: EventFormat, little: boolean): FieldDecoder | undefined {
  const f = fmt.byName;
  if (fmt.name === 'kvm_guest_fault' && fmt.printFmt === GUEST_FAULT_FMT) {
    const ipa = u64Reader(f.get('ipa'), little);
    const hsr = u64Reader(f.get('hsr'), little);
    const hxfar = f.get('hxfar');
    const pc = f.get('vcpu_pc');
    if (!ipa || !hsr || !hxfar || !pc || !u64Reader(hxfar, little) || !u64Reader(pc, little)) return undefined;
    const far = u64BigReader(hxfar, little);
    const pcOf = u64BigReader(pc, little);
    const end = Math.max(hxfar.offset, pc.offset) + 8;
    return (r) => {
      const i = ipa(r);
      const e = hsr(r);
      if (i < 0 || e < 0 || r.size < end) return NOT_FAST;
      return { kind: 'arm64.kvm_guest_fault', ipa: i, esr: e, far: far(r), pc: pcOf(r), esrInfo: esrInfoOf(e) };
    };
  }
  if (fmt.name === 'kvm_unmap_hva_range' && fmt.printFmt === UNMAP_HVA_FMT) {
    const start = f.get('start');
    const endField = f.get('end');
    if (!start || !endField || !u64Reader(start, little) || !u64Reader(endField, little)) return undefined;
    const startOf = u64BigReader(start, little);
    const endOf = u64BigReader(endField, little);
    const size = Math.max(start.offset, endField.offset) + 8;
    return (r) => (r.size < size ? NOT_FAST : { kind: 'kvm.kvm_unmap_hva_range', start: startOf(r), end: endOf(r) });
  }
  return undefined;
}


// Turns one line of trace text into a TraceEvent, a SpecialLine or a RejectedLine (with a reason)
// and hands it to the sink, tracking the detected format. A decode failure is held back for one
// line so that an e-mail-wrapped continuation can re-label it `wrapped`; the sink still sees
// everything in input order. Common fixed-column event lines take a byte fast path (lineBytes:
// prefix scanned from bytes, names interned, repeated event texts memoised) that must give exactly
// what the string path (line) gives; test/unit/parse/bytePath.test.ts compares the two.
import { ByteDecodeMemo } from './byteDecodeMemo';
import { ByteInterner } from './byteInterner';
import * as compare from './byteCompare';
import * as bytePrefix from './bytePrefix';
import { newPrefixScan, PrefixFailure, scanFallbackPrefix, scanPrefix, scanPrefixReuse } from './contextPrefix';
import { decodePayload, isKnownEvent } from './decode';
import { looksLikeContinuation, MAX_PIECES, unquote, WRAPPED_PIECE } from './pasteRepair';
import { DecodeMemo } from './decodeMemo';
import { decodeFuncGraphText, durationOf, scanFuncGraph } from './functionGraph';
import { Interner } from './interner';
import * as framer from './lineFramer';
import { noRepairs, type RejectReason, type RejectedLine, type TraceEvent, type TraceFormat, type TraceSink } from './types';

// Imported functions bound once: a per-file CommonJS build (tests, bench) would otherwise reach
// them through an export getter on every call, a measurable share of the per-line cost.
const scanBytePrefix = bytePrefix.scanBytePrefix;
const resumeBytePrefix = bytePrefix.resumeBytePrefix;
const sameBytes = compare.sameBytes;
const viewOf = compare.viewOf;
const utf8 = framer.utf8;

const EXCERPT = 200;
/** A line cut inside its prefix is held for its tail only when it is short, as a wrapped one is. */
const MAX_HEAD = 300;
/** Why a line cut right after its event name does not decode. */
const CUT_NAME = 'the line ends after the event name (cut)';

/** An event held back for repair: its payload failed to decode, is incomplete, or took wrapped tails. */
interface Pending {
  ev: TraceEvent;
  failure: string | undefined;
  text: string;
  /** Continuation lines joined to it, reported `wrapped` after it. */
  tails: RejectedLine[] | undefined;
}

/**
 * The rest of a line cut inside its context prefix: event text (`name: ...`, a function tracer's
 * `func <-parent`), or the timestamp (and flags) with it (`.... 1907374.582979: kvm_exit: ...`).
 */
function startsLikeEventText(s: string): boolean {
  return /^\s*(?:(?:\S{1,10}\s+)?\d+(?:\.\d+)?:(?:\s|$)|[\w.-]+:(?:\s|$)|\S+\s+<-\S)/.test(s);
}

function newPending(ev: TraceEvent, failure: string | undefined, text: string): Pending {
  return { ev, failure, text, tails: undefined };
}

function excerpt(s: string): string {
  return s.length > EXCERPT ? s.slice(0, EXCERPT) : s;
}

/** NUL, most C0 controls, DEL or U+FFFD (invalid UTF-8): not text. */
function looksBinary(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 12) || c === 0xfffd || c === 127) return true;
  }
  return false;
}

/**
 * Why the token after the CPU field is not a timestamp (a cold path: rejected lines only). The
 * context prefix takes at most 15 digits of seconds; trace_print_context() prints a u64 of
 * nanoseconds as secs.usecs, so at most 11.
 */
function timestampProblem(s: string): string {
  const m = /\]\s+(?:\S+\s+)?(\d+)(?:\.(\d*))?:/.exec(s);
  if (m && m[1].length > 15) return `timestamp with ${m[1].length} digits of seconds: a 64-bit nanosecond clock prints at most 11`;
  return 'no "secs.usecs:" timestamp after the CPU field';
}

/** `(uaddr: fffff2b37234, op: 1)` (syscall event) rather than `(pgt=0x.., addr=0x..)` (function tracer func-args). */
function isSyscallArgs(s: string, open: number): boolean {
  const close = s.indexOf(')', open);
  const colon = s.indexOf(': ', open);
  return colon > open && (close < 0 || colon < close);
}

/** A payload ending in `:` or `,` was probably cut by e-mail wrapping (`kvm_exit: IRQ:`). */
function endsCut(p: string): boolean {
  const c = p.charCodeAt(p.length - 1);
  return c === 58 || c === 44;
}

/** `function:` at b[i]: trace-cmd's function tracer lines. */
function functionColonAt(b: Buffer, i: number, n: number): boolean {
  if (n - i < 9) return false;
  for (let k = 0; k < 9; k++) if (b[i + k] !== FUNCTION_COLON[k]) return false;
  return true;
}
const FUNCTION_COLON = Buffer.from('function:', 'latin1');
/** Longer context prefixes are not remembered for reuse. */
const MAX_PREFIX = 64;
/** Every fixed-column prefix the byte path takes covers its first 28 bytes (comm, pid, CPU bracket): the set is chosen by them. */
const PREFIX_HASHED = 28;
/** Remembered prefixes: PREFIX_SETS sets of two (a thread's `.....` and `d....`), enough for every vCPU thread of a usual guest. */
const PREFIX_SETS = 16; // power of two

/** The set of the prefix that would start at b[start] (n - start >= 34): from bytes [12, 28) only, which every remembered prefix holds. */
function prefixSetOf(bv: DataView, start: number): number {
  let h = (Math.imul(bv.getInt32(start + 12, true), 0x9e3779b1) + Math.imul(bv.getInt32(start + 16, true), 0x85ebca6b)) | 0;
  h = (h + Math.imul(bv.getInt32(start + 20, true), 0xc2b2ae35) + Math.imul(bv.getInt32(start + 24, true), 0x27d4eb2f)) | 0;
  h ^= h >>> 15;
  h ^= h >>> 7;
  return h & (PREFIX_SETS - 1);
}

/** A remembered `comm-pid [cpu] [flags]`: its bytes and fields. */
class PrefixSlot {
  readonly key = Buffer.alloc(MAX_PREFIX);
  readonly view = new DataView(this.key.buffer, this.key.byteOffset, MAX_PREFIX);
  len = 0;
  task = '';
  flags: string | undefined = undefined;
  pid = 0;
  cpu = 0;

  /** This prefix starts line b[start, n), followed by a space. */
  matches(b: Buffer, bv: DataView, start: number, n: number): boolean {
    const len = this.len;
    return len > 0 && start + len < n && b[start + len] === 32 && sameBytes(this.key, this.view, 0, b, bv, start, len);
  }
}

export interface LineParserOptions {
  /** Parse common lines straight from bytes (default true); false forces the string path (tests compare both). */
  bytePath?: boolean;
}

function startsWithAt(s: string, i: number, p: string): boolean {
  return s.startsWith(p, i);
}

export class LineParser {
  format: TraceFormat = 'unknown';
  /** What was repaired so far (wrapped lines joined); readTrace reports it. */
  readonly repairs = noRepairs();
  private readonly scan = newPrefixScan();
  private readonly strings = new Interner();
  private readonly memo = new DecodeMemo();
  private readonly byteStrings = new ByteInterner();
  private readonly byteMemo = new ByteDecodeMemo();
  private readonly bytePath: boolean;
  /** The byte path's own scan: its fields belong to the remembered prefix below, whatever line() does. */
  private readonly byteScan = newPrefixScan();
  /**
   * Prefixes the byte path scanned in full, two per set; recentPrefix and olderPrefix are the last
   * two used (vCPU threads print in bursts whose flags alternate `.....`/`d....`), tried first.
   */
  private readonly prefixSlots: PrefixSlot[] = Array.from({ length: PREFIX_SETS * 2 }, () => new PrefixSlot());
  private recentPrefix = this.prefixSlots[0];
  private olderPrefix = this.prefixSlots[1];
  /** The context prefix text of the last event line, and its task and flags strings. */
  private prevPrefix: string | undefined;
  private prevTask = '';
  private prevFlags: string | undefined;
  /** An event line held back one line: its payload failed to decode or is empty, so the next line may be its wrapped tail. */
  private pending: Pending | undefined;
  /**
   * The last complete event, held one line (no allocation) so that a wrapped tail on the next line
   * can still be joined to it (pasteRepair.ts); emitted when the next line comes.
   */
  private held: TraceEvent | undefined;
  /** A line cut inside its context prefix (`comm-pid [cpu] flags ts:` and nothing after): the next line may be its event text. */
  private head: { text: string; line: number; offset: number } | undefined;
  /** The previous line was trace content (an event or a rejected event line): a bare line after it may be a wrapped tail. */
  private prevWasContent = false;
  /** Length of the previous content line: e-mail clients wrap at 72-80 columns. */
  private prevLen = 0;
  private lastTs = 0;
  private funcGraphHeader = false;

  constructor(
    private readonly sink: TraceSink,
    opts: LineParserOptions = {},
  ) {
    this.bytePath = opts.bytePath !== false;
  }

  /** Name and payload of the event text b[rest, n), decoded into byteMemo; false when the string path must take the line. */
  private scanEventText(b: Buffer, rest: number, n: number): boolean {
    if (b[rest] === 60 /* < */) return false;
    // the name ends at the first `:`, space or `(`
    let k = rest;
    let c = 0;
    while (k < n) {
      c = b[k];
      if (c === 58 || c === 32 || c === 40) break;
      k++;
    }
    if (k >= n || c === 40) return false;
    let name: string | undefined;
    let p: number;
    let e = n;
    if (c === 58 && (k + 1 === n || b[k + 1] === 32)) {
      name = this.byteStrings.get(b, rest, k);
      if (name === undefined) return false;
      p = k + 1;
      while (p < n && b[p] === 32) p++;
      while (e > p && b[e - 1] === 32) e--;
    } else {
      // ` -> ` is a syscall exit: the string path knows it
      if (c === 32 && k > rest && b[k + 1] === 45 && b[k + 2] === 62 && b[k + 3] === 32) return false;
      name = 'function';
      p = rest;
      while (e > rest && b[e - 1] === 32) e--;
    }
    this.byteMemo.decode(name, b, p, e, rest, n);
    return true;
  }

  /**
   * The fast path for a terminated line b[start, n): the usual fixed-column event lines are
   * parsed from bytes, and a payload seen before costs no string. False (nothing done) when the
   * line needs line(): it must then give exactly what this would have.
   */
  lineBytes(b: Buffer, start: number, n: number, line: number, offset: number): boolean {
    if (!this.bytePath) return false;
    const sc = this.byteScan;
    let task: string | undefined;
    let flags: string | undefined;
    let pid: number;
    let cpu: number;
    const bv = viewOf(b);
    // vCPU threads print in bursts: a `comm-pid [cpu] flags` seen before costs a comparison or two
    let slot: PrefixSlot | undefined;
    let set = -1;
    if (n - start >= 34) {
      if (this.recentPrefix.matches(b, bv, start, n)) slot = this.recentPrefix;
      else if (this.olderPrefix.matches(b, bv, start, n)) slot = this.olderPrefix;
      else {
        set = prefixSetOf(bv, start) * 2;
        const ways = this.prefixSlots;
        if (ways[set].matches(b, bv, start, n)) slot = ways[set];
        else if (ways[set + 1].matches(b, bv, start, n)) slot = ways[set + 1];
        if (slot !== undefined) {
          this.olderPrefix = this.recentPrefix;
          this.recentPrefix = slot;
        }
      }
    }
    if (slot !== undefined && resumeBytePrefix(b, start + slot.len, n, sc)) {
      task = slot.task;
      flags = slot.flags;
      pid = slot.pid;
      cpu = slot.cpu;
    } else {
      if (!scanBytePrefix(b, start, n, sc)) return false;
      task = this.byteStrings.get(b, sc.commStart, sc.commEnd);
      if (task === undefined) return false;
      if (sc.flagsStart >= 0) {
        flags = this.byteStrings.get(b, sc.flagsStart, sc.flagsEnd);
        if (flags === undefined) return false;
      }
      pid = sc.pid;
      cpu = sc.cpu;
      const len = sc.prefixEnd - start;
      if (len <= MAX_PREFIX && len >= PREFIX_HASHED && n - start >= 34) {
        // into its set, sparing the two prefixes used last where it can
        if (set < 0) set = prefixSetOf(bv, start) * 2;
        const w0 = this.prefixSlots[set];
        const w1 = this.prefixSlots[set + 1];
        const fresh = w0 === this.recentPrefix || (w0 === this.olderPrefix && w1 !== this.recentPrefix) ? w1 : w0;
        if (fresh !== this.recentPrefix) this.olderPrefix = this.recentPrefix;
        this.recentPrefix = fresh;
        const key = fresh.key;
        const kv = fresh.view;
        let i = 0;
        for (; i + 4 <= len; i += 4) kv.setInt32(i, bv.getInt32(start + i, true), true);
        for (; i < len; i++) key[i] = b[start + i];
        fresh.len = len;
        fresh.task = task;
        fresh.flags = flags;
        fresh.pid = pid;
        fresh.cpu = cpu;
      }
    }
    const rest = sc.rest;
    const memo = this.byteMemo;
    // the same event text as an earlier line: name, payload and decoding at once
    if (!memo.lookup(b, rest, n) && !this.scanEventText(b, rest, n)) return false;
    const name = memo.name;
    const payload = memo.payload;
    const decoded = memo.result;
    if (this.format === 'unknown' || this.format === 'ftrace') {
      if (name === 'function' && functionColonAt(b, rest, n)) this.format = 'trace-cmd';
      else if (name === 'print' && payload.startsWith('tracing_mark_write')) this.format = 'trace-cmd';
      else if (this.format === 'unknown') this.format = 'ftrace';
    }
    this.flushPending();
    // the string path's prefix reuse must not see this line's fields as its own
    this.prevPrefix = undefined;
    const failed = typeof decoded === 'string';
    const ev: TraceEvent = {
      line,
      offset,
      task,
      pid,
      tgid: undefined,
      cpu,
      flags,
      ts: sc.ts,
      name,
      payload,
      decoded: failed ? undefined : decoded,
    };
    this.lastTs = sc.ts;
    this.prevWasContent = true;
    // in characters, as line() counts: only the payload may hold multi-byte UTF-8
    this.prevLen = n - start - memo.excess;
    if (failed || payload.length === 0 || endsCut(payload) || (decoded !== undefined && decoded.truncated !== undefined)) this.pending = newPending(ev, failed ? decoded : undefined, utf8(b, start, n));
    else this.held = ev;
    return true;
  }

  private emitReject(r: RejectedLine): void {
    this.sink.rejected?.(r);
  }

  private flushPending(): void {
    const h = this.held;
    if (h !== undefined) {
      this.held = undefined;
      this.sink.event(h);
      return;
    }
    if (this.pending !== undefined) this.flushRepair();
    else if (this.head !== undefined) {
      const hd = this.head;
      this.head = undefined;
      this.emitReject({ line: hd.line, offset: hd.offset, reason: 'truncated', detail: 'the line ends inside the context prefix', excerpt: excerpt(hd.text) });
    }
  }

  /** Emit a held-back event with the tails joined to it (cold: only after a repair or a failed decode). */
  private flushRepair(): void {
    const p = this.pending!;
    this.pending = undefined;
    const tails = p.tails;
    if (p.failure === undefined) {
      this.sink.event(p.ev);
      if (tails !== undefined) this.repairs.joinedContinuations += tails.length;
    } else {
      const cut = p.failure === CUT_NAME;
      const wrapped = tails !== undefined;
      this.emitReject({
        line: p.ev.line,
        offset: p.ev.offset,
        reason: wrapped ? 'wrapped' : cut ? 'truncated' : 'undecodable-payload',
        detail: `${p.ev.name}: ${p.failure}${wrapped ? ` (the line is wrapped: its tail${tails.length > 1 ? 's are' : ' is'} on line ${tails.map((t) => t.line).join(', ')})` : ''}`,
        excerpt: excerpt(p.text),
      });
      if (wrapped) for (const t of tails) t.detail = `tail of line ${p.ev.line}, which still does not decode`;
    }
    if (tails !== undefined) for (const t of tails) this.emitReject(t);
  }

  /**
   * A bare line after an event: its wrapped tail when it looks like trace fields (not prose) and
   * the joined text still decodes (an incomplete event: decodes at all). Up to MAX_PIECES pieces
   * are joined; the tails are reported `wrapped` after the event. False: not a continuation.
   */
  private continueEvent(s: string, line: number, offset: number): boolean {
    const tail = s.trim();
    let p = this.pending;
    const marker = (p?.ev ?? this.held)?.decoded?.kind === 'marker';
    if (!looksLikeContinuation(tail, marker)) return false;
    if (p !== undefined && p.failure === CUT_NAME && p.ev.name.startsWith('<')) {
      // `<stack` / `trace>`: the name itself was wrapped
      const name = `${p.ev.name} ${tail}`;
      if (name.length > 40 || !name.endsWith('>')) return false;
      p.ev.name = name;
      p.failure = undefined;
      (p.tails ??= []).push({ line, offset, reason: 'wrapped', detail: `tail of the wrapped line ${p.ev.line} (joined to it)`, excerpt: excerpt(s) });
      return true;
    }
    if (p === undefined) {
      const h = this.held!;
      // a complete event is continued only from a line as long as a wrapped one's first piece
      if (this.prevLen < WRAPPED_PIECE.min || this.prevLen > WRAPPED_PIECE.max) return false;
      const joined = h.payload.length > 0 ? `${h.payload} ${tail}` : tail;
      const decoded = decodePayload(h.name, joined);
      if (typeof decoded === 'string' || (decoded !== undefined && h.decoded !== undefined && decoded.kind !== h.decoded.kind)) return false;
      this.held = undefined;
      p = this.pending = newPending({ ...h, payload: joined, decoded }, undefined, '');
    } else {
      if ((p.tails?.length ?? 0) + 1 >= MAX_PIECES) return false;
      const joined = p.ev.payload.length > 0 ? `${p.ev.payload} ${tail}` : tail;
      const decoded = decodePayload(p.ev.name, joined);
      // a piece that breaks an event that was complete is not its tail
      const complete = p.failure === undefined && p.ev.payload.length > 0 && !endsCut(p.ev.payload) && p.ev.decoded?.truncated === undefined;
      if (typeof decoded === 'string' && complete) return false;
      p.ev.payload = joined;
      p.ev.decoded = typeof decoded === 'string' ? undefined : decoded;
      p.failure = typeof decoded === 'string' ? decoded : undefined;
    }
    (p.tails ??= []).push({ line, offset, reason: 'wrapped', detail: `tail of the wrapped line ${p.ev.line} (joined to it)`, excerpt: excerpt(s) });
    return true;
  }

  /**
   * A line after one cut inside its context prefix (`... 1907374.582979:` then `kvm_apic_accept_irq:
   * apicid 0 ...`, or cut before the timestamp): joined and read as one line, numbered as the first.
   */
  private joinHead(s: string, line: number, offset: number, unterminated: boolean): void {
    const hd = this.head!;
    this.head = undefined;
    this.repairs.joinedAfterTimestamp++;
    this.line(`${hd.text} ${s.trimStart()}`, hd.line, hd.offset, unterminated);
    const tail: RejectedLine = { line, offset, reason: 'wrapped', detail: `tail of the wrapped line ${hd.line} (joined to it)`, excerpt: excerpt(s) };
    // the tail is reported after the event it completes
    const held = this.held;
    if (held !== undefined && held.line === hd.line) {
      this.held = undefined;
      this.pending = newPending(held, undefined, '');
      this.pending.tails = [tail];
    } else if (this.pending !== undefined && this.pending.ev.line === hd.line) (this.pending.tails ??= []).unshift(tail);
    else this.emitReject(tail);
  }

  /** Call once after the last line. */
  finish(): void {
    this.flushPending();
  }

  private reject(line: number, offset: number, reason: RejectReason, detail: string, text: string): void {
    this.flushPending();
    this.emitReject({ line, offset, reason, detail, excerpt: excerpt(text) });
  }

  /** Lines holding NUL bytes so far, and the first of them: readTrace reports the input as damaged. */
  nulLines = 0;
  firstNul: { line: number; offset: number } | undefined;

  /** A line with a NUL byte (LineFramer finds them): binary, whatever its prefix looks like. */
  nulLine(s: string, line: number, offset: number): void {
    if (this.nulLines++ === 0) this.firstNul = { line, offset };
    this.reject(line, offset, 'binary', 'NUL bytes inside the line: not trace text', s);
    this.prevWasContent = false;
  }

  /** A line too long to be a trace line: only its head was kept. */
  tooLong(line: number, offset: number, head: string, length: number): void {
    this.reject(line, offset, 'too-long', `line of ${length} bytes (limit exceeded): skipped`, head);
    this.prevWasContent = false;
  }

  /**
   * @param s the line without its end-of-line
   * @param unterminated true for a last line without newline (a cut file)
   */
  line(s: string, line: number, offset: number, unterminated: boolean): void {
    if (s.charCodeAt(0) !== 35 /* # */) {
      const sc = this.scan;
      const pp = this.prevPrefix;
      if (pp !== undefined && s.charCodeAt(pp.length) === 32 && s.startsWith(pp) && scanPrefixReuse(s, sc)) {
        this.eventLine(s, line, offset, unterminated, true);
        return;
      }
      scanPrefix(s, sc);
      if (sc.status === PrefixFailure.ok && s.charCodeAt(sc.commStart) !== 62 /* > quoted */) {
        this.prevPrefix = s.slice(0, sc.prefixEnd);
        this.eventLine(s, line, offset, unterminated, false);
        return;
      }
      this.prevPrefix = undefined;
      if (this.head !== undefined && sc.status === PrefixFailure.noPrefix && startsLikeEventText(s)) {
        this.joinHead(s, line, offset, unterminated);
        return;
      }
      if (this.special(s, line)) return;
      if (this.funcGraph(s, line, offset)) return;
      if (sc.status === PrefixFailure.noPrefix) {
        const fb = scanFallbackPrefix(s, sc);
        if (fb !== undefined) {
          if (fb === 'latency' && (this.format === 'unknown' || this.format === 'ftrace')) this.format = 'latency';
          else if ((fb === 'perf-script' || fb === 'perf-prof') && this.format === 'unknown') this.format = fb;
          this.eventLine(s, line, offset, unterminated, false);
          return;
        }
      }
      this.unparsed(s, line, offset, unterminated, sc.status);
      return;
    }
    this.special(s, line);
  }

  private eventLine(s: string, line: number, offset: number, unterminated: boolean, samePrefix: boolean): void {
    const sc = this.scan;
    const rest = sc.rest;
    const n = s.length;
    let name: string;
    let payload: string;
    let cutName = false;
    if (s.charCodeAt(rest) === 60 /* < */) {
      // `<stack trace>`, `<user stack trace>`
      const gt = s.indexOf('>', rest);
      name = gt > 0 ? s.slice(rest, gt + 1) : s.slice(rest).trimEnd();
      payload = gt > 0 ? s.slice(gt + 1).trim() : '';
      // `<stack` cut before its `>`: held for the rest of the name
      cutName = gt < 0;
    } else {
      // the name ends at the first `:`, space or `(`
      let k = rest;
      let c = 0;
      while (k < n) {
        c = s.charCodeAt(k);
        if (c === 58 || c === 32 || c === 40) break;
        k++;
      }
      if (c === 40 && k > rest && isSyscallArgs(s, k)) {
        // syscall events of older kernels: `sys_futex(uaddr: ..., op: 1)`
        name = s.slice(rest, k);
        payload = s.slice(k).trimEnd();
      } else if (c === 32 && k > rest && s.startsWith(' -> ', k)) {
        // and their exit: `sys_futex -> 0x0`
        name = s.slice(rest, k);
        payload = s.slice(k + 1).trimEnd();
      } else if (k < n && c === 58 && (k + 1 === n || s.charCodeAt(k + 1) === 32)) {
        name = this.strings.get(s, rest, k);
        let p = k + 1;
        while (p < n && s.charCodeAt(p) === 32) p++;
        let e = n;
        while (e > p && s.charCodeAt(e - 1) === 32) e--;
        payload = p === 0 && e === n ? s : s.slice(p, e);
      } else {
        // function tracer: `func <-parent`
        name = 'function';
        let e = n;
        while (e > rest && s.charCodeAt(e - 1) === 32) e--;
        payload = s.slice(rest, e);
        // `... 140.314684: kvm_exit` cut after the tracepoint's name is not a function called kvm_exit
        if (k >= n && isKnownEvent(payload) && payload !== 'function') {
          name = payload;
          payload = '';
          cutName = true;
        }
      }
    }
    if (this.format === 'unknown' || this.format === 'ftrace') {
      if (name === 'function' && s.charCodeAt(rest) === 102 && startsWithAt(s, rest, 'function:')) this.format = 'trace-cmd';
      else if (name === 'print' && payload.startsWith('tracing_mark_write')) this.format = 'trace-cmd';
      else if (this.format === 'unknown') this.format = 'ftrace';
    }
    const decoded = cutName ? CUT_NAME : this.memo.decode(name, payload);
    this.flushPending();
    const failed = typeof decoded === 'string';
    if (failed && unterminated) {
      this.emitReject({ line, offset, reason: 'truncated', detail: `${name}: ${decoded} (the last line is cut)`, excerpt: excerpt(s) });
      this.prevWasContent = false;
      return;
    }
    if (!samePrefix) {
      this.prevTask = this.strings.get(s, sc.commStart, sc.commEnd);
      this.prevFlags = sc.flagsStart >= 0 ? this.strings.get(s, sc.flagsStart, sc.flagsEnd) : undefined;
    }
    const ev: TraceEvent = {
      line,
      offset,
      task: this.prevTask,
      pid: sc.pid,
      tgid: sc.tgid >= 0 ? sc.tgid : undefined,
      cpu: sc.cpu,
      flags: this.prevFlags,
      ts: sc.ts,
      name,
      payload,
      decoded: failed ? undefined : decoded,
    };
    this.lastTs = sc.ts;
    this.prevWasContent = true;
    this.prevLen = s.length;
    if (failed || payload.length === 0 || endsCut(payload) || (decoded !== undefined && decoded.truncated !== undefined) || cutName) this.pending = newPending(ev, failed ? decoded : cutName ? CUT_NAME : undefined, s);
    else this.held = ev;
  }

  /** Header comments and the other non-event lines; true when handled. */
  private special(s: string, line: number): boolean {
    const sink = this.sink;
    let i = 0;
    while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    if (i === s.length) {
      this.flushPending();
      sink.special?.({ kind: 'blank', line });
      this.prevWasContent = false;
      return true;
    }
    const c = s.charCodeAt(i);
    if (c === 45 /* - */ && /^-{2,}\s*$/.test(s.slice(i))) {
      // function_graph task-switch banners, `grep -C` separators
      this.flushPending();
      sink.special?.({ kind: 'header', line, text: s });
      this.prevWasContent = false;
      return true;
    }
    if (c === 35 /* # */) {
      this.flushPending();
      const m = /^#{3,} CPU (\d+) buffer started #+/.exec(s.slice(i));
      if (m) sink.special?.({ kind: 'buffer-started', line, cpu: Number(m[1]) });
      else {
        if (s.startsWith('# tracer: function_graph', i)) this.funcGraphHeader = true;
        if (this.format === 'unknown' && s.startsWith('# tracer: ', i)) this.format = this.funcGraphHeader ? 'function-graph' : 'ftrace';
        sink.special?.({ kind: 'header', line, text: s });
      }
      this.prevWasContent = false;
      return true;
    }
    if (c === 67 /* C */ && s.startsWith('CPU', i)) {
      // CPU:%d [LOST %lu EVENTS] | CPU:%d [LOST EVENTS] | CPU:%d [%lld EVENTS DROPPED] | CPU %d is empty
      let m = /^CPU:(\d+) \[(?:LOST (\d+) EVENTS|LOST EVENTS|(\d+) EVENTS DROPPED|EVENTS DROPPED)\]/.exec(s.slice(i));
      if (m) {
        this.flushPending();
        const count = m[2] ?? m[3];
        sink.special?.({ kind: 'lost-events', line, cpu: Number(m[1]), count: count === undefined ? undefined : Number(count) });
        this.prevWasContent = false;
        return true;
      }
      m = /^CPU (\d+) is empty\s*$/.exec(s.slice(i));
      if (m) {
        this.flushPending();
        this.format = 'trace-cmd';
        sink.special?.({ kind: 'cpu-empty', line, cpu: Number(m[1]) });
        this.prevWasContent = false;
        return true;
      }
      if (/^CPU:\d+ \[SUBBUFFER START\]/.test(s.slice(i))) {
        this.flushPending();
        sink.special?.({ kind: 'header', line, text: s });
        return true;
      }
      return false;
    }
    if (c === 99 /* c */ && s.startsWith('cpus=', i)) {
      const m = /^cpus=(\d+)\s*$/.exec(s.slice(i));
      if (m) {
        this.flushPending();
        this.format = 'trace-cmd';
        sink.special?.({ kind: 'cpus', line, cpus: Number(m[1]) });
        this.prevWasContent = false;
        return true;
      }
      return false;
    }
    if (c === 118 /* v */ && /^version = \S+\s*$/.test(s.slice(i))) {
      this.flushPending();
      if (this.format === 'unknown') this.format = 'trace-cmd';
      sink.special?.({ kind: 'header', line, text: s });
      this.prevWasContent = false;
      return true;
    }
    if (c === 61 /* = */ && s.charCodeAt(i + 1) === 62 /* > */) {
      this.flushPending();
      sink.special?.({ kind: 'stack-frame', line, symbol: s.slice(i + 2).trim() });
      return true;
    }
    return false;
  }

  private funcGraph(s: string, line: number, offset: number): boolean {
    const g = scanFuncGraph(s);
    if (g === undefined) return false;
    this.flushPending();
    if (this.format === 'unknown' || (this.format === 'ftrace' && this.funcGraphHeader)) this.format = 'function-graph';
    const payload = s.slice(g.text).trim();
    const bar = g.text - 1;
    const duration = s.charCodeAt(bar) === 124 ? durationOf(s, 0, bar) : undefined;
    const call = decodeFuncGraphText(payload, duration);
    const ts = g.ts ?? this.lastTs;
    if (g.ts !== undefined) this.lastTs = g.ts;
    this.sink.event({
      line,
      offset,
      task: g.task,
      pid: g.pid,
      tgid: undefined,
      cpu: g.cpu,
      flags: undefined,
      ts,
      name: 'funcgraph',
      payload,
      decoded: { kind: 'funcgraph', func: call.func, phase: call.phase, durationNs: call.durationNs, retval: call.retval, op: call.op },
    });
    this.prevWasContent = true;
    return true;
  }

  private unparsed(s: string, line: number, offset: number, unterminated: boolean, status: PrefixFailure): void {
    let reason: RejectReason;
    let detail: string;
    if (looksBinary(s)) {
      reason = 'binary';
      detail = 'control characters or invalid UTF-8: not trace text';
    } else if (/^\s*>/.test(s)) {
      // mail quoting: the quoted text is read as a line of its own
      const inner = unquote(s)!;
      this.repairs.unquoted++;
      if (inner.trim().length === 0) {
        this.flushPending();
        this.sink.special?.({ kind: 'blank', line });
        this.prevWasContent = false;
      } else this.line(inner, line, offset, unterminated);
      return;
    } else if (status === PrefixFailure.truncated && !unterminated && s.length < MAX_HEAD) {
      // cut inside the prefix: the next line may be its event text (joinHead)
      this.flushPending();
      this.head = { text: s.trimEnd(), line, offset };
      this.prevWasContent = false;
      return;
    } else if (status === PrefixFailure.truncated || (unterminated && status !== PrefixFailure.noPrefix)) {
      reason = 'truncated';
      detail = 'the line ends inside the context prefix';
    } else if (status === PrefixFailure.badTimestamp) {
      reason = 'bad-timestamp';
      detail = timestampProblem(s);
    } else if (/^\s*(\[\.\.\.\]|\.\.\.)/.test(s)) {
      reason = 'not-a-trace-line';
      detail = 'an elision mark ("...") in a pasted excerpt';
    } else if ((this.pending !== undefined || this.held !== undefined) && status === PrefixFailure.noPrefix && this.continueEvent(s, line, offset)) {
      this.prevWasContent = false;
      return;
    } else if (this.prevWasContent && status === PrefixFailure.noPrefix && this.prevLen >= 50 && this.prevLen <= WRAPPED_PIECE.max && !/^\s*\S+-\d+\s/.test(s) && looksLikeContinuation(s.trim())) {
      reason = 'wrapped';
      detail = 'continuation of the previous line (wrapped)';
    } else if (unterminated) {
      reason = 'truncated';
      detail = 'the last line is cut';
    } else {
      reason = 'not-a-trace-line';
      detail = 'no "comm-pid [cpu] timestamp:" prefix';
    }
    this.reject(line, offset, reason, detail, s);
    this.prevWasContent = false;
  }
}

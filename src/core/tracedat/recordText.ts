// Turns one ring-buffer record into the line the kernel's `trace` file would print for it:
// the context prefix (`comm-pid [cpu] flags secs.usecs: `), the event name and its payload from
// the event's own print fmt, with the kernel's special cases: function tracer `func <-parent`,
// trace markers `tracing_mark_write: text`, kprobes `(sym+off/size)`, kretprobes `(site <- func)`.

import type { DatMeta } from './datFile';
import type { EventFormat, FieldFormat } from './eventFormat';
import type { Kallsyms } from './kallsyms';
import type { RecordMemo } from './recordMemo';
import { compilePrintFmt, compileProbeArgs, fieldReader, type PrintEnv, type RecordView, type Renderer, type Val } from './printFormat';

export interface EventHandler {
  format: EventFormat;
  /** Fixed event name; undefined when it depends on the record (trace markers print their caller's symbol). */
  name: string | undefined;
  /** The payload exactly as the kernel prints it after `name: ` (or after the prefix for function lines). */
  payload: Renderer;
  /** Function-tracer lines print no `name: `. */
  bare: boolean;
  /** For records whose name is per record. */
  dynamicName?: (r: RecordView) => string;
  /** Why the print fmt fell back to raw fields, if it did. */
  printError: string | undefined;
  /** The payload may start or end with spaces (the text parser trims them). */
  mayPad: boolean;
  /** A kprobe/kretprobe event (its payload starts with the probe location). */
  isProbe?: boolean;
  /** The reader's decode memo for this event (owned by index.ts). */
  memo?: unknown;
  /**
   * Set by `payload` for the record just rendered, so the reader decodes from fields instead of
   * re-parsing the text: a kprobe's location text and fetchargs (keys and values as printed)...
   */
  probeLoc?: string;
  probeArgs?: Record<string, string>;
  /** The fetcharg keys and, per record, each value whose text is exactly it (undefined otherwise). */
  probeKeys?: string[];
  probeValues?: (number | bigint | undefined)[];
  /** Set by the reader: whether the parse decoder table knows this (fixed) name; its cache of kprobe locations. */
  knownName?: boolean;
  recordMemo?: RecordMemo;
  /** Set by the reader: decodes this event from its fields (recordDecode.ts). */
  fieldDecoder?: unknown;
  probeBases?: unknown;
  probeSlots?: unknown;
  lastProbeLoc?: string;
  lastProbeBase?: unknown;
  /** ...or a function-tracer line's (ip, parent) cache entry, whose `decoded` the reader fills once. */
  entry?: FunctionEntry;
}

/** The text of one (ip, parent) pair and its decode (FUNCTION_UNDECODED until the reader decodes it). */
export interface FunctionEntry {
  /** The pair's addresses as 32-bit halves. */
  ipHi: number;
  ipLo: number;
  parentHi: number;
  parentLo: number;
  text: string;
  decoded: unknown;
}
export const FUNCTION_UNDECODED: unique symbol = Symbol('undecoded');
const FUNCTION_SLOT_BITS = 12;
const FUNCTION_SLOTS = 1 << FUNCTION_SLOT_BITS;

type HandlerInit = Pick<EventHandler, 'format' | 'name' | 'payload' | 'bare' | 'printError' | 'mayPad'> & Partial<Pick<EventHandler, 'dynamicName' | 'isProbe' | 'probeKeys' | 'probeValues'>>;

/**
 * Every handler gets every field, in one order, from this one literal: the reader's per-record
 * loop reads them from handlers of all kinds, and objects of one shape keep those reads monomorphic
 * (the shapes of six different literals, grown by later assignments, made each read a lookup).
 */
function handlerOf(init: HandlerInit): EventHandler {
  return {
    format: init.format,
    name: init.name,
    payload: init.payload,
    bare: init.bare,
    dynamicName: init.dynamicName,
    printError: init.printError,
    mayPad: init.mayPad,
    isProbe: init.isProbe ?? false,
    memo: undefined,
    probeLoc: undefined,
    probeArgs: undefined,
    probeKeys: init.probeKeys,
    probeValues: init.probeValues,
    knownName: undefined,
    recordMemo: undefined,
    fieldDecoder: undefined,
    probeBases: undefined,
    probeSlots: undefined,
    lastProbeLoc: undefined,
    lastProbeBase: undefined,
    entry: undefined,
  };
}

/** Whether a print fmt's output can begin or end with white space (then the payload is trimmed like the text parser does). */
function printMayPad(fmt: EventFormat): boolean {
  const m = /^"((?:[^"\\]|\\.)*)"\s*(.?)/.exec(fmt.printFmt);
  if (!m || m[2] === '"') return true; // unusual or concatenated literals: trim to be safe
  const f = m[1];
  return /^(\s|\\[tn]|%[-+ #0-9.]*[lhLzjt]*[sc]|%[-+ #0]*[*1-9])/.test(f) || /(\s|\\[tn]|%[-+ #0-9.]*[lhLzjt]*[sc]|%[+ #0]*-[0-9.*]*[lhLzjt]*[a-zA-Z])$/.test(f);
}

/** Reads a kernel address field as two 32-bit halves into `addr` (no allocation); false when the record is short. */
const addr = { hi: 0, lo: 0 };
function readAddr(f: FieldFormat, little: boolean, r: RecordView): boolean {
  const off = f.offset;
  if (f.size === 4) {
    if (off + 4 > r.size) return false;
    addr.hi = 0;
    addr.lo = r.dv.getUint32(r.start + off, little);
    return true;
  }
  if (off + 8 > r.size) return false;
  const p = r.start + off;
  addr.hi = r.dv.getUint32(little ? p + 4 : p, little);
  addr.lo = r.dv.getUint32(little ? p : p + 4, little);
  return true;
}

function hex(hi: number, lo: number): string {
  return hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16);
}

/** The kernel's seq_print_ip_sym: `0` for a null address, the symbol, or the raw address. */
function symText(k: Kallsyms, ok: boolean, withOffset: boolean): string {
  if (!ok) return '0';
  const { hi, lo } = addr;
  if (hi === 0 && lo === 0) return '0';
  if (k.isKretprobeTrampoline(hi, lo)) return "[unknown/kretprobe'd]";
  return k.lookupHiLo(hi, lo, withOffset) ?? '0x' + hex(hi, lo);
}

export function makePrintEnv(meta: DatMeta): PrintEnv {
  const k = meta.kallsyms;
  const seen = new Map<number | bigint, string | null>();
  return {
    little: meta.little,
    symbol: (a, withOffset) => k.lookup(a, withOffset),
    pointerString: (a) => {
      const hit = seen.get(a);
      if (hit !== undefined) return hit ?? undefined;
      const h = (typeof a === 'bigint' ? BigInt.asUintN(64, a) : BigInt.asUintN(64, BigInt(Math.trunc(a)))).toString(16);
      const s = meta.printk.get(h);
      if (seen.size > 4096) seen.clear();
      seen.set(a, s ?? null);
      return s;
    },
  };
}

export function makeHandler(fmt: EventFormat, meta: DatMeta, env: PrintEnv): EventHandler {
  const k = meta.kallsyms;
  const little = meta.little;
  const f = fmt.byName;
  if (fmt.system === 'ftrace' && fmt.name === 'function' && f.get('ip') && f.get('parent_ip')) {
    const ipField = f.get('ip')!;
    const parentField = f.get('parent_ip')!;
    // function lines repeat a few (ip, parent) pairs millions of times: memoise the text (and,
    // through `entry`, its decode) per pair, in a direct-mapped table (no key objects, no boxed
    // numbers: the low halves of kernel addresses are beyond small-integer range)
    const memo: (FunctionEntry | undefined)[] = new Array<FunctionEntry | undefined>(FUNCTION_SLOTS).fill(undefined);
    const h: EventHandler = handlerOf({
      format: fmt,
      name: 'function',
      bare: true,
      printError: undefined,
      mayPad: false,
      payload: (r) => {
        const okIp = readAddr(ipField, little, r);
        const ipHi = addr.hi;
        const ipLo = addr.lo;
        const okParent = readAddr(parentField, little, r);
        const parentHi = addr.hi;
        const parentLo = addr.lo;
        const cacheable = okIp && okParent;
        const slot = (Math.imul(ipLo ^ Math.imul(parentLo, 0x9e3779b1), 0x85ebca6b) >>> (32 - FUNCTION_SLOT_BITS)) | 0;
        if (cacheable) {
          const hit = memo[slot];
          if (hit !== undefined && hit.ipLo === ipLo && hit.parentLo === parentLo && hit.ipHi === ipHi && hit.parentHi === parentHi) {
            h.entry = hit;
            return hit.text;
          }
        }
        h.entry = undefined;
        const p = okParent && (parentHi !== 0 || parentLo !== 0) ? symText(k, true, false) : undefined;
        addr.hi = ipHi;
        addr.lo = ipLo;
        const s = symText(k, okIp, false);
        const text = p === undefined ? s : s + ' <-' + p;
        if (cacheable) {
          const entry: FunctionEntry = { ipHi, ipLo, parentHi, parentLo, text, decoded: FUNCTION_UNDECODED };
          memo[slot] = entry;
          h.entry = entry;
        }
        return text;
      },
    });
    return h;
  }
  if (fmt.system === 'ftrace' && (fmt.name === 'print' || fmt.name === 'bputs') && f.get('ip')) {
    const ipField = f.get('ip')!;
    const textField = f.get('buf') ?? f.get('str');
    const text = textField ? fieldReader(textField, little) : () => '';
    return handlerOf({
      format: fmt,
      name: undefined,
      bare: false,
      printError: undefined,
      mayPad: true,
      dynamicName: (r) => symText(k, readAddr(ipField, little, r), false),
      payload: (r) => {
        const v = text(r);
        const s = typeof v === 'string' ? v : '';
        return s.endsWith('\n') ? s.slice(0, -1) : s;
      },
    });
  }
  const probeIp = f.get('__probe_ip');
  if (probeIp) {
    const strip = { prefix: '(%lx)', args: 1 };
    const rest = compilePrintFmt(fmt, env, strip);
    const steps = rest.error === undefined ? compileProbeArgs(fmt, env, strip) : undefined;
    if (steps) {
      const { keys, valuePrefixes, raws, formats, plain } = steps;
      const n = keys.length;
      const seps = keys.map((key) => ' ' + key + '=');
      const probeValues: (number | bigint | undefined)[] = new Array<number | bigint | undefined>(n).fill(undefined);
      // each fetcharg's previous value and text (`size=0x1000`, `level=3` repeat record after record)
      const lastRaw: Val[] = new Array<Val>(n).fill(undefined);
      const lastText: string[] = raws.map((_r, i) => valuePrefixes[i] + formats[i](undefined));
      let lastHi = -1;
      let lastLo = -1;
      let lastLoc = '';
      let lastHead = '';
      const h: EventHandler = handlerOf({
        format: fmt,
        name: fmt.name,
        bare: false,
        printError: undefined,
        mayPad: printMayPad(fmt),
        isProbe: true,
        probeKeys: keys,
        probeValues,
        payload: (r) => {
          // a probe fires at one address: keep its location text (one lookup, one string object)
          const ok = readAddr(probeIp, little, r);
          let loc: string;
          let text: string;
          if (ok && addr.hi === lastHi && addr.lo === lastLo) {
            loc = lastLoc;
            text = lastHead;
          } else {
            loc = symText(k, ok, true);
            text = '(' + loc + ')';
            if (ok) {
              lastHi = addr.hi;
              lastLo = addr.lo;
              lastLoc = loc;
              lastHead = text;
            }
          }
          const args: Record<string, string> = {};
          for (let i = 0; i < n; i++) {
            const raw = raws[i](r);
            let v = lastText[i];
            if (raw !== lastRaw[i]) {
              v = valuePrefixes[i] + formats[i](raw);
              lastRaw[i] = raw;
              lastText[i] = v;
            }
            args[keys[i]] = v;
            text += seps[i] + v;
            const kind = plain[i];
            let exact: number | bigint | undefined;
            if (kind === undefined) exact = undefined;
            else if (typeof raw === 'number') exact = raw >= 0 && (raw < 2147483648 || (kind === 'wide' && raw <= Number.MAX_SAFE_INTEGER)) ? raw : undefined;
            else exact = typeof raw === 'bigint' && kind === 'wide' && raw >= 0n ? raw : undefined;
            probeValues[i] = exact;
          }
          h.probeLoc = loc;
          h.probeArgs = args;
          return text;
        },
      });
      return h;
    }
    return handlerOf({
      format: fmt,
      name: fmt.name,
      bare: false,
      printError: rest.error,
      mayPad: printMayPad(fmt),
      isProbe: true,
      payload: (r) => '(' + symText(k, readAddr(probeIp, little, r), true) + ')' + rest.render(r),
    });
  }
  const probeFunc = f.get('__probe_func');
  const probeRet = f.get('__probe_ret_ip');
  if (probeFunc && probeRet) {
    const rest = compilePrintFmt(fmt, env, { prefix: '(%lx <- %lx)', args: 2 });
    return handlerOf({
      format: fmt,
      name: fmt.name,
      bare: false,
      printError: rest.error,
      mayPad: printMayPad(fmt),
      isProbe: true,
      // the kernel prints the return site first: `(caller+0x3a4/0x8f0 <- probed_function)`
      payload: (r) => {
        const site = symText(k, readAddr(probeRet, little, r), true);
        return '(' + site + ' <- ' + symText(k, readAddr(probeFunc, little, r), false) + ')' + rest.render(r);
      },
    });
  }
  const compiled = compilePrintFmt(fmt, env);
  return handlerOf({ format: fmt, name: fmt.name, bare: false, printError: compiled.error, mayPad: compiled.error !== undefined || printMayPad(fmt), payload: compiled.render });
}

/** The kernel's irq-info column (trace_print_lat_fmt), for 6.12 (no lazy preemption bit) or 6.13+ semantics. */
export function flagsText(flags: number, preempt: number, lazyBit: boolean): string {
  const irqsOff = flags & 0x01;
  const bhOff = flags & 0x80;
  const c1 = irqsOff && bhOff ? 'D' : irqsOff ? 'd' : bhOff ? 'b' : !lazyBit && flags & 0x02 ? 'X' : '.';
  const nr = flags & 0x04;
  const pr = flags & 0x20;
  const lazy = lazyBit && flags & 0x02;
  let c2 = '.';
  if (nr && lazy && pr) c2 = 'B';
  else if (nr && pr) c2 = 'N';
  else if (lazy && pr) c2 = 'L';
  else if (nr && lazy) c2 = 'b';
  else if (nr) c2 = 'n';
  else if (pr) c2 = 'p';
  else if (lazy) c2 = 'l';
  const nmi = flags & 0x40;
  const hard = flags & 0x08;
  const soft = flags & 0x10;
  const c3 = nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.';
  const pc = preempt & 0xf;
  const mg = (preempt >> 4) & 0xf;
  return c1 + c2 + c3 + (pc ? pc.toString(16) : '.') + (mg ? mg.toString(16) : '.');
}

/** True when the recording kernel (from the UNAME option) uses the 6.13+ lazy-preemption flag bit. */
export function kernelHasLazyFlag(uname: string | undefined): boolean {
  const m = /Linux \S+ (\d+)\.(\d+)/.exec(uname ?? '');
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > 6 || (maj === 6 && min >= 13);
}

const SPACES = ' '.repeat(32);

/** `%16s-%-7d [%03d] ` of the kernel's trace_print_context. */
export function contextPrefix(comm: string, pid: number, cpu: number): string {
  const p = String(pid);
  const c = cpu < 10 ? '00' + cpu : cpu < 100 ? '0' + cpu : String(cpu);
  return (comm.length < 16 ? SPACES.slice(0, 16 - comm.length) + comm : comm) + '-' + p + (p.length < 7 ? SPACES.slice(0, 7 - p.length) : '') + ' [' + c + '] ';
}

/** Microseconds as the kernel's ns2usecs computes them (rounded to nearest). */
export function usecsOf(ns: number): number {
  return Math.floor((ns + 500) / 1000);
}

let lastSecs = -1;
let lastSecsText = '';

/** `%5lu.%06lu` of the nanosecond timestamp. */
export function timestampText(ns: number): string {
  const usecs = usecsOf(ns);
  const secs = Math.floor(usecs / 1e6);
  if (secs !== lastSecs) {
    const s = String(secs);
    lastSecs = secs;
    lastSecsText = (s.length < 5 ? SPACES.slice(0, 5 - s.length) + s : s) + '.';
  }
  const frac = String(usecs - secs * 1e6);
  return lastSecsText + '000000'.slice(frac.length) + frac;
}

let lenSecs = -1;
let lenSecsDigits = 0;

/** The length of contextPrefix + flags + ' ' + timestampText + ': ' (of a time in microseconds, usecsOf) without building it. */
export function prefixLengthOf(comm: string, pid: number, cpu: number, usecs: number): number {
  const secs = Math.floor(usecs / 1e6);
  if (secs !== lenSecs) {
    lenSecs = secs;
    lenSecsDigits = String(secs).length;
  }
  const pidLen = pid >= 0 && pid < 1e6 ? 7 : String(pid).length;
  const cpuLen = cpu < 1000 ? 3 : String(cpu).length;
  return Math.max(16, comm.length) + 1 + Math.max(7, pidLen) + 2 + cpuLen + 2 + 5 + 1 + Math.max(5, lenSecsDigits) + 7 + 2;
}

export function headerLines(tracer: string, entries: number | undefined, cpus: number): string[] {
  const e = entries ?? 0;
  return [
    `# tracer: ${tracer}`,
    '#',
    `# entries-in-buffer/entries-written: ${e}/${e}   #P:${cpus}`,
    '#',
    '#                                _-----=> irqs-off/BH-disabled',
    '#                               / _----=> need-resched',
    '#                              | / _---=> hardirq/softirq',
    '#                              || / _--=> preempt-depth',
    '#                              ||| / _-=> migrate-disable',
    '#                              |||| /     delay',
    '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
    '#              | |         |   |||||     |         |',
  ];
}

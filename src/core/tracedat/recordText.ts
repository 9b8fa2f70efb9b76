// Turns one ring-buffer record into the line the kernel's `trace` file would print for it:
// the context prefix (`comm-pid [cpu] flags secs.usecs: `), the event name and its payload from
// the event's own print fmt, with the kernel's special cases: function tracer `func <-parent`,
// trace markers `tracing_mark_write: text`, kprobes `(sym+off/size)`, kretprobes `(site <- func)`.

import type { DatMeta } from './datFile';
import type { EventFormat, FieldFormat } from './eventFormat';
import type { Kallsyms } from './kallsyms';
import { compilePrintFmt, fieldReader, type PrintEnv, type RecordView, type Renderer } from './printFormat';

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
}

function hiLo(f: FieldFormat, little: boolean): (r: RecordView) => [number, number] | undefined {
  const off = f.offset;
  if (f.size === 4) return (r) => (off + 4 <= r.size ? [0, r.dv.getUint32(r.start + off, little)] : undefined);
  return (r) => {
    if (off + 8 > r.size) return undefined;
    const p = r.start + off;
    return little ? [r.dv.getUint32(p + 4, true), r.dv.getUint32(p, true)] : [r.dv.getUint32(p, false), r.dv.getUint32(p + 4, false)];
  };
}

function hex(hi: number, lo: number): string {
  return hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16);
}

/** The kernel's seq_print_ip_sym: `0` for a null address, the symbol, or the raw address. */
function symText(k: Kallsyms, a: [number, number] | undefined, withOffset: boolean): string {
  if (!a) return '0';
  const [hi, lo] = a;
  if (hi === 0 && lo === 0) return '0';
  if (k.isKretprobeTrampoline(hi, lo)) return "[unknown/kretprobe'd]";
  return k.lookupHiLo(hi, lo, withOffset) ?? '0x' + hex(hi, lo);
}

export function makePrintEnv(meta: DatMeta): PrintEnv {
  const k = meta.kallsyms;
  return {
    little: meta.little,
    symbol: (addr, withOffset) => k.lookup(addr, withOffset),
    pointerString: (addr) => {
      const h = (typeof addr === 'bigint' ? BigInt.asUintN(64, addr) : BigInt.asUintN(64, BigInt(Math.trunc(addr)))).toString(16);
      return meta.printk.get(h);
    },
  };
}

export function makeHandler(fmt: EventFormat, meta: DatMeta, env: PrintEnv): EventHandler {
  const k = meta.kallsyms;
  const little = meta.little;
  const f = fmt.byName;
  if (fmt.system === 'ftrace' && fmt.name === 'function' && f.get('ip') && f.get('parent_ip')) {
    const ip = hiLo(f.get('ip')!, little);
    const parent = hiLo(f.get('parent_ip')!, little);
    return {
      format: fmt,
      name: 'function',
      bare: true,
      printError: undefined,
      payload: (r) => {
        const s = symText(k, ip(r), false);
        const p = parent(r);
        return p && (p[0] !== 0 || p[1] !== 0) ? `${s} <-${symText(k, p, false)}` : s;
      },
    };
  }
  if (fmt.system === 'ftrace' && (fmt.name === 'print' || fmt.name === 'bputs') && f.get('ip')) {
    const ip = hiLo(f.get('ip')!, little);
    const textField = f.get('buf') ?? f.get('str');
    const text = textField ? fieldReader(textField, little) : () => '';
    return {
      format: fmt,
      name: undefined,
      bare: false,
      printError: undefined,
      dynamicName: (r) => symText(k, ip(r), false),
      payload: (r) => {
        const v = text(r);
        const s = typeof v === 'string' ? v : '';
        return s.endsWith('\n') ? s.slice(0, -1) : s;
      },
    };
  }
  const probeIp = f.get('__probe_ip');
  if (probeIp) {
    const ip = hiLo(probeIp, little);
    const rest = compilePrintFmt(fmt, env, { prefix: '(%lx)', args: 1 });
    return {
      format: fmt,
      name: fmt.name,
      bare: false,
      printError: rest.error,
      payload: (r) => `(${symText(k, ip(r), true)})${rest.render(r)}`,
    };
  }
  const probeFunc = f.get('__probe_func');
  const probeRet = f.get('__probe_ret_ip');
  if (probeFunc && probeRet) {
    const func = hiLo(probeFunc, little);
    const ret = hiLo(probeRet, little);
    const rest = compilePrintFmt(fmt, env, { prefix: '(%lx <- %lx)', args: 2 });
    return {
      format: fmt,
      name: fmt.name,
      bare: false,
      printError: rest.error,
      // the kernel prints the return site first: `(caller+0x3a4/0x8f0 <- probed_function)`
      payload: (r) => `(${symText(k, ret(r), true)} <- ${symText(k, func(r), false)})${rest.render(r)}`,
    };
  }
  const compiled = compilePrintFmt(fmt, env);
  return { format: fmt, name: fmt.name, bare: false, printError: compiled.error, payload: compiled.render };
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

/** `%5lu.%06lu` of the nanosecond timestamp. */
export function timestampText(ns: number): string {
  const usecs = usecsOf(ns);
  const secs = Math.floor(usecs / 1e6);
  const frac = String(usecs - secs * 1e6);
  const s = String(secs);
  return (s.length < 5 ? SPACES.slice(0, 5 - s.length) + s : s) + '.' + '000000'.slice(frac.length) + frac;
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

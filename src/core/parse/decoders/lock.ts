// Decoders for the kernel's lock contention tracepoints (include/trace/events/lock.h, since 5.19):
//   contention_begin: TP_printk("%p (flags=%s)", lock_addr, __print_flags(flags, "|", SPIN, READ, WRITE, RT, PERCPU, MUTEX))
//   contention_end:   TP_printk("%p (ret=%d)", lock_addr, ret)
// The kernel's text hashes %p (options/hash-ptr, on by default): the address is an identity within
// one boot, never an address to resolve. trace-cmd prints the raw pointer (`0xffff...`); `-R` prints
// `lock_addr=0x... flags=5` / `lock_addr=0x... ret=0`.
import type { DecodeResult } from './result';

/** LCB_F_* bits of lock:contention_begin, in the order the kernel prints them. */
const LCB_FLAGS: readonly [number, string][] = [
  [1 << 0, 'SPIN'],
  [1 << 1, 'READ'],
  [1 << 2, 'WRITE'],
  [1 << 3, 'RT'],
  [1 << 4, 'PERCPU'],
  [1 << 5, 'MUTEX'],
];

const HEX = /^(?:0x)?[0-9a-f]+$/i;

/** The lock's address as one canonical string (hex digits, lower case, no 0x, no leading zeros). */
function lockId(text: string): string | undefined {
  if (!HEX.test(text)) return undefined;
  const digits = text.replace(/^0x/i, '').toLowerCase().replace(/^0+(?=.)/, '');
  return digits.length <= 16 ? digits : undefined;
}

/** `addr (key=value)` as the kernel prints it, or `lock_addr=addr key=value` (-R). */
function split(p: string, key: string): { lock: string; value: string } | string {
  const raw = /^lock_addr=(\S+)\s+(\w+)=(\S+)\s*$/.exec(p);
  if (raw) return raw[2] === key ? { lock: raw[1], value: raw[3] } : `expected ${key}=, found ${raw[2]}=`;
  const m = /^(\S+) \((\w+)=([^)]*)\)\s*$/.exec(p);
  if (!m) return `expected "ADDRESS (${key}=...)"`;
  return m[2] === key ? { lock: m[1], value: m[3] } : `expected ${key}=, found ${m[2]}=`;
}

export function decodeContentionBegin(p: string): DecodeResult {
  const s = split(p, 'flags');
  if (typeof s === 'string') return s;
  const lock = lockId(s.lock);
  if (lock === undefined) return `lock address ${s.lock} is not a pointer`;
  let flags: string[];
  if (/^(0x[0-9a-f]+|\d+)$/i.test(s.value)) {
    const n = Number(s.value);
    flags = LCB_FLAGS.filter(([bit]) => (n & bit) !== 0).map(([, name]) => name);
  } else {
    flags = s.value === '' ? [] : s.value.split('|');
    const unknown = flags.find((f) => !LCB_FLAGS.some(([, name]) => name === f) && !/^0x[0-9a-f]+$/i.test(f));
    if (unknown !== undefined) return `unknown contention flag ${unknown}`;
  }
  return { kind: 'lock.contention_begin', lock, read: flags.includes('READ'), write: flags.includes('WRITE'), flags };
}

export function decodeContentionEnd(p: string): DecodeResult {
  const s = split(p, 'ret');
  if (typeof s === 'string') return s;
  const lock = lockId(s.lock);
  if (lock === undefined) return `lock address ${s.lock} is not a pointer`;
  const ret = Number(s.value);
  if (!Number.isInteger(ret)) return `ret=${s.value} is not an integer`;
  return { kind: 'lock.contention_end', lock, ret };
}

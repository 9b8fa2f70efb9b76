// The per-line context prefix of kernel `trace`/`trace_pipe` text and `trace-cmd report` text
// (docs/kernel-behaviour.md 1.2, 1.9): `comm-pid [(tgid)] [cpu] [flags] secs.usecs: rest`, scanned by hand
// (no regex). The comm may hold spaces, dashes and `<...>`: the pid is the last `-digits` before
// the CPU bracket. The result object is reused across lines to avoid allocation.

export interface PrefixScan {
  /** 0 = parsed; otherwise why not (see PrefixFailure). */
  status: PrefixFailure;
  commStart: number;
  commEnd: number;
  pid: number;
  /** -1 when the line has no TGID column, -2 for `(-------)` (tgid unknown). */
  tgid: number;
  cpu: number;
  flagsStart: number;
  flagsEnd: number;
  ts: number;
  /** Index of the event text after `ts: `. */
  rest: number;
  /** End of `comm-pid [(tgid)] [cpu] [flags]`: a next line with the same text there can reuse the fields. */
  prefixEnd: number;
}

export const enum PrefixFailure {
  ok = 0,
  /** No `comm-pid [cpu]` at all. */
  noPrefix = 1,
  /** `comm-pid [cpu]` present, but the line ends before the event text. */
  truncated = 2,
  /** `comm-pid [cpu]` present, but what follows is not a timestamp. */
  badTimestamp = 3,
}

export function newPrefixScan(): PrefixScan {
  return { status: PrefixFailure.noPrefix, commStart: 0, commEnd: 0, pid: 0, tgid: -1, cpu: 0, flagsStart: 0, flagsEnd: 0, ts: 0, rest: 0, prefixEnd: 0 };
}

/** How far into a line the CPU bracket may be (comm is 16 columns, pid 7, tgid 10, plus slack). */
const MAX_BRACKET = 160;

function digits3(s: string, i: number): boolean {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  const c = s.charCodeAt(i + 2) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9;
}

function findCpuBracket(s: string): number {
  // fast path: kernel `%16s-%-7d [` puts it at column 25, trace-cmd `%16s-%-5d [` at 23
  if (s.charCodeAt(25) === 91 && s.charCodeAt(24) === 32 && s.charCodeAt(29) === 93 && digits3(s, 26)) return 25;
  if (s.charCodeAt(23) === 91 && s.charCodeAt(22) === 32 && s.charCodeAt(27) === 93 && digits3(s, 24)) return 23;
  let i = s.indexOf('[');
  while (i > 0 && i < MAX_BRACKET) {
    if (s.charCodeAt(i - 1) === 32) {
      let k = i + 1;
      while (k < s.length) {
        const c = s.charCodeAt(k);
        if (c < 48 || c > 57) break;
        k++;
      }
      if (k > i + 1 && k - i <= 5 && s.charCodeAt(k) === 93 /* ] */) return i;
    }
    i = s.indexOf('[', i + 1);
  }
  return -1;
}

/**
 * Parse a timestamp `secs.frac` (any fraction length; 6 digits = usecs, 9 = nsecs) or a raw
 * counter, ending at `:`. Returns the index of the colon, or -1.
 */
function scanTimestamp(s: string, i: number, out: PrefixScan): number {
  let k = i;
  let secs = 0;
  const n = s.length;
  while (k < n) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) break;
    secs = secs * 10 + (c - 48);
    k++;
  }
  if (k === i || k - i > 15) return -1;
  if (s.charCodeAt(k) === 46 /* . */) {
    k++;
    const fs = k;
    let frac = 0;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (c < 48 || c > 57) break;
      if (k - fs < 9) frac = frac * 10 + (c - 48);
      k++;
    }
    const digits = k - fs;
    if (digits === 0) return -1;
    let scale = 1;
    for (let d = digits < 9 ? digits : 9; d < 9; d++) scale *= 10;
    out.ts = secs * 1e9 + frac * scale;
  } else {
    out.ts = secs; // counter clocks (x86-tsc, counter): raw count
  }
  return s.charCodeAt(k) === 58 /* : */ ? k : -1;
}

export function scanPrefix(s: string, out: PrefixScan): void {
  out.status = PrefixFailure.noPrefix;
  const b = findCpuBracket(s);
  if (b < 0) return;
  // walk back over `comm-pid [(tgid)]`
  let j = b - 1;
  while (j >= 0 && s.charCodeAt(j) === 32) j--;
  out.tgid = -1;
  if (s.charCodeAt(j) === 41 /* ) */) {
    const open = s.lastIndexOf('(', j);
    if (open < 0) return;
    let t = open + 1;
    while (s.charCodeAt(t) === 32) t++;
    if (s.charCodeAt(t) === 45) out.tgid = -2;
    else {
      let v = 0;
      const t0 = t;
      while (t < j) {
        const c = s.charCodeAt(t);
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
        t++;
      }
      if (t === t0) return;
      out.tgid = v;
    }
    j = open - 1;
    while (j >= 0 && s.charCodeAt(j) === 32) j--;
  }
  const pidEnd = j + 1;
  while (j >= 0) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    j--;
  }
  if (j + 1 === pidEnd || j < 0 || s.charCodeAt(j) !== 45 /* - */ || pidEnd - j > 9) return;
  let pid = 0;
  for (let k = j + 1; k < pidEnd; k++) pid = pid * 10 + (s.charCodeAt(k) - 48);
  out.pid = pid;
  out.commEnd = j;
  let cs = 0;
  while (cs < j && s.charCodeAt(cs) === 32) cs++;
  out.commStart = cs;
  // CPU
  let cpu = 0;
  let k = b + 1;
  for (; s.charCodeAt(k) !== 93; k++) cpu = cpu * 10 + (s.charCodeAt(k) - 48);
  out.cpu = cpu;
  k++;
  // flags (optional), then timestamp
  const n = s.length;
  while (k < n && s.charCodeAt(k) === 32) k++;
  if (k >= n) {
    out.status = PrefixFailure.truncated;
    return;
  }
  out.flagsStart = out.flagsEnd = -1;
  out.prefixEnd = k;
  let colon = scanTimestamp(s, k, out);
  if (colon < 0) {
    // a flags token: up to the next space
    const sp = s.indexOf(' ', k);
    if (sp < 0 || sp - k > 10) {
      out.status = sp < 0 ? PrefixFailure.truncated : PrefixFailure.badTimestamp;
      return;
    }
    out.flagsStart = k;
    out.flagsEnd = sp;
    out.prefixEnd = sp;
    k = sp;
    while (k < n && s.charCodeAt(k) === 32) k++;
    if (k >= n) {
      out.status = PrefixFailure.truncated;
      return;
    }
    colon = scanTimestamp(s, k, out);
    if (colon < 0) {
      // `123.45` at the very end of a cut line is truncation, not a bad timestamp
      let e = k;
      while (e < n && ((s.charCodeAt(e) >= 48 && s.charCodeAt(e) <= 57) || s.charCodeAt(e) === 46)) e++;
      out.status = e === n ? PrefixFailure.truncated : PrefixFailure.badTimestamp;
      return;
    }
  }
  let r = colon + 1;
  if (r >= n) {
    out.status = PrefixFailure.truncated;
    return;
  }
  if (s.charCodeAt(r) === 32) r++;
  out.rest = r;
  out.status = PrefixFailure.ok;
}

/**
 * For a line whose first out.prefixEnd characters equal those of the last line scanPrefix
 * accepted (same task, pid, CPU and flags: vCPU threads print in bursts), scan only the timestamp
 * and find the event text. False when that fails (the caller then runs scanPrefix).
 */
export function scanPrefixReuse(s: string, out: PrefixScan): boolean {
  const n = s.length;
  let k = out.prefixEnd;
  while (k < n && s.charCodeAt(k) === 32) k++;
  if (k >= n) return false;
  const colon = scanTimestamp(s, k, out);
  if (colon < 0 || colon + 1 >= n) return false;
  let r = colon + 1;
  if (s.charCodeAt(r) === 32) r++;
  out.rest = r;
  out.status = PrefixFailure.ok;
  return true;
}

import { PERF_PROF_LINE, PERF_SCRIPT_LINE } from './formatSniff';

const LATENCY_LINE = /^\s*(.*\S)-(\d+)\s+(\d+)([.dDbXBNLnplZzHhs0-9a-f]{4,5})\s+(\d+)us.: /;
const BARE_TS_LINE = /^\s*(\d+)\.(\d+): \S/;

/**
 * Fallback prefixes, tried only when scanPrefix fails: the latency format
 * (`  ps-6143    2d..1  259us+: func <-parent`, relative microseconds) and lines whose context
 * was cut off in a paste (`179.182896: kvm_entry: ...`, no task or CPU). Returns the format.
 */
export function scanFallbackPrefix(s: string, out: PrefixScan): 'latency' | 'bare' | 'perf-script' | 'perf-prof' | undefined {
  let m = LATENCY_LINE.exec(s);
  if (m) {
    const commStart = s.indexOf(m[1]);
    out.commStart = commStart;
    out.commEnd = commStart + m[1].length;
    out.pid = Number(m[2]);
    out.tgid = -1;
    out.cpu = Number(m[3]);
    out.flagsStart = s.indexOf(m[4], out.commEnd + m[2].length + 1);
    out.flagsEnd = out.flagsStart + m[4].length;
    out.ts = Number(m[5]) * 1000;
    out.rest = m[0].length;
    out.status = PrefixFailure.ok;
    return 'latency';
  }
  m = PERF_SCRIPT_LINE.exec(s);
  if (m) {
    if (m[1] !== undefined) {
      out.commStart = s.indexOf(m[1]);
      out.commEnd = out.commStart + m[1].length;
      out.pid = Number(m[3] ?? m[2]);
      out.tgid = m[3] !== undefined ? Number(m[2]) : -1;
    } else {
      out.commStart = out.commEnd = 0;
      out.pid = -1;
      out.tgid = -1;
    }
    out.cpu = Number(m[4]);
    out.flagsStart = out.flagsEnd = -1;
    const frac = m[6].length >= 9 ? m[6].slice(0, 9) : m[6].padEnd(9, '0');
    out.ts = Number(m[5]) * 1e9 + Number(frac);
    // the event text starts at the name, after the `kvm:` subsystem
    out.rest = m[0].length - m[8].length - 1 - (/\s$/.test(m[0]) ? 1 : 0);
    out.status = PrefixFailure.ok;
    return 'perf-script';
  }
  m = PERF_PROF_LINE.exec(s);
  if (m) {
    // the wall clock in front (print_time()) is not the trace's time: it is skipped
    out.commStart = s.indexOf(m[2], m[1] !== undefined ? s.indexOf(m[1]) + m[1].length : 0);
    out.commEnd = out.commStart + m[2].length;
    out.pid = Number(m[3]);
    out.tgid = -1;
    out.cpu = m[5] === '---' ? -1 : Number(m[5]);
    out.flagsStart = s.indexOf(m[4], out.commEnd + m[3].length);
    out.flagsEnd = out.flagsStart + m[4].length;
    out.ts = Number(m[6]) * 1e9 + Number(m[7].padEnd(9, '0').slice(0, 9));
    // the event text starts at the name, after the subsystem
    out.rest = m[0].length - m[9].length - 1 - (/\s$/.test(m[0]) ? 1 : 0);
    out.status = PrefixFailure.ok;
    return 'perf-prof';
  }
  m = BARE_TS_LINE.exec(s);
  if (m) {
    out.commStart = out.commEnd = 0;
    out.pid = -1;
    out.tgid = -1;
    out.cpu = -1;
    out.flagsStart = out.flagsEnd = -1;
    const frac = m[2].length >= 9 ? m[2].slice(0, 9) : m[2].padEnd(9, '0');
    out.ts = Number(m[1]) * 1e9 + Number(frac);
    out.rest = m[0].length - 1;
    out.status = PrefixFailure.ok;
    return 'bare';
  }
  return undefined;
}

// Format sniffing, the one place that says what a byte stream is and whether it is a trace at all.
// Both readers consult it: readTrace (text, .gz, and the hand-off to the trace.dat reader) and the
// trace.dat entry points (stage2-lens report, the server's renderDat). Three questions, each a
// table-driven rule so that a new format is one row:
//   1. sniffBytes(head): what the first bytes are (BYTE_SIGNATURES: trace.dat, gzip, formats we
//      refuse with a hint, a damaged trace.dat magic, UTF-16/UTF-32 text).
//   2. sniffTextHead(head): whether the first 64 KiB of (decompressed) text are text at all: a
//      head whose lines are mostly binary (random bytes, NUL-laced text) is refused before parsing.
//   3. traceVerdict(counts): after the read, whether enough of the lines were trace lines
//      (events, headers and trace-shaped lines that could not be used, e.g. wrapped or quoted).
// A refusal is a sentence saying why; the CLI exits 3 with it, the server shows it.
import type { RejectReason, TraceFormat } from './types';

/** What the first bytes of an input are. */
export type ByteSniff =
  | { kind: 'trace-dat' }
  | { kind: 'gzip' }
  | { kind: 'text' }
  | { kind: 'refused'; reason: string };

/** The trace.dat magic: "\x17\x08Dtracing" (trace-cmd.dat(5)); its version string follows. */
export const TRACE_DAT_MAGIC = Uint8Array.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);

/** A trace.dat is read by ranges of its file (its CPU layout is at its end): a pipe cannot give them. */
export const DAT_NEEDS_FILE = 'a trace.dat needs a seekable file, not a pipe: save it to a file first (or pipe `trace-cmd report` text instead)';

/** How many leading bytes sniffBytes wants (it decides with fewer at the end of a short input). */
export const BYTE_SNIFF_BYTES = 16;
/** How many leading bytes of text sniffTextHead judges. */
export const TEXT_SNIFF_BYTES = 64 * 1024;

interface ByteSignature {
  /** What it is, for the refusal sentence. */
  name: string;
  /** The bytes at `at` (default 0); null matches any byte. */
  magic: readonly (number | null)[];
  at?: number;
  /** What to do: read it as a trace.dat, inflate it, or refuse it with `hint`. */
  action: 'trace-dat' | 'gzip' | 'refuse';
  hint?: string;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/**
 * Known leading bytes, tried in order. Refused formats say what the file is and how to get text
 * out of it; a format this tool reads natively gets an action instead.
 */
export const BYTE_SIGNATURES: readonly ByteSignature[] = [
  { name: 'trace.dat', magic: [...TRACE_DAT_MAGIC], action: 'trace-dat' },
  { name: 'gzip', magic: [0x1f, 0x8b], action: 'gzip' },
  { name: 'UTF-32 text', magic: [0xff, 0xfe, 0x00, 0x00], action: 'refuse', hint: 'convert with iconv -f UTF-32 -t UTF-8' },
  { name: 'UTF-32 text', magic: [0x00, 0x00, 0xfe, 0xff], action: 'refuse', hint: 'convert with iconv -f UTF-32 -t UTF-8' },
  { name: 'UTF-16 text', magic: [0xff, 0xfe], action: 'refuse', hint: 'convert with iconv -f UTF-16 -t UTF-8' },
  { name: 'UTF-16 text', magic: [0xfe, 0xff], action: 'refuse', hint: 'convert with iconv -f UTF-16 -t UTF-8' },
  { name: 'zstd-compressed data', magic: [0x28, 0xb5, 0x2f, 0xfd], action: 'refuse', hint: 'decompress it first (zstd -d FILE); .gz is read directly' },
  { name: 'xz-compressed data', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], action: 'refuse', hint: 'decompress it first (xz -d FILE); .gz is read directly' },
  { name: 'bzip2-compressed data', magic: [...ascii('BZh'), null, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], action: 'refuse', hint: 'decompress it first (bzip2 -d FILE); .gz is read directly' },
  { name: 'lz4-compressed data', magic: [0x04, 0x22, 0x4d, 0x18], action: 'refuse', hint: 'decompress it first (lz4 -d FILE); .gz is read directly' },
  { name: 'a zip archive', magic: [0x50, 0x4b, 0x03, 0x04], action: 'refuse', hint: 'extract the trace from it first' },
  { name: 'a perf.data file', magic: ascii('PERFILE2'), action: 'refuse', hint: 'this tool reads ftrace text and trace.dat; record with trace-cmd or tracefs (stage2-lens record-script)' },
  { name: 'an ELF binary', magic: [0x7f, 0x45, 0x4c, 0x46], action: 'refuse', hint: 'not trace data' },
];

function matches(head: Uint8Array, sig: ByteSignature): boolean {
  const at = sig.at ?? 0;
  if (head.length < at + sig.magic.length) return false;
  for (let i = 0; i < sig.magic.length; i++) {
    const m = sig.magic[i];
    if (m !== null && head[at + i] !== m) return false;
  }
  return true;
}

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * A trace.dat whose magic is damaged: 1 or 2 of its 10 bytes differ. No text starts that way
 * (0x17 and 0x08 are control bytes), so this never refuses a text trace, and a file one bit
 * away from a trace.dat is not silently read as text.
 */
function damagedDatMagic(head: Uint8Array): string | undefined {
  if (head.length < TRACE_DAT_MAGIC.length) return undefined;
  const diffs: number[] = [];
  for (let i = 0; i < TRACE_DAT_MAGIC.length; i++) if (head[i] !== TRACE_DAT_MAGIC[i]) diffs.push(i);
  if (diffs.length === 0 || diffs.length > 2) return undefined;
  const what = diffs.map((i) => `byte ${i} is ${hex(head[i])} instead of ${hex(TRACE_DAT_MAGIC[i])}`).join(', ');
  return `a damaged trace.dat: its magic is wrong (${what})`;
}

/**
 * UTF-16 without a byte-order mark: ASCII text with a NUL beside every character. Judged on the
 * head: at least 90% of the bytes on one parity are NUL and at most 10% on the other.
 */
function bomlessUtf16(head: Uint8Array): 'LE' | 'BE' | undefined {
  const pairs = Math.floor(Math.min(head.length, 4096) / 2);
  if (pairs < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenNul++;
    if (head[2 * i + 1] === 0) oddNul++;
  }
  if (oddNul >= 0.9 * pairs && evenNul <= 0.1 * pairs) return 'LE';
  if (evenNul >= 0.9 * pairs && oddNul <= 0.1 * pairs) return 'BE';
  return undefined;
}

/** What the first bytes of an input (BYTE_SNIFF_BYTES, or the whole input when shorter) are. */
export function sniffBytes(head: Uint8Array): ByteSniff {
  for (const sig of BYTE_SIGNATURES) {
    if (!matches(head, sig)) continue;
    if (sig.action === 'refuse') return { kind: 'refused', reason: `${sig.name}: ${sig.hint}` };
    return { kind: sig.action };
  }
  const damaged = damagedDatMagic(head);
  if (damaged) return { kind: 'refused', reason: damaged };
  return { kind: 'text' };
}

/** UTF-8 sequence length of a lead byte, 0 when it cannot start one. */
function utf8Length(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/**
 * Control bytes that do occur in real trace text: tab, vertical tab, form feed, carriage return,
 * and the BS/BEL/ESC of terminal sequences that a task may put in its name (they are read and
 * escaped on output). Every other C0 byte, DEL, NUL and invalid UTF-8 make a line binary.
 */
function textControl(b: number): boolean {
  return b === 9 || b === 11 || b === 12 || b === 13 || b === 7 || b === 8 || b === 27;
}

/** Why a line is not text: 'nul', 'control' (other control bytes or invalid UTF-8), or undefined when it is text. */
function lineProblem(b: Uint8Array, start: number, end: number): 'nul' | 'control' | undefined {
  let problem: 'nul' | 'control' | undefined;
  for (let i = start; i < end; ) {
    const c = b[i];
    if (c === 0) return 'nul';
    if (c < 32 || c === 127) {
      if (!textControl(c)) problem = 'control';
      i++;
      continue;
    }
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = utf8Length(c);
    // a sequence cut by the end of the head is not held against the line
    if (n === 0) problem = 'control';
    else for (let k = 1; k < n && i + k < end; k++) if ((b[i + k] & 0xc0) !== 0x80) problem = 'control';
    i += Math.max(1, n);
  }
  return problem;
}

/** The head is refused when more than this share of its lines is binary. */
const MAX_BINARY_LINE_SHARE = 0.5;

/**
 * Whether the first TEXT_SNIFF_BYTES of text are text. Undefined when they are; else why not
 * (random bytes, NUL-laced text, UTF-16 without a byte-order mark). A file with a few binary lines
 * among text is not refused here: those lines are rejected one by one and counted.
 */
export function sniffTextHead(head: Uint8Array): string | undefined {
  const utf16 = bomlessUtf16(head);
  if (utf16) return `UTF-16${utf16} text without a byte-order mark: convert with iconv -f UTF-16${utf16} -t UTF-8`;
  let lines = 0;
  let nul = 0;
  let control = 0;
  let start = 0;
  while (start < head.length) {
    let end = head.indexOf(10, start);
    if (end < 0) end = head.length;
    lines++;
    const p = lineProblem(head, start, end);
    if (p === 'nul') nul++;
    else if (p === 'control') control++;
    start = end + 1;
  }
  if (lines === 0 || nul + control <= MAX_BINARY_LINE_SHARE * lines) return undefined;
  const of = lines === 1 ? 'its first line' : `${nul + control} of its first ${lines} lines`;
  if (nul >= control) return `text laced with NUL bytes (${of} hold NULs)`;
  return `binary data (${of} hold control bytes or invalid UTF-8)`;
}

/** Line counts of a finished read, as the statistics collector keeps them. */
export interface LineCounts {
  events: number;
  /** Header, lost-events markers, stack frames and other non-event lines the reader knows (blank lines excluded). */
  special: number;
  rejected: ReadonlyMap<RejectReason, number> | Partial<Record<RejectReason, number>>;
}

/**
 * Whether a rejected line still looked like trace content (it is evidence that the file is a
 * trace) or like something else. Exhaustive: a new reason must be placed here.
 */
export const TRACE_SHAPED: Record<RejectReason, boolean> = {
  truncated: true,
  wrapped: true,
  quoted: true,
  'bad-timestamp': true,
  'undecodable-payload': true,
  'not-a-trace-line': false,
  binary: false,
  'too-long': false,
};

/** A file is a trace when at least this share of its non-blank lines is recognised. */
export const MIN_RECOGNISED_SHARE = 0.1;

/** Undefined when the counts make a trace; else why not. */
export function traceVerdict(counts: LineCounts): string | undefined {
  const get = (r: RejectReason): number => (counts.rejected instanceof Map ? (counts.rejected.get(r) ?? 0) : ((counts.rejected as Partial<Record<RejectReason, number>>)[r] ?? 0));
  let shaped = 0;
  let noise = 0;
  let binary = 0;
  for (const r of Object.keys(TRACE_SHAPED) as RejectReason[]) {
    const n = get(r);
    if (TRACE_SHAPED[r]) shaped += n;
    else noise += n;
    if (r === 'binary') binary += n;
  }
  if (counts.events === 0) {
    if (noise + shaped + counts.special === 0) return 'the input is empty';
    if (binary > 0 && binary >= noise / 2) return `no event line was recognised (${binary} of ${noise + shaped + counts.special} lines are binary)`;
    return 'no event line was recognised';
  }
  const total = counts.events + counts.special + shaped + noise;
  const recognised = counts.events + counts.special + shaped;
  if (recognised >= MIN_RECOGNISED_SHARE * total) return undefined;
  const pct = (100 * recognised) / total;
  return `only ${recognised} of ${total} lines (${pct < 1 ? pct.toFixed(2) : pct.toFixed(0)}%) are trace lines${binary > noise / 2 ? ', most of the rest binary' : ''}`;
}

/** The reading formats, by the name TraceStats.format carries, with the words reports use for them. */
export const FORMAT_LABELS: Record<TraceFormat, string> = {
  ftrace: 'ftrace (kernel trace / trace_pipe text)',
  'trace-cmd': 'trace-cmd report text',
  'trace-dat': 'trace.dat (binary)',
  'function-graph': 'function_graph tracer text',
  latency: 'latency-format text',
  'perf-script': 'perf script text (perf record -e kvm:*)',
  'perf-prof': 'perf-prof trace text',
  unknown: 'unknown (no trace line recognised)',
};

/** The sentence every output (CLI, editor) leads a partial read with: one wording everywhere. */
export function partialSentence(p: { reason: string }): string {
  return `partial analysis: ${p.reason}`;
}

/**
 * A `perf script` line of a tracepoint (tools/perf/builtin-script.c: process_event prints the
 * sample's comm `%16s`, pid `%7d` or pid/tid `%7d/%-7d`, `[%03d]` CPU, `%5lu.%06lu:` time, then
 * the event name padded to the widest name and libtraceevent's rendering of the record): the
 * default form `  qemu-system-x86  3441 [001]   770.850287:   kvm:kvm_entry: vcpu 0, rip 0x100146`,
 * `-F cpu,time,event,trace` (`    [001]   770.850287: kvm:kvm_entry: ...`) and `-F
 * comm,pid,tid,...` (`qemu 3441/3442 [001] ...`), with or without the `kvm:` subsystem. Groups:
 * comm, pid, tid, cpu, secs, fraction, subsystem, name.
 */
export const PERF_SCRIPT_LINE = /^\s*(?:(\S(?:.*?\S)?)\s+(\d+)(?:\/(\d+))?\s+)?\[(\d{1,5})\]\s+(\d+)\.(\d+):\s+(?:([a-z0-9_]+):)?([A-Za-z0-9_]+):(?:\s|$)/;

/**
 * A line of perf-prof (OpenCloudOS perf-prof, `perf-prof trace -e kvm:...`): tep__print_event()
 * prints `%16s %6u ` comm and pid, libtraceevent's latency flags, ` [%03d] ` CPU (`[---]` when
 * unknown), the time as `%llu.%06llu:` and `sys:name: ` before the event text; most profilers put
 * print_time()'s wall clock (`%Y-%m-%d %H:%M:%S.%06u `) in front. Groups: wall clock, comm, pid,
 * flags, cpu, secs, fraction, subsystem, name.
 */
export const PERF_PROF_LINE = /^\s*(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\s+)?(\S(?:.*?\S)?)\s+(\d+)\s+([.a-zA-Z0-9]{1,6})\s+\[(\d{1,5}|---)\]\s+(\d+)\.(\d+):\s+([a-z0-9_]+):([A-Za-z0-9_]+):(?:\s|$)/;

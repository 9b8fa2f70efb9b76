// The streaming trace.dat reader: readTraceDat turns a trace.dat (v6/v7, zstd/zlib/none) into the
// same TraceSink calls as the kernel's text trace of the same records (names, payload text,
// decoded fields, line numbers of the rendered text); renderTraceDat writes that text itself.
// CPUs are merged in timestamp order. Memory: with `openRange` (the caller can reopen the file at
// an offset) each CPU is read through its own range, so the bound is one compressed chunk plus its
// decompressed pages per CPU (a few hundred KB each) plus the symbol table; without it (a pure
// stream) the compressed trace data is held in memory until the CPU layout at the file's end is known.

import type { ByteSource } from '../parse/types';
import { isKnownEvent } from '../parse/decode';
import type { RejectedLine, TraceEvent, TraceSink } from '../parse/types';
import { DatFormatError } from './byteReader';
import { CpuRecords } from './cpuRecords';
import { initZstd } from './zstd';
import { type DatMeta, DatMetaReader } from './datFile';
import { sniffBytes } from '../parse/formatSniff';
import type { RecordView } from './printFormat';
import type { DecodeResult } from '../parse/decoders/result';
import { decodeRecord, makeFieldDecoder } from './recordDecode';
import { RecordMemo } from './recordMemo';
import { contextPrefix, type EventHandler, flagsText, headerLines, kernelHasLazyFlag, makeHandler, makePrintEnv, prefixLengthOf, timestampText, usecsOf } from './recordText';

export { TRACE_DAT_MAGIC } from './datFile';
export { DatFormatError } from './byteReader';

export interface TraceDatOptions {
  signal?: AbortSignal;
  /** Called every few MB with the (compressed) trace bytes consumed so far. */
  onProgress?(bytes: number): void;
  /**
   * Reopen the same file for bytes [start, end) (end exclusive, undefined = to the end), e.g.
   * `(s, e) => fs.createReadStream(path, { start: s, end: e === undefined ? undefined : e - 1 })`.
   * With it memory stays bounded whatever the file size; without it the compressed trace data is buffered.
   */
  openRange?(start: number, end?: number): ByteSource;
}

export interface TraceDatSummary {
  version: number;
  compression: string;
  cpus: number;
  events: number;
  /** Lines of the rendered text (header, lost-events markers, events). */
  lines: number;
  lost: { cpu: number; count: number | undefined; line: number }[];
  /** Reading stopped (for the whole file or one CPU) at these points; everything before was delivered. */
  errors: { offset: number; message: string; kind: DatFormatError['kind'] }[];
  warnings: string[];
}

/** True when the bytes start with the trace.dat magic (formatSniff's rule; sniffBytes says why not). */
export function isTraceDat(head: Uint8Array): boolean {
  return sniffBytes(head).kind === 'trace-dat';
}

interface LineOut {
  header(text: string): void;
  lost(cpu: number, count: number | undefined, text: string): void;
  /** Rendering passes the text; reading passes the line's length and the event. */
  event(text: string | undefined, length: number, ev: TraceEvent | undefined): void;
  reject(text: string, r: RejectedLine): void;
  /** An error that ends one CPU or the whole file: not a line of the text. */
  fail(err: DatFormatError): void;
}

function asDatError(e: unknown): DatFormatError {
  if (e instanceof DatFormatError) return e;
  return new DatFormatError(`unreadable trace.dat: ${(e as Error)?.message ?? String(e)}`, 0, 'corrupt');
}

async function walk(source: ByteSource, opts: TraceDatOptions, out: LineOut, summary: TraceDatSummary, wantText: boolean): Promise<void> {
  await initZstd();
  let meta: DatMeta;
  const metaReader = new DatMetaReader(source, { openRange: opts.openRange });
  try {
    meta = await metaReader.read();
  } catch (e) {
    const err = asDatError(e);
    summary.errors.push({ offset: err.offset, message: err.message, kind: err.kind });
    summary.version = metaReader.meta.version;
    out.fail(err);
    return;
  }
  summary.version = meta.version;
  summary.compression = meta.compression;
  summary.cpus = meta.cpuCount;
  summary.warnings.push(...meta.warnings);

  for (const h of headerLines('nop', meta.readEvents, meta.cpuCount)) out.header(h);

  const env = makePrintEnv(meta);
  // event ids are 16-bit: a dense table is faster than a Map on the per-record path. A handler
  // is compiled at its event's first record (a file describes many more events than it holds);
  // null marks an id without a format.
  const handlers: (EventHandler | null | undefined)[] = new Array(65536);
  const handlerOf = (id: number): EventHandler | null => {
    const fmt = meta.formats.get(id);
    if (fmt === undefined) return (handlers[id] = null);
    const h = makeHandler(fmt, meta, env);
    if (h.name !== undefined) h.knownName = isKnownEvent(h.name);
    // function lines have their own (ip, parent) memo; per-record names (markers) are not memoised
    if (h.name !== undefined && !h.bare) h.recordMemo = RecordMemo.forFormat(fmt);
    if (h.printError === undefined && h.name === fmt.name) h.fieldDecoder = makeFieldDecoder(fmt, meta.little);
    return (handlers[id] = h);
  };
  const typeField = meta.formats.values().next().value?.byName.get('common_type');
  const typeOff = typeField?.offset ?? 0;
  const lazy = kernelHasLazyFlag(meta.uname);
  const comms = meta.cmdlines;
  const commCache = new Map<number, string>();
  let lastPid = -1;
  let lastComm = '';
  const little = meta.little;
  const timeOffset = meta.timeOffset;
  const flagsCache: (string | undefined)[] = new Array(65536);

  const view: RecordView = { buf: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), start: 0, size: 0 };

  // The per-record work is split into small functions, apart from the async merge loop: V8
  // recompiles a function each time a path it never took is first taken (a new event kind, the
  // memo switching off...), and recompiling one big loop with everything inlined cost more CPU
  // than the rest of the start-up together; rare paths (rejects, unknown ids) are kept apart too.

  /** The current record of `s` as a line: one sink call (or none for a record shorter than its header). */
  const emitRecord = (s: CpuRecords): void => {
    const ts = s.recTs + timeOffset;
    if (s.lostBefore !== 0) {
      const n = s.lostBefore < 0 ? undefined : s.lostBefore;
      out.lost(s.cpu, n, n === undefined ? `CPU:${s.cpu} [LOST EVENTS]` : `CPU:${s.cpu} [LOST ${n} EVENTS]`);
    }
    view.buf = s.buf;
    view.dv = s.dv;
    view.start = s.recStart;
    view.size = s.recSize;
    if (view.size < 8) return;
    const type = s.dv.getUint16(view.start + typeOff, little);
    const eflags = s.buf[view.start + 2];
    const preempt = s.buf[view.start + 3];
    const pid = s.dv.getInt32(view.start + 4, little);
    let comm = pid === lastPid ? lastComm : commCache.get(pid);
    if (comm === undefined) {
      comm = pid === 0 ? '<idle>' : (comms.get(pid) ?? '<...>');
      commCache.set(pid, comm);
    }
    lastPid = pid;
    lastComm = comm;
    const fk = (eflags << 8) | preempt;
    const flags = flagsCache[fk] ?? (flagsCache[fk] = flagsText(eflags, preempt, lazy));
    let h = handlers[type];
    if (h === undefined) h = handlerOf(type);
    if (h === null) rejectUnknown(type, comm, pid, s.cpu, flags, ts);
    else if (wantText) renderLine(h, comm, pid, s.cpu, flags, ts);
    else readLine(h, comm, pid, s.cpu, flags, ts);
  };

  const linePrefix = (comm: string, pid: number, cpu: number, flags: string, ts: number): string => contextPrefix(comm, pid, cpu) + flags + ' ' + timestampText(ts) + ': ';

  const rejectUnknown = (type: number, comm: string, pid: number, cpu: number, flags: string, ts: number): void => {
    const text = `${linePrefix(comm, pid, cpu, flags, ts)}[UNKNOWN EVENT ${type}]`;
    out.reject(text, { line: 0, offset: 0, reason: 'undecodable-payload', detail: `event id ${type} has no format in the file`, excerpt: text.slice(0, 200) });
  };

  const renderLine = (h: EventHandler, comm: string, pid: number, cpu: number, flags: string, ts: number): void => {
    const prefix = linePrefix(comm, pid, cpu, flags, ts);
    const name = h.name ?? h.dynamicName!(view);
    const raw = h.payload(view);
    out.event(h.bare ? prefix + raw : prefix + name + ': ' + raw, 0, undefined);
  };

  const rejectUndecodable = (h: EventHandler, name: string, raw: string, detail: string, comm: string, pid: number, cpu: number, flags: string, ts: number): void => {
    const text = linePrefix(comm, pid, cpu, flags, ts) + (h.bare ? raw : name + ': ' + raw);
    out.reject(text, { line: 0, offset: 0, reason: 'undecodable-payload', detail: `${name}: ${detail}`, excerpt: text.slice(0, 200) });
  };

  /** Reading: the TraceEvent, and the rendered line's length for the offsets (the text itself is never built). */
  const readLine = (h: EventHandler, comm: string, pid: number, cpu: number, flags: string, ts: number): void => {
    const name = h.name ?? h.dynamicName!(view);
    const memo = h.recordMemo;
    const key = memo !== undefined && !memo.off ? memo.hash(view) : -1;
    const hit = key >= 0 ? memo!.get(key, view) : undefined;
    let raw: string;
    let payload: string;
    let decoded: DecodeResult;
    if (hit !== undefined) {
      raw = hit.raw;
      payload = hit.payload;
      decoded = hit.decoded;
    } else {
      raw = h.payload(view);
      payload = h.mayPad ? raw.trim() : raw;
      decoded = decodeRecord(h, name, payload, view);
      if (key >= 0) memo!.set(key, view, { raw, payload, decoded });
    }
    if (typeof decoded === 'string') {
      rejectUndecodable(h, name, raw, decoded, comm, pid, cpu, flags, ts);
      return;
    }
    const usecs = usecsOf(ts);
    out.event(undefined, prefixLengthOf(comm, pid, cpu, usecs) + (h.bare ? 0 : name.length + 2) + raw.length, {
      line: 0,
      offset: 0,
      task: comm,
      pid,
      cpu,
      flags,
      ts: usecs * 1000,
      name,
      payload,
      decoded,
    });
  };

  const streams = meta.cpus.map((_c, i) => CpuRecords.forCpu(meta, i, opts.openRange));
  const active: CpuRecords[] = [];
  const finish = (s: CpuRecords): void => {
    if (s.error) {
      summary.errors.push({ offset: s.error.offset, message: s.error.message, kind: s.error.kind });
      out.fail(s.error);
    }
  };
  try {
    await merge(streams);
  } finally {
    // an exception from the sink or an abort must not leave file ranges open
    await Promise.all(streams.map((st) => st.close()));
  }

  async function merge(streams: CpuRecords[]): Promise<void> {
    for (const s of streams) {
      if (await s.advance()) active.push(s);
      else finish(s);
    }
    let count = 0;
    // The CPU with the earliest record (the lowest index on ties) goes next. Runs of records from
    // one CPU are common, so the runner-up is kept and the scan redone only when it is overtaken.
    let best = -1;
    let nextTs = 0;
    let nextIdx = 0;
    while (active.length > 0) {
      const cur = best >= 0 ? active[best] : undefined;
      if (cur === undefined || !(cur.recTs < nextTs || (cur.recTs === nextTs && best < nextIdx))) {
        // one pass: the earliest (lowest index on ties) and the runner-up (the same rule among the rest)
        best = 0;
        let bestTs = active[0].recTs;
        nextTs = Infinity;
        nextIdx = active.length;
        for (let i = 1; i < active.length; i++) {
          const t = active[i].recTs;
          if (t < bestTs) {
            nextTs = bestTs;
            nextIdx = best;
            best = i;
            bestTs = t;
          } else if (t < nextTs) {
            nextTs = t;
            nextIdx = i;
          }
        }
      }
      const s = active[best];
      emitRecord(s);
      count++;
      if ((count & 0xfff) === 0) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
        if (opts.onProgress && (count & 0x3ffff) === 0) opts.onProgress(streams.reduce((a, c) => a + c.consumed, 0));
      }
      if (!s.nextInPages()) {
        if (!(await s.advance())) {
          active.splice(best, 1);
          best = -1;
          finish(s);
        }
      }
    }
    summary.events = count;
  }
}

function newSummary(): TraceDatSummary {
  return { version: 0, compression: 'none', cpus: 0, events: 0, lines: 0, lost: [], errors: [], warnings: [] };
}

/** Decode a trace.dat into TraceSink calls, in timestamp order; never throws on bad input (errors go to `sink.rejected` and the summary). */
export async function readTraceDat(source: ByteSource, sink: TraceSink, opts: TraceDatOptions = {}): Promise<TraceDatSummary> {
  const summary = newSummary();
  let line = 0;
  let offset = 0;
  const advance = (text: string): void => {
    line++;
    offset += text.length + 1;
  };
  const out: LineOut = {
    header(text) {
      advance(text);
      sink.special?.({ kind: 'header', line, text });
    },
    lost(cpu, count, text) {
      advance(text);
      summary.lost.push({ cpu, count, line });
      sink.special?.({ kind: 'lost-events', line, cpu, count });
    },
    event(_text, length, ev) {
      line++;
      ev!.line = line;
      ev!.offset = offset;
      offset += length + 1;
      sink.event(ev!);
    },
    reject(text, r) {
      r.line = line + 1;
      r.offset = offset;
      advance(text);
      sink.rejected?.(r);
    },
    fail(err) {
      sink.rejected?.({ line: line + 1, offset, reason: err.kind === 'truncated' ? 'truncated' : 'binary', detail: `trace.dat: ${err.message}`, excerpt: '' });
    },
  };
  await walk(source, opts, out, summary, false);
  summary.lines = line;
  return summary;
}

/** Write the kernel-format text of a trace.dat (header + one line per record), in pieces of about 64 KB. */
export async function renderTraceDat(source: ByteSource, write: (text: string) => void, opts: TraceDatOptions = {}): Promise<TraceDatSummary> {
  const summary = newSummary();
  let lines = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  const push = (text: string): void => {
    lines++;
    pending.push(text);
    pendingLength += text.length + 1;
    if (pendingLength >= 65536) {
      write(pending.join('\n') + '\n');
      pending = [];
      pendingLength = 0;
    }
  };
  const out: LineOut = {
    header: push,
    lost(cpu, count, text) {
      push(text);
      summary.lost.push({ cpu, count, line: lines });
    },
    event: (text) => push(text!),
    reject: push,
    fail() {
      // reported in the summary: the text holds only what the file contained
    },
  };
  await walk(source, opts, out, summary, true);
  // not in a finally: when `write` itself threw (a consumer's size limit), nothing more is written
  if (pending.length) write(pending.join('\n') + '\n');
  summary.lines = lines;
  return summary;
}

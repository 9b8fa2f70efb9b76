// The streaming trace reader: bytes in (any size; what they are is decided by formatSniff: gzip
// inflated with node:zlib, trace.dat handed to src/core/tracedat, text parsed line by line), sink
// calls out, one per line, in input order. A trace is untrusted: input that is not a trace comes
// back `refused` with a reason, a cut or corrupt .gz or trace.dat comes back `partial` with the
// byte offset, never thrown; only I/O errors of the source and an abort signal throw.
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import type { ByteSource } from '../parse/types';
import { readTraceDat, type TraceDatOptions } from '../tracedat/index';
import { BYTE_SNIFF_BYTES, DAT_NEEDS_FILE, sniffBytes, sniffTextHead, TEXT_SNIFF_BYTES } from '../parse/formatSniff';
import { LineFramer } from '../parse/lineFramer';
import { LineParser } from '../parse/lineParser';
import { looksQuotedPrintable, QuotedPrintableLines } from '../parse/pasteRepair';
import type { ReaderRepairs, TraceFormat, TraceSink } from '../parse/types';

export interface ReadTraceOptions {
  signal?: AbortSignal;
  /** Called every few MB with the bytes consumed so far (compressed bytes for .gz/.dat). */
  onProgress?(bytes: number): void;
  /**
   * Reopen the same input for bytes [start, end): passed to the trace.dat reader (uncompressed
   * files only) so that its memory stays bounded.
   */
  openRange?(start: number, end?: number): ByteSource;
  /** False parses every line through the string path only (the bench compares both; results are identical). */
  bytePath?: boolean;
  /** False when the input is a pipe: a trace.dat is then refused with a reason instead of buffered. */
  seekable?: boolean;
}

export interface ReadTraceResult {
  format: TraceFormat;
  /** Bytes of (decompressed) text read. */
  bytes: number;
  lines: number;
  /** Set when the input is not read as a trace at all (formatSniff said no): why. Nothing reached the sink. */
  refused?: string;
  /**
   * Set when the input ended early or was damaged (a cut or corrupt .gz, a trace.dat whose data
   * stops): what was read before `offset` (a byte offset of the file as given) reached the sink,
   * nothing after it. Every output marks its analysis partial.
   */
  partial?: PartialRead;
  /** What the text reader repaired (counts; the stats collector adds what it sees in the events). */
  repairs?: ReaderRepairs;
  /** Set for a .gz: offsets are of the inflated text, so the file cannot be reopened at them. */
  compressed?: true;
}

export interface PartialRead {
  offset: number;
  reason: string;
}

const PROGRESS_EVERY = 4 * 1024 * 1024;

/**
 * The first bytes of a source (for magic detection), and the whole source again as an iterable.
 * An error while peeking (a .gz cut inside its first bytes) is not thrown here but by `all`, after
 * the bytes that came before it: a short damaged input is still judged and read up to the damage.
 */
async function peek(source: ByteSource, want: number): Promise<{ head: Buffer; all: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let len = 0;
  let done = false;
  let failed: { error: unknown } | undefined;
  while (len < want) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await it.next();
    } catch (error) {
      failed = { error };
      break;
    }
    if (r.done) {
      done = true;
      break;
    }
    parts.push(r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(parts);
  const all: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      if (head.length > 0) yield head;
      if (failed) throw failed.error;
      if (done) return;
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    },
  };
  return { head, all };
}

/** Counts raw bytes, reports progress, honours the abort signal. */
async function* metered(src: AsyncIterable<Uint8Array>, opts: ReadTraceOptions, counter: { raw: number }): AsyncGenerator<Uint8Array> {
  let next = PROGRESS_EVERY;
  for await (const chunk of src) {
    opts.signal?.throwIfAborted();
    counter.raw += chunk.length;
    if (opts.onProgress && counter.raw >= next) {
      opts.onProgress(counter.raw);
      next = counter.raw + PROGRESS_EVERY;
    }
    yield chunk;
  }
}

/** The gzip stream stopped: cut short (`truncated`) or damaged; `offset` is the compressed byte where inflating stopped. */
class CompressedDataError extends Error {
  constructor(
    readonly truncated: boolean,
    /** Compressed bytes inflated without a problem: the damage is at or after this byte. */
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Resolves on 'drain' or 'close' (a destroyed stream never drains), leaving no listener behind:
 * `once` on both would leave the other one registered, and a long .gz piles them up past Node's
 * MaxListeners warning. */
function drained(z: NodeJS.EventEmitter): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      z.off('drain', done);
      z.off('close', done);
      resolve();
    };
    z.on('drain', done);
    z.on('close', done);
  });
}

/** Compressed bytes handed to zlib per write: the precision of a corruption's offset. */
const INFLATE_SLICE = 64 * 1024;

/**
 * Inflates a gzip stream and tells a complete one from a cut one without losing what the cut one
 * holds. zlib says "unexpected end of file" only when the stream is finished with Z_FINISH, and a
 * Node stream that errors drops the output it still buffers; so every input byte is inflated with
 * Z_SYNC_FLUSH (which yields all decodable output), the output is drained, and only then an empty
 * Z_FINISH flush asks whether the deflate data ended properly (zlib's inflate() returns
 * Z_BUF_ERROR for a stream without its end block and trailer: node_zlib.cc reports it as
 * "unexpected end of file"). Concatenated members are read one after another, as gzip -d does.
 */
async function* gunzip(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const z = createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
  let failure: unknown;
  let fed = false; // every input byte written and flushed with Z_SYNC_FLUSH
  let finishing = false;
  let ended = false;
  let consumed = 0; // compressed bytes whose writes completed
  let stopped = false; // the consumer returned early
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  z.on('error', (e) => {
    failure ??= e;
    poke();
  });
  z.on('readable', poke);
  z.on('end', () => {
    ended = true;
    poke();
  });
  const feed = async (): Promise<void> => {
    try {
      for await (const chunk of src) {
        for (let at = 0; at < chunk.length && failure === undefined; at += INFLATE_SLICE) {
          const slice = chunk.subarray(at, at + INFLATE_SLICE);
          const more = z.write(slice, () => (consumed += slice.length));
          if (!more && failure === undefined && !stopped) await drained(z);
        }
        if (failure !== undefined || stopped) return;
      }
      z.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        fed = true;
        poke();
      });
    } catch (e) {
      // an I/O error of the source (or an abort): not a property of the compressed data
      failure ??= { source: e };
      poke();
    }
  };
  void feed();
  try {
    for (;;) {
      let out: Buffer | null;
      while ((out = z.read() as Buffer | null) !== null) yield out;
      if (failure !== undefined) break;
      if (ended) break;
      if (fed && !finishing && z.readableLength === 0) {
        finishing = true;
        z.flush(zlibConstants.Z_FINISH);
        z.end();
      }
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    stopped = true;
    z.destroy();
  }
  if (failure === undefined) return;
  if (typeof failure === 'object' && failure !== null && 'source' in failure) throw (failure as { source: unknown }).source;
  const e = failure as NodeJS.ErrnoException;
  const code = e.code ?? '';
  if (code.startsWith('Z_') || code.startsWith('ERR_ZLIB')) throw new CompressedDataError(finishing && /unexpected end of file/i.test(e.message), consumed, e.message);
  throw e;
}

function gzipProblem(e: CompressedDataError): string {
  return e.truncated
    ? `the .gz is cut short: the file ends at byte ${e.offset}, inside the compressed data (gzip -t: "unexpected end of file")`
    : `the .gz is corrupt: zlib failed in the compressed bytes ${e.offset}..${e.offset + INFLATE_SLICE} (${e.message})`;
}

async function readDat(source: ByteSource, sink: TraceSink, opts: TraceDatOptions, counter: { raw: number }): Promise<ReadTraceResult> {
  const summary = await readTraceDat(source, sink, opts);
  const read: ReadTraceResult = { format: 'trace-dat', bytes: counter.raw, lines: summary.lines };
  if (summary.errors.length === 0) return read;
  const what = summary.errors.map((e) => e.message).join('; ');
  // nothing decoded: the file is not readable as a trace at all
  if (summary.events === 0) return { ...read, refused: `a trace.dat that cannot be read: ${what}` };
  const first = Math.min(...summary.errors.map((e) => e.offset));
  return { ...read, partial: { offset: first, reason: `the trace.dat stops being readable: ${what}; everything reported is of the ${summary.events} events read before it` } };
}

export async function readTrace(source: ByteSource, sink: TraceSink, opts: ReadTraceOptions = {}): Promise<ReadTraceResult> {
  opts.signal?.throwIfAborted();
  const counter = { raw: 0 };
  const refuse = (reason: string): ReadTraceResult => ({ format: 'unknown', bytes: 0, lines: 0, refused: reason });
  const first = await peek(metered(source, opts, counter), BYTE_SNIFF_BYTES);
  let sniff = sniffBytes(first.head);
  if (sniff.kind === 'refused') return refuse(sniff.reason);
  if (sniff.kind === 'trace-dat') {
    if (opts.seekable === false) return refuse(DAT_NEEDS_FILE);
    return readDat(first.all, sink, opts, counter);
  }
  let text: AsyncIterable<Uint8Array> = first.all;
  const compressed = sniff.kind === 'gzip';
  if (sniff.kind === 'gzip') {
    const inflated = await peek(gunzip(first.all), BYTE_SNIFF_BYTES);
    if (inflated.head.length > 0) {
      sniff = sniffBytes(inflated.head);
      if (sniff.kind === 'refused') return refuse(`${sniff.reason} (inside the .gz)`);
      if (sniff.kind === 'gzip') return refuse('a .gz inside a .gz: decompress the outer one first (gzip -d FILE)');
      // ranges of the file would be compressed bytes: no openRange here (the data is buffered)
      if (sniff.kind === 'trace-dat') return readDat(inflated.all, sink, { signal: opts.signal, onProgress: opts.onProgress }, counter);
    }
    text = inflated.all;
  }
  const parser = new LineParser(sink, { bytePath: opts.bytePath });
  let partial: PartialRead | undefined;
  const head = await peek(text, TEXT_SNIFF_BYTES);
  const notText = sniffTextHead(head.head);
  if (notText) return refuse(notText);
  // quoted-printable mail is decoded line by line in front of the parser (pasteRepair.ts)
  const qp = looksQuotedPrintable(head.head.toString('latin1')) ? new QuotedPrintableLines(parser, parser.repairs) : undefined;
  const framer = new LineFramer(qp ?? parser);
  try {
    for await (const chunk of head.all) framer.push(chunk);
  } catch (e) {
    if (!(e instanceof CompressedDataError)) throw e;
    // nothing inflated at all: gzip magic followed by data that is not deflate
    if (framer.bytes === 0) return refuse(`gzip data that does not inflate: ${gzipProblem(e)}`);
    partial = { offset: e.offset, reason: `${gzipProblem(e)}; everything reported is of the ${framer.bytes} bytes of text inflated before it` };
  }
  framer.end();
  qp?.end();
  parser.finish();
  if (parser.firstNul) {
    const n = parser.nulLines;
    const nul = `${n} line${n === 1 ? ' holds' : 's hold'} NUL bytes (the first is line ${parser.firstNul.line}, at byte ${parser.firstNul.offset} of the text): the file is damaged there and ${n === 1 ? 'that line is' : 'those lines are'} left out`;
    partial = partial ? { offset: partial.offset, reason: `${partial.reason}; ${nul}` } : { offset: parser.firstNul.offset, reason: nul };
  }
  opts.onProgress?.(counter.raw);
  return { format: parser.format, bytes: framer.bytes, lines: framer.lines, repairs: parser.repairs, ...(partial ? { partial } : {}), ...(compressed ? { compressed: true } : {}) };
}

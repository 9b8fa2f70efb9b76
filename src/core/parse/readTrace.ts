// The streaming trace reader: bytes in (any size; what they are is decided by formatSniff: gzip
// inflated with node:zlib, trace.dat handed to src/core/tracedat, text parsed line by line), sink
// calls out, one per line, in input order. A trace is untrusted: input that is not a trace comes
// back `refused` with a reason, a cut or corrupt .gz or trace.dat comes back `partial` with the
// byte offset, never thrown; only I/O errors of the source and an abort signal throw.
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { ByteSource } from '../api';
import { readTraceDat, type TraceDatOptions } from '../tracedat/index';
import { BYTE_SNIFF_BYTES, sniffBytes, sniffTextHead, TEXT_SNIFF_BYTES } from './formatSniff';
import { LineFramer } from './lineFramer';
import { LineParser } from './lineParser';
import type { TraceFormat, TraceSink } from './types';

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
}

export interface PartialRead {
  offset: number;
  reason: string;
}

const PROGRESS_EVERY = 4 * 1024 * 1024;

/** The first bytes of a source (for magic detection), and the whole source again as an iterable. */
async function peek(source: ByteSource, want: number): Promise<{ head: Buffer; all: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let len = 0;
  let done = false;
  while (len < want) {
    const r = await it.next();
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
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

async function* gunzip(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // Z_FINISH at the end (zlib's default): a cut .gz yields everything it holds and then fails with
  // "unexpected end of file", which is how a truncation is told apart from a complete file.
  const z = createGunzip();
  const input = Readable.from(src, { objectMode: false });
  input.on('error', (e) => z.destroy(e));
  input.pipe(z);
  try {
    for await (const out of z) yield out as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code.startsWith('ERR_ZLIB')) {
      const message = (e as Error).message;
      throw new CompressedDataError(/unexpected end of file/i.test(message), z.bytesWritten, message);
    }
    throw e;
  } finally {
    input.unpipe(z);
    input.destroy();
  }
}

function gzipProblem(e: CompressedDataError, textBytes: number): string {
  return e.truncated
    ? `the .gz is cut short: its data ends at byte ${e.offset} of the file, after ${textBytes} bytes of text; the analysis covers only what came before`
    : `the .gz is corrupt at byte ${e.offset} of the file (${e.message}), after ${textBytes} bytes of text; the analysis covers only what came before`;
}

/** A trace.dat is read by ranges of its file (its CPU layout is at the end): a pipe cannot give them. */
const DAT_NEEDS_FILE = 'a trace.dat must be read from a seekable file, not a pipe: save it to a file first (or pipe `trace-cmd report` text instead)';

async function readDat(source: ByteSource, sink: TraceSink, opts: TraceDatOptions, counter: { raw: number }): Promise<ReadTraceResult> {
  const summary = await readTraceDat(source, sink, opts);
  const err = summary.errors[0];
  const partial = err ? { offset: err.offset, reason: `trace.dat: ${err.message}; the analysis covers only the records before it` } : undefined;
  return { format: 'trace-dat', bytes: counter.raw, lines: summary.lines, ...(partial ? { partial } : {}) };
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
  if (sniff.kind === 'gzip') {
    const inflated = await peek(gunzip(first.all), BYTE_SNIFF_BYTES).catch((e: unknown) => {
      if (e instanceof CompressedDataError) return e;
      throw e;
    });
    if (inflated instanceof CompressedDataError) return refuse(`gzip data that does not inflate (${inflated.message} at byte ${inflated.offset})`);
    sniff = sniffBytes(inflated.head);
    if (sniff.kind === 'refused') return refuse(`${sniff.reason} (inside the .gz)`);
    if (sniff.kind === 'gzip') return refuse('a .gz inside a .gz: decompress the outer one first (gzip -d FILE)');
    // ranges of the file would be compressed bytes: no openRange here (the data is buffered)
    if (sniff.kind === 'trace-dat') return readDat(inflated.all, sink, { signal: opts.signal, onProgress: opts.onProgress }, counter);
    text = inflated.all;
  }
  const parser = new LineParser(sink, { bytePath: opts.bytePath });
  const framer = new LineFramer(parser);
  let partial: PartialRead | undefined;
  try {
    const head = await peek(text, TEXT_SNIFF_BYTES);
    const notText = sniffTextHead(head.head);
    if (notText) return refuse(notText);
    for await (const chunk of head.all) framer.push(chunk);
  } catch (e) {
    if (!(e instanceof CompressedDataError)) throw e;
    partial = { offset: e.offset, reason: gzipProblem(e, framer.bytes) };
    if (framer.bytes === 0) return refuse(partial.reason.replace(/; the analysis covers.*$/, ''));
  }
  framer.end();
  parser.finish();
  opts.onProgress?.(counter.raw);
  return { format: parser.format, bytes: framer.bytes, lines: framer.lines, ...(partial ? { partial } : {}) };
}

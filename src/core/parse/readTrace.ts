// The streaming trace reader: bytes in (any size; gzip detected by its magic and inflated with
// node:zlib; trace.dat handed to src/core/tracedat), sink calls out, one per line, in input order.
// A trace is untrusted: corrupt compressed data is reported as a rejected line, never thrown;
// only I/O errors of the source and an abort signal end the read with an exception.
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import type { ByteSource } from '../api';
import { readTraceDat, TRACE_DAT_MAGIC } from '../tracedat/index';
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
}

export interface ReadTraceResult {
  format: TraceFormat;
  /** Bytes of (decompressed) text read. */
  bytes: number;
  lines: number;
}

const PROGRESS_EVERY = 4 * 1024 * 1024;

function startsWith(buf: Uint8Array, magic: Uint8Array): boolean {
  if (buf.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (buf[i] !== magic[i]) return false;
  return true;
}

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

class CorruptCompressedData extends Error {}

async function* gunzip(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // Z_SYNC_FLUSH at the end: a cut .gz yields what it holds instead of failing
  const z = createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const input = Readable.from(src, { objectMode: false });
  input.on('error', (e) => z.destroy(e));
  input.pipe(z);
  try {
    for await (const out of z) yield out as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code.startsWith('ERR_ZLIB')) throw new CorruptCompressedData((e as Error).message);
    throw e;
  } finally {
    input.unpipe(z);
    input.destroy();
  }
}

export async function readTrace(source: ByteSource, sink: TraceSink, opts: ReadTraceOptions = {}): Promise<ReadTraceResult> {
  opts.signal?.throwIfAborted();
  const counter = { raw: 0 };
  const first = await peek(metered(source, opts, counter), 16);
  let head = first.head;
  const all = first.all;
  if (startsWith(head, TRACE_DAT_MAGIC)) {
    const summary = await readTraceDat(all, sink, opts);
    return { format: 'trace-dat', bytes: counter.raw, lines: summary.lines };
  }
  let text: AsyncIterable<Uint8Array> = all;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const inflated = await peek(gunzip(all), 16).catch((e: unknown) => {
      if (e instanceof CorruptCompressedData) return { head: Buffer.alloc(0), all: (async function* () {})(), corrupt: (e as Error).message };
      throw e;
    });
    if ('corrupt' in inflated) {
      sink.rejected?.({ line: 1, offset: 0, reason: 'binary', detail: `gzip data is corrupt: ${inflated.corrupt}`, excerpt: '' });
      return { format: 'unknown', bytes: 0, lines: 0 };
    }
    head = inflated.head;
    text = inflated.all;
    if (startsWith(head, TRACE_DAT_MAGIC)) {
      // ranges of the file would be compressed bytes: no openRange here
      const summary = await readTraceDat(text, sink, { signal: opts.signal, onProgress: opts.onProgress });
      return { format: 'trace-dat', bytes: counter.raw, lines: summary.lines };
    }
  }
  const parser = new LineParser(sink, { bytePath: opts.bytePath });
  const framer = new LineFramer(parser);
  try {
    for await (const chunk of text) framer.push(chunk);
  } catch (e) {
    if (!(e instanceof CorruptCompressedData)) throw e;
    framer.end();
    parser.finish();
    sink.rejected?.({ line: framer.lines + 1, offset: framer.bytes, reason: 'binary', detail: `gzip data is corrupt: ${e.message}`, excerpt: '' });
    return { format: parser.format, bytes: framer.bytes, lines: framer.lines };
  }
  framer.end();
  parser.finish();
  opts.onProgress?.(counter.raw);
  return { format: parser.format, bytes: framer.bytes, lines: framer.lines };
}

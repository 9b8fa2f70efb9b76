// Where the bytes of a trace come from: the synced text of an open document, or the file on disk
// by URI (streamed in 128 KB slices; VS Code does not sync files over 50 MB, and other editors may
// not sync at all). Also gives back any line by number, from the document or through a LineIndex.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ByteSource } from '../core/index';
import { LineIndex } from './lineIndex';

/**
 * A trace reaches the engine in slices this long (characters of synced text, bytes of a file), and
 * the event loop runs between them: one slice of parsing and replay is the longest a request (a
 * hover during the analysis of a 45 MB trace) waits, a few ms on an idle machine.
 */
const sliceSize = 128 << 10;

export interface TraceSource {
  /** A fresh stream of the bytes each call (a replay or a comparison reads the trace again). */
  open(onChunk?: (bytes: number) => void): ByteSource;
  /** Total bytes when known (for the progress percentage). */
  size: number | undefined;
  /** Byte ranges of a file on disk: lets the trace.dat reader read each CPU's section with bounded memory. */
  openRange?(start: number, end?: number): ByteSource;
  /** Lines first..last (1-based, inclusive). */
  lines(first: number, last: number): Promise<string[]>;
  /** A file name for titles and reports. */
  name: string;
}

function baseName(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || uri;
}

export function documentSource(doc: TextDocument): TraceSource {
  const encoder = new TextEncoder();
  // The text as UTF-8 (the reader's offsets are bytes), encoded once per version for range reads.
  let encoded: { version: number; bytes: Buffer } | undefined;
  const utf8 = (): Buffer => {
    if (encoded?.version !== doc.version) encoded = { version: doc.version, bytes: Buffer.from(doc.getText(), 'utf8') };
    return encoded.bytes;
  };
  return {
    name: baseName(doc.uri),
    size: doc.getText().length,
    open(onChunk) {
      const text = doc.getText();
      return (async function* () {
        for (let i = 0; i < text.length; i += sliceSize) {
          // A generator that only awaits promises runs the whole analysis in one macrotask:
          // between chunks, let the event loop read requests (a hover answers while a 50 MB
          // synced document is analysed, within one slice of work).
          if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
          const bytes = encoder.encode(text.slice(i, i + sliceSize));
          onChunk?.(bytes.length);
          yield bytes;
        }
      })();
    },
    // Ranges of the text: a file whose lines are grouped by CPU is read again, stretch by stretch, in time order (core/read/timeOrder.ts).
    async *openRange(start, end) {
      const bytes = utf8();
      const stop = Math.min(end ?? bytes.length, bytes.length);
      for (let i = start; i < stop; i += sliceSize) yield bytes.subarray(i, Math.min(i + sliceSize, stop));
    },
    async lines(first, last) {
      const out: string[] = [];
      for (let l = Math.max(1, first); l <= Math.min(last, doc.lineCount); l++) {
        out.push(doc.getText({ start: { line: l - 1, character: 0 }, end: { line: l - 1, character: Number.MAX_SAFE_INTEGER } }).replace(/\r?\n$/, ''));
      }
      return out;
    },
  };
}

/** The file behind a `file:` URI, or undefined for other schemes. */
export async function diskSource(uri: string): Promise<TraceSource | undefined> {
  if (!uri.startsWith('file:')) return undefined;
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    return undefined;
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  // A new read (the file may have changed) starts a new index; it fills in when lines are asked for.
  let index = new LineIndex(path);
  return {
    name: baseName(uri),
    size: info.size,
    open(onChunk) {
      index = new LineIndex(path);
      const stream = createReadStream(path, { highWaterMark: sliceSize });
      if (!onChunk) return stream;
      return (async function* () {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          onChunk(chunk.length);
          yield chunk;
        }
      })();
    },
    // `end` is exclusive here and inclusive for createReadStream.
    openRange: (start, end) => createReadStream(path, { start, ...(end !== undefined ? { end: Math.max(start, end) - 1 } : {}), highWaterMark: 1 << 20 }),
    lines: (first, last) => index.read(first, last),
  };
}

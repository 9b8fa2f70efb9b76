// Opens a trace for the CLI commands as a ByteSource (compressed or not: the core reader tells
// gzip, trace.dat and text apart from the bytes). A missing, unreadable or directory path becomes
// one clear InputError line instead of a stack trace.
//
// A regular file is opened once per read (the trace.dat reader opens ranges of it). A stream (a
// FIFO, `-` for standard input, /dev/stdin, a character device) is opened exactly once and read
// once: opening a FIFO and closing it again, as a permission check would, lets the writer see its
// reader vanish (SIGPIPE) or lets a second open wait for a writer that has already gone. Streams
// are not seekable: a trace.dat there is refused with a reason (readTrace's `seekable`).
import { createReadStream, fstatSync, promises as fs } from 'node:fs';
import type { ReadStream } from 'node:fs';
import type { ByteSource } from '../core/index';
import { InputError } from './io';

const CHUNK = 1024 * 1024;

export interface OpenedSource {
  source: ByteSource;
  /** The size in bytes of a regular file; 0 for a stream (unknown). */
  size: number;
  /** The bytes [start, end) of the same file: lets the trace.dat reader keep its memory bounded. Absent for a stream. */
  openRange?(start: number, end?: number): ByteSource;
  /** False for a pipe, a FIFO or a terminal. */
  seekable: boolean;
}

/** The name standard input goes by on the command line. */
export const STDIN = '-';

function readFailed(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`${path}: no such file`);
  if (code === 'EACCES' || code === 'EPERM') return new InputError(`${path}: permission denied`);
  if (code === 'EISDIR') return new InputError(`${path}: is a directory, not a trace file`);
  return new InputError(`${path}: read failed (${code ?? (e as Error).message})`);
}

async function* chunksOf(path: string, stream: ReadStream | NodeJS.ReadableStream): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    throw readFailed(path, e);
  } finally {
    (stream as ReadStream).destroy?.();
  }
}

function fileStream(path: string, start?: number, end?: number): ByteSource {
  return {
    [Symbol.asyncIterator]() {
      // an empty range (an empty CPU section of a trace.dat): createReadStream refuses start > end
      if (end !== undefined && end <= (start ?? 0)) return (async function* () {})();
      // createReadStream's `end` is inclusive
      const stream = createReadStream(path, { highWaterMark: CHUNK, start, end: end === undefined ? undefined : end - 1 });
      return chunksOf(path, stream);
    },
  };
}

/** A stream read once: iterating it a second time is a programming error, said as such. */
function onceSource(path: string, open: () => NodeJS.ReadableStream): ByteSource {
  let used = false;
  return {
    [Symbol.asyncIterator]() {
      if (used) throw new Error(`${path}: a stream can be read only once`);
      used = true;
      return chunksOf(path, open());
    },
  };
}

export async function openSource(path: string): Promise<OpenedSource> {
  if (path === STDIN || path === '/dev/stdin') {
    // the process's own descriptor 0, whatever it is (a pipe, a file redirected with <, a terminal)
    let st;
    try {
      st = fstatSync(0);
    } catch {
      throw new InputError(`${path}: standard input is closed`);
    }
    if (st.isFile() && path === '/dev/stdin') return openFile(path, st.size);
    return { source: onceSource(path === STDIN ? 'standard input' : path, () => process.stdin), size: 0, seekable: false };
  }
  let st;
  try {
    st = await fs.stat(path);
  } catch (e) {
    throw readFailed(path, e);
  }
  if (st.isDirectory()) throw new InputError(`${path}: is a directory, not a trace file`);
  if (st.isFile()) return openFile(path, st.size);
  if (!st.isFIFO() && !st.isCharacterDevice() && !st.isSocket()) throw new InputError(`${path}: not a regular file, FIFO or character device`);
  // A FIFO is opened once, lazily, by the read itself: the open blocks until a writer comes, which
  // is what a reader of a FIFO is for (no open here that could race the writer).
  return { source: onceSource(path, () => createReadStream(path, { highWaterMark: CHUNK })), size: 0, seekable: false };
}

async function openFile(path: string, size: number): Promise<OpenedSource> {
  // open now, so that a permission problem is reported here rather than mid-read (harmless for a
  // regular file, unlike a FIFO)
  try {
    await (await fs.open(path, 'r')).close();
  } catch (e) {
    throw readFailed(path, e);
  }
  return { source: fileStream(path), size, openRange: (start, end) => fileStream(path, start, end), seekable: true };
}

// Opens a trace file for the CLI commands as a ByteSource (compressed or not: the core reader
// detects gzip and trace.dat itself). A missing, unreadable or directory path becomes one clear
// InputError line instead of a stack trace.
import { createReadStream, promises as fs } from 'node:fs';
import type { ByteSource } from '../core/api';
import { InputError } from './io';

const CHUNK = 1024 * 1024;

export interface OpenedSource {
  source: ByteSource;
  size: number;
  /** The bytes [start, end) of the same file: lets the trace.dat reader keep its memory bounded. */
  openRange(start: number, end?: number): ByteSource;
}

function streamOf(path: string, start?: number, end?: number): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      // createReadStream's `end` is inclusive
      const stream = createReadStream(path, { highWaterMark: CHUNK, start, end: end === undefined ? undefined : end - 1 });
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(`${path}: read failed (${code ?? (e as Error).message})`);
      } finally {
        stream.destroy();
      }
    },
  };
}

export async function openSource(path: string): Promise<OpenedSource> {
  let size: number;
  try {
    const st = await fs.stat(path);
    if (st.isDirectory()) throw new InputError(`${path}: is a directory, not a trace file`);
    if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice()) throw new InputError(`${path}: not a regular file`);
    size = st.size;
    // open now, so that a permission problem is reported here rather than mid-read
    const fh = await fs.open(path, 'r');
    await fh.close();
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new InputError(`${path}: permission denied`);
    if (code === 'EISDIR') throw new InputError(`${path}: is a directory, not a trace file`);
    throw new InputError(`${path}: cannot be read (${code ?? (e as Error).message})`);
  }
  return { source: streamOf(path), size, openRange: (start, end) => streamOf(path, start, end) };
}

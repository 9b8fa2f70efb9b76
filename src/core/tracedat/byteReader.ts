// Exact-length reads over a ByteSource (an async iterable of chunks) for the trace.dat reader:
// it keeps only the unread tail of the current chunk, so memory is one source chunk plus what a
// caller asks for. Reads past the end throw a DatFormatError naming the file offset.

import type { ByteSource } from '../parse/types';

/** A malformed or truncated trace.dat: the message names the byte offset where reading stopped. */
export class DatFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly kind: 'truncated' | 'corrupt' | 'unsupported' = 'corrupt',
  ) {
    super(`${message} (at byte offset ${offset})`);
  }
}

const EMPTY = new Uint8Array(0);
/** Metadata blocks (kallsyms of a large kernel is tens of MB) never come near this. */
export const MAX_READ = 256 * 1024 * 1024;

export class ByteReader {
  private iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = EMPTY;
  private at = 0;
  private ended = false;
  /** File offset of the next unread byte. */
  position: number;

  constructor(source: ByteSource, startOffset = 0) {
    this.iterator = source[Symbol.asyncIterator]();
    this.position = startOffset;
  }

  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        this.chunk = EMPTY;
        this.at = 0;
        return false;
      }
      this.chunk = next.value instanceof Uint8Array ? next.value : new Uint8Array(next.value as ArrayBuffer);
      this.at = 0;
    }
    return true;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  /**
   * Exactly n bytes (a view into the source chunk when possible, a copy when they straddle chunks).
   * A length above `max` is corrupt data, not an allocation to attempt.
   */
  async read(n: number, what: string, max = MAX_READ): Promise<Uint8Array> {
    if (n === 0) return EMPTY;
    if (!(n > 0 && n <= max)) throw new DatFormatError(`${what} claims ${n} bytes`, this.position, 'corrupt');
    if (!(await this.fill())) throw new DatFormatError(`file ends inside ${what}: ${n} bytes expected`, this.position, 'truncated');
    if (this.chunk.length - this.at >= n) {
      const view = this.chunk.subarray(this.at, this.at + n);
      this.at += n;
      this.position += n;
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (!(await this.fill())) throw new DatFormatError(`file ends inside ${what}: ${n - filled} of ${n} bytes missing`, this.position, 'truncated');
      const take = Math.min(n - filled, this.chunk.length - this.at);
      out.set(this.chunk.subarray(this.at, this.at + take), filled);
      this.at += take;
      this.position += take;
      filled += take;
    }
    return out;
  }

  /** Skip n bytes without keeping them. */
  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw new DatFormatError(`file ends inside ${what}: ${left} of ${n} bytes missing`, this.position, 'truncated');
      const take = Math.min(left, this.chunk.length - this.at);
      this.at += take;
      this.position += take;
      left -= take;
    }
  }

  /** A NUL-terminated string of at most `max` bytes. */
  async cString(what: string, max = 4096): Promise<string> {
    const bytes: number[] = [];
    for (;;) {
      if (!(await this.fill())) throw new DatFormatError(`file ends inside ${what}`, this.position, 'truncated');
      const b = this.chunk[this.at++];
      this.position++;
      if (b === 0) break;
      bytes.push(b);
      if (bytes.length > max) throw new DatFormatError(`${what} is longer than ${max} bytes`, this.position, 'corrupt');
    }
    return Buffer.from(bytes).toString('latin1');
  }

  /** Stop reading the source (closes a file stream early). */
  async close(): Promise<void> {
    this.ended = true;
    this.chunk = EMPTY;
    try {
      await this.iterator.return?.();
    } catch {
      // a source that fails while closing has nothing more to give
    }
  }
}

/** Little/big-endian integer reads from a byte view; 64-bit values as numbers (exact below 2^53) or bigint. */
export class Endian {
  constructor(readonly little: boolean) {}

  u16(b: Uint8Array, o: number): number {
    return this.little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }
  u32(b: Uint8Array, o: number): number {
    return this.little
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
  /** A u64 as a double (loses precision above 2^53: fine for sizes, offsets and nanosecond timestamps). */
  u64(b: Uint8Array, o: number): number {
    return this.little ? this.u32(b, o + 4) * 4294967296 + this.u32(b, o) : this.u32(b, o) * 4294967296 + this.u32(b, o + 4);
  }
  u64big(b: Uint8Array, o: number): bigint {
    const hi = this.little ? this.u32(b, o + 4) : this.u32(b, o);
    const lo = this.little ? this.u32(b, o) : this.u32(b, o + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}

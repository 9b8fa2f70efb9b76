// One CPU's flyrecord data as a sequence of ring-buffer records (kbuffer-parse.c semantics):
// compressed chunks are decompressed one at a time, each page's header gives the base timestamp,
// commit length and lost-event flags; records carry 27-bit time deltas, time extends, absolute
// timestamps and padding. Memory: one compressed chunk plus its decompressed pages.

import type { ByteSource } from '../parse/types';
import { ByteReader, DatFormatError, Endian } from './byteReader';
import { decompressBlock, type DatMeta } from './datFile';

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
const TS_SHIFT = 134217728; // 2^27
const MISSING_EVENTS = 0x80000000;
const MISSING_STORED = 0x40000000;
const COMMIT_MASK = (1 << 27) - 1;
/** Uncompressed trace data is read this many pages at a time. */
const RAW_BATCH_PAGES = 16;
/** A chunk larger than this is treated as corrupt rather than allocated. */
const MAX_CHUNK = 64 * 1024 * 1024;

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export class CpuRecords {
  readonly cpu: number;
  /** Current record: bytes buf[recStart, recStart + recSize), timestamp recTs (ns). */
  buf: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  recStart = 0;
  recSize = 0;
  recTs = 0;
  /** Set when the current record is the first after a gap: count, or -1 when unknown; 0 otherwise. */
  lostBefore = 0;
  /** The error that ended this CPU's data early, if any. */
  error: DatFormatError | undefined;

  private reader: ByteReader;
  private e: Endian;
  private little: boolean;
  private compressed: boolean;
  private chunksLeft = -1;
  private bytesLeft: number;
  private totalSize: number;
  private chunkFileOffset = 0;
  private pageBase = 0;
  private pagesEnd = 0;
  private dataEnd = 0;
  private pos = 0;
  private ts = 0;
  private pendingLost = 0;

  constructor(
    private meta: DatMeta,
    index: number,
    source: ByteSource,
  ) {
    const c = meta.cpus[index];
    this.cpu = c.cpu;
    this.e = new Endian(meta.little);
    this.little = meta.little;
    this.compressed = meta.version >= 7 && meta.compression !== 'none';
    this.reader = new ByteReader(c.bytes ? single(c.bytes) : source, c.offset);
    this.bytesLeft = c.size;
    this.totalSize = c.size;
  }

  static forCpu(meta: DatMeta, index: number, openRange: ((start: number, end?: number) => ByteSource) | undefined): CpuRecords {
    const c = meta.cpus[index];
    const compressed = meta.version >= 7 && meta.compression !== 'none';
    const end = c.offset + c.size + (compressed ? 4 : 0);
    const source = c.bytes ? single(c.bytes) : openRange ? openRange(c.offset, end) : single(new Uint8Array(0));
    return new CpuRecords(meta, index, source);
  }

  /** Bytes of this CPU's file data read so far (for progress). */
  get consumed(): number {
    return this.totalSize - this.bytesLeft;
  }

  /** Release the file range (also when reading stopped early). */
  async close(): Promise<void> {
    await this.reader.close();
  }

  /** Load pages until a record is current; false at the end of this CPU's data (or on error). */
  async advance(): Promise<boolean> {
    for (;;) {
      if (this.nextInPages()) return true;
      if (this.error) return false;
      try {
        if (!(await this.loadChunk())) {
          await this.reader.close();
          return false;
        }
      } catch (e) {
        this.error = e instanceof DatFormatError ? e : new DatFormatError(`CPU ${this.cpu}: ${(e as Error).message}`, this.reader.position, 'corrupt');
        await this.reader.close();
        return false;
      }
    }
  }

  /** The synchronous fast path: the next record within the pages already decompressed. */
  nextInPages(): boolean {
    const buf = this.buf;
    const dv = this.dv;
    const little = this.little;
    for (;;) {
      while (this.pos < this.dataEnd) {
        const p = this.pos;
        if (p + 4 > this.dataEnd) return this.fail('record header crosses the page end', p);
        const w = dv.getUint32(p, little);
        const typeLen = little ? w & 31 : w >>> 27;
        const delta = little ? w >>> 5 : w & 0x7ffffff;
        switch (typeLen) {
          case TYPE_PADDING: {
            if (delta === 0) {
              this.pos = this.dataEnd; // the rest of the page is empty
              break;
            }
            if (p + 8 > this.dataEnd) return this.fail('padding record crosses the page end', p);
            const len = dv.getUint32(p + 4, little);
            this.ts += delta;
            this.pos = p + 4 + len;
            if (len === 0 || this.pos > this.dataEnd) this.pos = this.dataEnd;
            break;
          }
          case TYPE_TIME_EXTEND:
          case TYPE_TIME_STAMP: {
            if (p + 8 > this.dataEnd) return this.fail('time record crosses the page end', p);
            const v = dv.getUint32(p + 4, little) * TS_SHIFT + delta;
            this.ts = typeLen === TYPE_TIME_EXTEND ? this.ts + v : v;
            this.pos = p + 8;
            break;
          }
          case 0: {
            if (p + 8 > this.dataEnd) return this.fail('record length crosses the page end', p);
            const len = dv.getUint32(p + 4, little);
            if (len < 4) return this.fail(`bad record length ${len}`, p);
            // checked before rounding: `& ~3` on a length past 2^31 would make it negative
            if (len - 4 > this.dataEnd - p - 8) return this.fail(`record of ${len - 4} bytes crosses the page end`, p);
            const size = (len - 4 + 3) & ~3;
            if (p + 8 + size > this.dataEnd) return this.fail(`record of ${size} bytes crosses the page end`, p);
            this.ts += delta;
            this.recStart = p + 8;
            this.recSize = len - 4;
            this.pos = p + 8 + size;
            return this.take();
          }
          default: {
            const size = typeLen * 4;
            if (p + 4 + size > this.dataEnd) return this.fail(`record of ${size} bytes crosses the page end`, p);
            this.ts += delta;
            this.recStart = p + 4;
            this.recSize = size;
            this.pos = p + 4 + size;
            return this.take();
          }
        }
      }
      if (!this.nextPage(buf)) return false;
    }
  }

  private take(): boolean {
    this.recTs = this.ts;
    this.lostBefore = this.pendingLost;
    this.pendingLost = 0;
    return true;
  }

  private fail(what: string, bufPos: number): false {
    const page = Math.floor(this.pageBase / this.meta.pageSize);
    const where = this.compressed ? `page ${page} of the compressed chunk at byte offset ${this.chunkFileOffset}` : `byte offset ${this.chunkFileOffset + bufPos}`;
    this.error = new DatFormatError(`CPU ${this.cpu}: ${what} in ${where}`, this.compressed ? this.chunkFileOffset : this.chunkFileOffset + bufPos, 'corrupt');
    this.pos = this.dataEnd = this.pagesEnd;
    this.pageBase = this.pagesEnd;
    return false;
  }

  /** Move to the next page of the current chunk; false when the chunk is used up. */
  private nextPage(buf: Uint8Array): boolean {
    const ps = this.meta.pageSize;
    const pg = this.meta.page;
    const next = this.started ? this.pageBase + ps : 0;
    this.started = true;
    if (next + pg.dataOffset > this.pagesEnd) {
      this.pageBase = this.pagesEnd;
      return false;
    }
    this.pageBase = next;
    const dv = this.dv;
    this.ts = this.e.u64(buf, next + pg.timestampOffset);
    const commit = dv.getUint32(next + pg.commitOffset + (this.little || pg.commitSize === 4 ? 0 : 4), this.little);
    const len = commit & COMMIT_MASK;
    const start = next + pg.dataOffset;
    if (len > ps - pg.dataOffset) {
      this.fail(`page with bad length ${len} (page size ${ps})`, next);
      return false;
    }
    if (start + len > this.pagesEnd) {
      this.fail(`page data (${len} bytes) runs past the end of its data`, next);
      return false;
    }
    if (commit & MISSING_EVENTS) {
      if (commit & MISSING_STORED && start + len + this.meta.longSize <= this.pagesEnd) {
        this.pendingLost = this.meta.longSize === 8 ? this.e.u64(buf, start + len) : this.e.u32(buf, start + len);
      } else this.pendingLost = -1;
    }
    this.pos = start;
    this.dataEnd = start + len;
    return true;
  }

  private started = false;

  /** Read and decompress the next chunk (or the next batch of raw pages); false at the end of data. */
  private async loadChunk(): Promise<boolean> {
    const r = this.reader;
    const ps = this.meta.pageSize;
    let pages: Uint8Array;
    if (this.compressed) {
      if (this.chunksLeft < 0) {
        if (this.bytesLeft < 4) return false;
        // the BUFFER option's size counts the chunks, not this leading count
        this.chunksLeft = this.e.u32(await r.read(4, `CPU ${this.cpu} chunk count`), 0);
      }
      if (this.chunksLeft === 0) return false;
      this.chunkFileOffset = r.position;
      const h = await r.read(8, `CPU ${this.cpu} chunk header`);
      const csize = this.e.u32(h, 0);
      const usize = this.e.u32(h, 4);
      if (csize > this.bytesLeft || usize > MAX_CHUNK || csize > MAX_CHUNK) throw new DatFormatError(`CPU ${this.cpu}: chunk sizes ${csize}/${usize} are impossible`, this.chunkFileOffset, 'corrupt');
      const data = await r.read(csize, `CPU ${this.cpu} compressed chunk`);
      this.bytesLeft -= 8 + csize;
      this.chunksLeft--;
      pages = decompressBlock(this.meta.compression, data, usize, this.chunkFileOffset);
    } else {
      if (this.bytesLeft <= 0) return false;
      this.chunkFileOffset = r.position;
      const n = Math.min(this.bytesLeft, ps * RAW_BATCH_PAGES);
      pages = await r.read(n, `CPU ${this.cpu} pages`);
      this.bytesLeft -= n;
    }
    this.buf = pages;
    this.dv = new DataView(pages.buffer, pages.byteOffset, pages.byteLength);
    this.pagesEnd = pages.length;
    this.pageBase = 0;
    this.pos = 0;
    this.dataEnd = 0;
    this.started = false;
    return true;
  }
}

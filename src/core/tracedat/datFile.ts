// Reads the metadata of a trace.dat, file versions 6 and 7 (trace-cmd.dat.v6(5)/v7(5)): the
// initial header, the header_page layout, event formats, kallsyms, printk strings, saved command
// lines, options (CPUSTAT, CPUCOUNT, BUFFER, OFFSET) and where each CPU's flyrecord data lies.
// Sections are read in file order from one stream; a v7 flyrecord section is skipped through
// `openRange` when the caller can reopen the file, else kept (compressed) in memory.

import { inflateSync } from 'node:zlib';
import type { ByteSource } from '../parse/types';
import { ByteReader, DatFormatError, Endian } from './byteReader';
import { EventFormat, parseEventFormat } from './eventFormat';
import { Kallsyms } from './kallsyms';
import { zstdDecompress } from './zstd';
import { TRACE_DAT_MAGIC } from '../parse/formatSniff';

export { TRACE_DAT_MAGIC };

/** Where one CPU's ring-buffer pages are: a file range, or bytes already in memory (stream-only input). */
export interface CpuData {
  cpu: number;
  offset: number;
  size: number;
  bytes: Uint8Array | undefined;
}

export interface DatMeta {
  version: number;
  little: boolean;
  longSize: number;
  pageSize: number;
  /** 'none' (v6 or uncompressed v7), 'zstd', 'zlib'. */
  compression: string;
  /** Offsets inside a ring-buffer page (header_page). */
  page: { timestampOffset: number; commitOffset: number; commitSize: number; dataOffset: number };
  formats: Map<number, EventFormat>;
  kallsyms: Kallsyms;
  /** printk_formats / tracepoint_string: kernel address (hex, no 0x) to string. */
  printk: Map<string, string>;
  cmdlines: Map<number, string>;
  cpuCount: number;
  clock: string;
  cpus: CpuData[];
  /** Events read per CPU from the CPUSTAT options (`read events:`), when present. */
  readEvents: number | undefined;
  /** Nanoseconds added to every timestamp (OFFSET option). */
  timeOffset: number;
  uname: string | undefined;
  /** The v7 flyrecord section of the top buffer (header offset and size), for tools that rewrite files. */
  flyrecordSection: { offset: number; size: number } | undefined;
  warnings: string[];
}

export interface MetaReadOptions {
  /** Reopen the same file at [start, end): lets the reader skip flyrecord data and read each CPU separately. */
  openRange?(start: number, end?: number): ByteSource;
}

const MAX_SECTION = 512 * 1024 * 1024;

function text(b: Uint8Array): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return Buffer.from(b.buffer, b.byteOffset, end).toString('latin1');
}

function cStringAt(b: Uint8Array, o: number): { s: string; next: number } {
  let e = o;
  while (e < b.length && b[e] !== 0) e++;
  return { s: Buffer.from(b.buffer, b.byteOffset + o, e - o).toString('latin1'), next: e + 1 };
}

export function decompressBlock(algo: string, data: Uint8Array, size: number, offset: number): Uint8Array {
  if (size > MAX_SECTION) throw new DatFormatError(`compressed block claims ${size} bytes uncompressed`, offset, 'corrupt');
  let out: Uint8Array;
  try {
    if (algo === 'zstd') out = zstdDecompress(data, size);
    else if (algo === 'zlib') out = inflateSync(data, { maxOutputLength: Math.max(size, 1) });
    else throw new DatFormatError(`unknown compression algorithm '${algo}'`, offset, 'unsupported');
  } catch (e) {
    if (e instanceof DatFormatError) throw e;
    throw new DatFormatError(`corrupt ${algo} block: ${(e as Error).message}`, offset, 'corrupt');
  }
  if (out.length !== size) throw new DatFormatError(`corrupt ${algo} block: ${out.length} bytes instead of ${size}`, offset, 'corrupt');
  return out;
}

function parseHeaderPage(t: string): DatMeta['page'] {
  const page = { timestampOffset: 0, commitOffset: 8, commitSize: 8, dataOffset: 16 };
  for (const line of t.split('\n')) {
    const m = /field:\s*(.*?)\s*(\w+)(\[\d*\])?;\s*offset:(\d+);\s*size:(\d+);/.exec(line);
    if (!m) continue;
    const [name, off, size] = [m[2], Number(m[4]), Number(m[5])];
    if (name === 'timestamp') page.timestampOffset = off;
    else if (name === 'commit') {
      page.commitOffset = off;
      page.commitSize = size;
    } else if (name === 'data') page.dataOffset = off;
  }
  return page;
}

function parseCmdlines(t: string, into: Map<number, string>): void {
  for (const line of t.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const pid = Number(line.slice(0, sp));
    if (Number.isInteger(pid)) into.set(pid, line.slice(sp + 1));
  }
}

function parsePrintk(t: string, into: Map<string, string>): void {
  for (const line of t.split('\n')) {
    const m = /^0x([0-9a-fA-F]+)\s*:\s*"(.*)"\s*$/.exec(line);
    if (m) into.set(m[1].toLowerCase().replace(/^0+/, ''), m[2].replace(/\\n$/, '').replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
  }
}

/** Reads the whole metadata; on failure the error carries the offset and `meta` holds what was read before it. */
export class DatMetaReader {
  readonly meta: DatMeta = {
    version: 0,
    little: true,
    longSize: 8,
    pageSize: 4096,
    compression: 'none',
    page: { timestampOffset: 0, commitOffset: 8, commitSize: 8, dataOffset: 16 },
    formats: new Map(),
    kallsyms: new Kallsyms(),
    printk: new Map(),
    cmdlines: new Map(),
    cpuCount: 0,
    clock: 'local',
    cpus: [],
    readEvents: undefined,
    timeOffset: 0,
    uname: undefined,
    flyrecordSection: undefined,
    warnings: [],
  };
  private e = new Endian(true);
  private reader: ByteReader;
  /** v7 flyrecord sections seen before their BUFFER option: file offset of the section header -> data. */
  private flySections = new Map<number, { dataStart: number; size: number; bytes: Uint8Array | undefined }>();
  /** Options sections announced by a DONE option but not reached yet (a truncated file never reaches them). */
  private pendingOptions = new Set<number>();
  private buffers: { sectionOffset: number; name: string; clock: string; cpus: { cpu: number; offset: number; size: number }[] }[] = [];

  constructor(
    source: ByteSource,
    private opts: MetaReadOptions,
  ) {
    this.reader = new ByteReader(source);
  }

  async read(): Promise<DatMeta> {
    try {
      await this.readInitial();
      if (this.meta.version >= 7) await this.readV7();
      else await this.readV6();
    } finally {
      await this.reader.close();
    }
    return this.meta;
  }

  private async u32(what: string): Promise<number> {
    return this.e.u32(await this.reader.read(4, what), 0);
  }
  private async u64(what: string): Promise<number> {
    return this.e.u64(await this.reader.read(8, what), 0);
  }

  private async readInitial(): Promise<void> {
    const r = this.reader;
    const magic = await r.read(10, 'the trace.dat magic');
    for (let i = 0; i < 10; i++) if (magic[i] !== TRACE_DAT_MAGIC[i]) throw new DatFormatError('not a trace.dat file (bad magic)', i, 'corrupt');
    const versionText = await r.cString('the file version', 16);
    const version = Number(versionText);
    if (!Number.isInteger(version) || version < 6 || version > 7) throw new DatFormatError(`unsupported trace.dat version '${versionText}' (6 and 7 are supported)`, 10, 'unsupported');
    this.meta.version = version;
    const hdr = await r.read(6, 'the file header');
    if (hdr[0] > 1) throw new DatFormatError(`bad endianness flag ${hdr[0]}`, r.position - 6, 'corrupt');
    this.meta.little = hdr[0] === 0;
    this.e = new Endian(this.meta.little);
    this.meta.longSize = hdr[1];
    if (hdr[1] !== 4 && hdr[1] !== 8) throw new DatFormatError(`bad long size ${hdr[1]}`, r.position - 5, 'corrupt');
    this.meta.pageSize = this.e.u32(hdr, 2);
    if (this.meta.pageSize < 256 || this.meta.pageSize > 1 << 24) throw new DatFormatError(`bad page size ${this.meta.pageSize}`, r.position - 4, 'corrupt');
    if (version >= 7) {
      const algo = await r.cString('the compression name', 64);
      await r.cString('the compression version', 64);
      if (algo !== 'none' && algo !== 'zstd' && algo !== 'zlib') throw new DatFormatError(`unsupported compression '${algo}'`, r.position, 'unsupported');
      this.meta.compression = algo;
      const firstOptions = await this.u64('the first options offset');
      // a file cut before its first options section must not read as an empty trace
      if (firstOptions > 0) this.pendingOptions.add(firstOptions);
    }
  }

  // ------------------------------------------------------------------ v7

  private async readV7(): Promise<void> {
    for (;;) {
      // this.reader changes when a flyrecord section is skipped through openRange
      const r = this.reader;
      if (await r.atEnd()) break;
      const at = r.position;
      const h = await r.read(16, 'a section header');
      const id = this.e.u16(h, 0);
      const flags = this.e.u16(h, 2);
      const size = this.e.u64(h, 8);
      if (size > MAX_SECTION * 8) throw new DatFormatError(`section ${id} claims ${size} bytes`, at, 'corrupt');
      if (id === 0) this.pendingOptions.delete(at);
      if (id === 3 || id === 22) {
        await this.flyrecordSection(at, size);
        continue;
      }
      let body = await r.read(size, `section ${id}`);
      if (flags & 1) {
        if (body.length < 8) throw new DatFormatError(`compressed section ${id} too short`, at, 'corrupt');
        const csize = this.e.u32(body, 0);
        const usize = this.e.u32(body, 4);
        if (csize + 8 > body.length) throw new DatFormatError(`compressed section ${id}: ${csize} bytes claimed, ${body.length - 8} present`, at, 'corrupt');
        // text metadata compresses well, but not beyond 64:1: a larger claim is corrupt, not an allocation to make
        if (usize > Math.max(1 << 20, csize * 64)) throw new DatFormatError(`compressed section ${id} claims ${usize} bytes from ${csize}`, at, 'corrupt');
        body = decompressBlock(this.meta.compression, body.subarray(8, 8 + csize), usize, at + 16);
      }
      this.section(id, body, at);
    }
    if (this.pendingOptions.size > 0) {
      const next = Math.min(...this.pendingOptions);
      throw new DatFormatError(`file ends before the options section announced at byte offset ${next}`, this.reader.position, 'truncated');
    }
    this.resolveBuffers();
  }

  private async flyrecordSection(at: number, size: number): Promise<void> {
    const dataStart = at + 16;
    if (this.opts.openRange) {
      // skip the trace data by reopening after it; each CPU is read later through its own range
      this.flySections.set(at, { dataStart, size, bytes: undefined });
      await this.reader.close();
      this.reader = new ByteReader(this.opts.openRange(dataStart + size), dataStart + size);
      return;
    }
    // stream-only input: the CPU layout is in a later BUFFER option, so keep the compressed data
    this.flySections.set(at, { dataStart, size, bytes: (await this.reader.read(size, 'flyrecord data', MAX_SECTION * 8)).slice() });
  }

  private section(id: number, b: Uint8Array, at: number): void {
    const e = this.e;
    switch (id) {
      case 0:
        this.options(b, at);
        break;
      case 16: {
        // "header_page\0" u64 size data "header_event\0" u64 size data
        const hp = cStringAt(b, 0);
        if (hp.s !== 'header_page') throw new DatFormatError('headers section lacks header_page', at, 'corrupt');
        const n = e.u64(b, hp.next);
        this.meta.page = parseHeaderPage(text(b.subarray(hp.next + 8, hp.next + 8 + n)));
        break;
      }
      case 17: {
        let o = 4;
        const count = e.u32(b, 0);
        for (let i = 0; i < count && o + 8 <= b.length; i++) {
          const n = e.u64(b, o);
          this.addFormat(text(b.subarray(o + 8, o + 8 + n)), 'ftrace');
          o += 8 + n;
        }
        break;
      }
      case 18:
        this.eventFormats(b, at);
        break;
      case 19: {
        const n = e.u32(b, 0);
        this.meta.kallsyms = Kallsyms.deferred(b.subarray(4, 4 + n));
        break;
      }
      case 20: {
        const n = e.u32(b, 0);
        parsePrintk(text(b.subarray(4, 4 + n)), this.meta.printk);
        break;
      }
      case 21: {
        const n = e.u64(b, 0);
        parseCmdlines(text(b.subarray(8, 8 + n)), this.meta.cmdlines);
        break;
      }
      case 15: // the strings of section descriptions
        break;
      default:
        this.meta.warnings.push(`unknown section id ${id} at byte offset ${at} skipped`);
    }
  }

  private eventFormats(b: Uint8Array, at: number): void {
    const e = this.e;
    const systems = e.u32(b, 0);
    let o = 4;
    for (let s = 0; s < systems && o < b.length; s++) {
      const sys = cStringAt(b, o);
      o = sys.next;
      if (o + 4 > b.length) throw new DatFormatError('event formats section ends early', at, 'corrupt');
      const count = e.u32(b, o);
      o += 4;
      for (let i = 0; i < count && o + 8 <= b.length; i++) {
        const n = e.u64(b, o);
        this.addFormat(text(b.subarray(o + 8, o + 8 + n)), sys.s);
        o += 8 + n;
      }
    }
  }

  private addFormat(t: string, system: string): void {
    const f = parseEventFormat(t, system);
    if (f) this.meta.formats.set(f.id, f);
  }

  private options(b: Uint8Array, at: number): void {
    const e = this.e;
    let o = 0;
    while (o + 6 <= b.length) {
      const id = e.u16(b, o);
      const size = e.u32(b, o + 2);
      const d = b.subarray(o + 6, o + 6 + size);
      o += 6 + size;
      if (id === 0) {
        if (this.meta.version >= 7 && d.length >= 8) {
          const next = e.u64(d, 0);
          if (next > 0) this.pendingOptions.add(next);
        }
        return;
      }
      this.option(id, d, at);
    }
  }

  private option(id: number, d: Uint8Array, at: number): void {
    const e = this.e;
    switch (id) {
      case 2: {
        const m = /read events:\s*(\d+)/.exec(text(d));
        if (m) this.meta.readEvents = (this.meta.readEvents ?? 0) + Number(m[1]);
        break;
      }
      case 3: {
        if (this.meta.version < 7) break; // v6 instance buffers: only the top buffer is read
        const sectionOffset = e.u64(d, 0);
        const name = cStringAt(d, 8);
        const clock = cStringAt(d, name.next);
        let o = clock.next;
        if (o + 4 > d.length) break;
        // trace-cmd 3.x adds the buffer's page size before the CPU count
        if (o + 8 <= d.length && d.length - o === 8 + 20 * e.u32(d, o + 4)) o += 4;
        const n = e.u32(d, o);
        o += 4;
        const cpus: { cpu: number; offset: number; size: number }[] = [];
        for (let i = 0; i < n && o + 20 <= d.length; i++, o += 20) cpus.push({ cpu: e.u32(d, o), offset: e.u64(d, o + 4), size: e.u64(d, o + 12) });
        this.buffers.push({ sectionOffset, name: name.s, clock: clock.s, cpus });
        break;
      }
      case 5:
        this.meta.uname = text(d);
        break;
      case 7: {
        const v = Number(text(d).trim());
        if (Number.isFinite(v)) this.meta.timeOffset = v;
        break;
      }
      case 8:
        if (d.length >= 4) this.meta.cpuCount = e.u32(d, 0);
        break;
      case 12:
      case 14:
        this.meta.warnings.push(`option ${id === 12 ? 'TIME_SHIFT' : 'TSC2NSEC'} ignored: timestamps are shown as recorded`);
        break;
      default:
        if (id > 22) this.meta.warnings.push(`unknown option id ${id} in the options section at byte offset ${at} ignored`);
    }
  }

  private resolveBuffers(): void {
    const top = this.buffers.find((b) => b.name === '');
    for (const b of this.buffers) if (b.name !== '') this.meta.warnings.push(`trace instance '${b.name}' not read (only the top buffer is)`);
    if (!top) {
      if (this.buffers.length === 0 && this.flySections.size === 0) this.meta.warnings.push('the file holds no flyrecord trace data');
      return;
    }
    this.meta.clock = top.clock;
    const fly = this.flySections.get(top.sectionOffset);
    if (!fly) throw new DatFormatError('the BUFFER option points at no flyrecord section', top.sectionOffset, 'corrupt');
    this.meta.flyrecordSection = { offset: top.sectionOffset, size: fly.size };
    for (const c of top.cpus) {
      const rel = c.offset - fly.dataStart;
      const extra = this.meta.compression !== 'none' ? 4 : 0; // the chunk count is not in the size
      if (fly.bytes && (rel < 0 || rel + c.size + extra > fly.bytes.length)) throw new DatFormatError(`CPU ${c.cpu} data lies outside its flyrecord section`, c.offset, 'corrupt');
      this.meta.cpus.push({ cpu: c.cpu, offset: c.offset, size: c.size, bytes: fly.bytes ? fly.bytes.subarray(rel, rel + c.size + extra) : undefined });
    }
    this.flySections.clear();
    if (!this.meta.cpuCount) this.meta.cpuCount = top.cpus.length;
  }

  // ------------------------------------------------------------------ v6

  private async readV6(): Promise<void> {
    const r = this.reader;
    const e = this.e;
    const hp = await r.read(12, 'header_page');
    if (text(hp) !== 'header_page') throw new DatFormatError('header_page expected', r.position - 12, 'corrupt');
    this.meta.page = parseHeaderPage(text(await r.read(await this.u64('header_page size'), 'header_page')));
    const he = await r.read(13, 'header_event');
    if (text(he) !== 'header_event') throw new DatFormatError('header_event expected', r.position - 13, 'corrupt');
    await r.skip(await this.u64('header_event size'), 'header_event');
    const nft = await this.u32('ftrace format count');
    for (let i = 0; i < nft; i++) this.addFormat(text(await r.read(await this.u64('format size'), 'an ftrace format')), 'ftrace');
    const nsys = await this.u32('event system count');
    for (let s = 0; s < nsys; s++) {
      const sys = await r.cString('a system name');
      const n = await this.u32('event count');
      for (let i = 0; i < n; i++) this.addFormat(text(await r.read(await this.u64('format size'), 'an event format')), sys);
    }
    this.meta.kallsyms = Kallsyms.deferred(await r.read(await this.u32('kallsyms size'), 'kallsyms'));
    parsePrintk(text(await r.read(await this.u32('printk size'), 'printk formats')), this.meta.printk);
    parseCmdlines(text(await r.read(await this.u64('cmdlines size'), 'saved command lines')), this.meta.cmdlines);
    const cpus = await this.u32('cpu count');
    this.meta.cpuCount = cpus;
    let tag = text(await r.read(10, 'the data type'));
    if (tag.startsWith('options')) {
      for (;;) {
        const id = e.u16(await r.read(2, 'an option id'), 0);
        if (id === 0) break;
        const size = await this.u32('option size');
        this.option(id, await r.read(size, 'an option'), r.position);
      }
      tag = text(await r.read(10, 'the data type'));
    }
    if (tag.startsWith('latency')) throw new DatFormatError('latency-format trace data is not supported', r.position - 10, 'unsupported');
    if (!tag.startsWith('flyrecord')) throw new DatFormatError(`unknown data type '${tag}'`, r.position - 10, 'corrupt');
    const ranges: { cpu: number; offset: number; size: number }[] = [];
    for (let c = 0; c < cpus; c++) ranges.push({ cpu: c, offset: await this.u64('cpu data offset'), size: await this.u64('cpu data size') });
    if (this.opts.openRange) {
      for (const c of ranges) this.meta.cpus.push({ ...c, bytes: undefined });
      return;
    }
    // stream-only: CPU data follows in file order; keep it to merge CPUs (documented memory cost)
    for (const c of [...ranges].sort((a, b) => a.offset - b.offset)) {
      if (c.size === 0) {
        this.meta.cpus.push({ ...c, bytes: new Uint8Array(0) });
        continue;
      }
      if (c.offset < r.position) throw new DatFormatError(`CPU ${c.cpu} data offset goes backwards`, c.offset, 'corrupt');
      await r.skip(c.offset - r.position, 'padding before CPU data');
      this.meta.cpus.push({ ...c, bytes: (await r.read(c.size, `CPU ${c.cpu} data`, MAX_SECTION * 8)).slice() });
    }
    this.meta.cpus.sort((a, b) => a.cpu - b.cpu);
  }
}

// Test helper: writes small synthetic trace.dat files (v6 or v7, uncompressed or zlib) with chosen
// event formats, kallsyms and ring-buffer pages, so the reader's handling of time extends,
// absolute timestamps, padding, lost events and every file layout can be checked exactly.
import { deflateSync } from 'node:zlib';

export type Item =
  | { t: 'ev'; delta: number; id: number; pid: number; flags?: number; preempt?: number; body: Uint8Array }
  | { t: 'ext'; delta: number }
  | { t: 'abs'; ts: number }
  | { t: 'pad'; len: number };

export interface Page {
  ts: number;
  /** Lost events before this page: a count (stored after the data) or 'unknown'. */
  missed?: number | 'unknown';
  items: Item[];
  /** Override the commit length (for corrupt-page tests). */
  badLength?: number;
}

export interface DatSpec {
  version: 6 | 7;
  compression: 'none' | 'zlib';
  pageSize?: number;
  ftraceFormats: string[];
  systems: { name: string; formats: string[] }[];
  kallsyms: string;
  printk?: string;
  cmdlines: string;
  cpus: Page[][];
  uname?: string;
}

const HEADER_PAGE =
  '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n';
const HEADER_EVENT = '# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n';
const MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67];

class Out {
  parts: Buffer[] = [];
  length = 0;
  push(b: Uint8Array | Buffer): void {
    const buf = Buffer.from(b);
    this.parts.push(buf);
    this.length += buf.length;
  }
  u8(v: number): void {
    this.push(Buffer.from([v]));
  }
  u16(v: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.push(b);
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    this.push(Buffer.from(s + '\0', 'latin1'));
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Little-endian builder for an event body: the 8 common bytes are added by the writer. */
export class Body {
  private b: number[] = [];
  u8(v: number): this {
    this.b.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    this.b.push(v & 0xff, (v >> 8) & 0xff);
    return this;
  }
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.b.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  u64(v: bigint | number): this {
    let x = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 8; i++) {
      this.b.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }
  text(s: string, nul = true): this {
    for (const c of Buffer.from(s, 'latin1')) this.b.push(c);
    if (nul) this.b.push(0);
    return this;
  }
  get length(): number {
    return this.b.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}

function encodeRecord(it: Item): Buffer {
  if (it.t === 'ext' || it.t === 'abs') {
    const v = it.t === 'ext' ? it.delta : it.ts;
    const b = Buffer.alloc(8);
    b.writeUInt32LE((((v % 134217728) << 5) | (it.t === 'ext' ? 30 : 31)) >>> 0, 0);
    b.writeUInt32LE(Math.floor(v / 134217728), 4);
    return b;
  }
  if (it.t === 'pad') {
    const b = Buffer.alloc(8 + it.len);
    b.writeUInt32LE(((1 << 5) | 29) >>> 0, 0);
    b.writeUInt32LE(it.len + 4, 4);
    return b.subarray(0, 4 + it.len + 4);
  }
  const common = Buffer.alloc(8);
  common.writeUInt16LE(it.id, 0);
  common[2] = it.flags ?? 0;
  common[3] = it.preempt ?? 0;
  common.writeInt32LE(it.pid, 4);
  const data = Buffer.concat([common, Buffer.from(it.body)]);
  const padded = Buffer.alloc((data.length + 3) & ~3);
  data.copy(padded);
  if (padded.length <= 28 * 4) {
    const h = Buffer.alloc(4);
    h.writeUInt32LE(((it.delta << 5) | (padded.length / 4)) >>> 0);
    return Buffer.concat([h, padded]);
  }
  const h = Buffer.alloc(8);
  h.writeUInt32LE((it.delta << 5) >>> 0, 0);
  h.writeUInt32LE(data.length + 4, 4);
  return Buffer.concat([h, padded]);
}

function encodePage(p: Page, pageSize: number): Buffer {
  const data = Buffer.concat(p.items.map(encodeRecord));
  const page = Buffer.alloc(pageSize);
  page.writeBigUInt64LE(BigInt(p.ts), 0);
  let commit = p.badLength ?? data.length;
  if (p.missed !== undefined) commit |= p.missed === 'unknown' ? 0x80000000 : 0xc0000000;
  page.writeBigUInt64LE(BigInt(commit >>> 0), 8);
  data.copy(page, 16, 0, Math.min(data.length, pageSize - 16));
  if (typeof p.missed === 'number') page.writeBigUInt64LE(BigInt(p.missed), 16 + data.length);
  return page;
}

function section(out: Out, id: number, body: Buffer, compress: boolean): void {
  let b = body;
  if (compress) {
    const c = deflateSync(body);
    const h = Buffer.alloc(8);
    h.writeUInt32LE(c.length, 0);
    h.writeUInt32LE(body.length, 4);
    b = Buffer.concat([h, c]);
  }
  out.u16(id);
  out.u16(compress ? 1 : 0);
  out.u32(0);
  out.u64(b.length);
  out.push(b);
}

function sized64(texts: string[]): Buffer {
  const o = new Out();
  o.u32(texts.length);
  for (const t of texts) {
    o.u64(Buffer.byteLength(t, 'latin1'));
    o.push(Buffer.from(t, 'latin1'));
  }
  return o.bytes();
}

function systemsBody(spec: DatSpec): Buffer {
  const o = new Out();
  o.u32(spec.systems.length);
  for (const s of spec.systems) {
    o.str(s.name);
    o.u32(s.formats.length);
    for (const t of s.formats) {
      o.u64(Buffer.byteLength(t, 'latin1'));
      o.push(Buffer.from(t, 'latin1'));
    }
  }
  return o.bytes();
}

export function writeDat(spec: DatSpec): Buffer {
  const ps = spec.pageSize ?? 4096;
  const out = new Out();
  out.push(Uint8Array.from(MAGIC));
  out.str(String(spec.version));
  out.u8(0);
  out.u8(8);
  out.u32(ps);
  const cpuPages = spec.cpus.map((pages) => pages.map((p) => encodePage(p, ps)));
  const kallsyms = Buffer.from(spec.kallsyms, 'latin1');
  const printk = Buffer.from(spec.printk ?? '', 'latin1');
  const cmdlines = Buffer.from(spec.cmdlines, 'latin1');
  if (spec.version === 6) {
    out.push(Buffer.from('header_page\0', 'latin1'));
    out.u64(HEADER_PAGE.length);
    out.push(Buffer.from(HEADER_PAGE, 'latin1'));
    out.push(Buffer.from('header_event\0', 'latin1'));
    out.u64(HEADER_EVENT.length);
    out.push(Buffer.from(HEADER_EVENT, 'latin1'));
    out.push(sized64(spec.ftraceFormats));
    out.push(systemsBody(spec));
    out.u32(kallsyms.length);
    out.push(kallsyms);
    out.u32(printk.length);
    out.push(printk);
    out.u64(cmdlines.length);
    out.push(cmdlines);
    out.u32(spec.cpus.length);
    out.push(Buffer.from('options  \0', 'latin1'));
    if (spec.uname) {
      out.u16(5);
      out.u32(spec.uname.length + 1);
      out.str(spec.uname);
    }
    out.u16(0);
    out.push(Buffer.from('flyrecord\0', 'latin1'));
    let offset = out.length + spec.cpus.length * 16;
    offset = Math.ceil(offset / ps) * ps;
    const ranges: { offset: number; size: number }[] = [];
    for (const pages of cpuPages) {
      const size = pages.length * ps;
      ranges.push({ offset, size });
      offset += Math.ceil(size / ps) * ps;
    }
    for (const r of ranges) {
      out.u64(r.offset);
      out.u64(r.size);
    }
    for (let c = 0; c < cpuPages.length; c++) {
      out.push(Buffer.alloc(ranges[c].offset - out.length));
      for (const p of cpuPages[c]) out.push(p);
    }
    return out.bytes();
  }
  const z = spec.compression === 'zlib';
  out.str(spec.compression);
  out.str(z ? '1.2.13' : '');
  const firstOptionsAt = out.length + 8;
  out.u64(0); // patched below: sections are written in order, options after the metadata
  const patchAt = out.length - 8;
  const hdr = new Out();
  hdr.str('header_page');
  hdr.u64(HEADER_PAGE.length);
  hdr.push(Buffer.from(HEADER_PAGE, 'latin1'));
  hdr.str('header_event');
  hdr.u64(HEADER_EVENT.length);
  hdr.push(Buffer.from(HEADER_EVENT, 'latin1'));
  section(out, 16, hdr.bytes(), z);
  section(out, 17, sized64(spec.ftraceFormats), z);
  section(out, 18, systemsBody(spec), z);
  const ks = new Out();
  ks.u32(kallsyms.length);
  ks.push(kallsyms);
  section(out, 19, ks.bytes(), z);
  const pk = new Out();
  pk.u32(printk.length);
  pk.push(printk);
  section(out, 20, pk.bytes(), z);
  const cl = new Out();
  cl.u64(cmdlines.length);
  cl.push(cmdlines);
  section(out, 21, cl.bytes(), z);
  const optionsAt = out.length;
  void firstOptionsAt;
  const opts = new Out();
  opts.u16(8);
  opts.u32(4);
  opts.u32(spec.cpus.length);
  if (spec.uname) {
    opts.u16(5);
    opts.u32(spec.uname.length + 1);
    opts.str(spec.uname);
  }
  // DONE -> the second options section, right after the flyrecord section (patched later)
  opts.u16(0);
  opts.u32(8);
  const donePatch = opts.length;
  opts.u64(0);
  const optBytes = opts.bytes();
  const flyAt = optionsAt + 16 + optBytes.length;
  // flyrecord section: padding to a page boundary, then each CPU's data
  const cpuBlobs = cpuPages.map((pages) => {
    if (!z) return Buffer.concat(pages);
    const o = new Out();
    const chunks: Buffer[][] = [];
    for (let i = 0; i < pages.length; i += 2) chunks.push(pages.slice(i, i + 2));
    o.u32(chunks.length);
    for (const ch of chunks) {
      const raw = Buffer.concat(ch);
      const c = deflateSync(raw);
      o.u32(c.length);
      o.u32(raw.length);
      o.push(c);
    }
    return o.bytes();
  });
  let pos = Math.ceil((flyAt + 16) / ps) * ps;
  const ranges = cpuBlobs.map((b) => {
    const r = { offset: pos, size: z ? b.length - 4 : b.length };
    pos = Math.ceil((pos + b.length) / ps) * ps;
    return r;
  });
  const fly = new Out();
  let cursor = flyAt + 16;
  for (let c = 0; c < cpuBlobs.length; c++) {
    fly.push(Buffer.alloc(ranges[c].offset - cursor));
    fly.push(cpuBlobs[c]);
    cursor = ranges[c].offset + cpuBlobs[c].length;
  }
  const flyBody = fly.bytes();
  const secondOptionsAt = flyAt + 16 + flyBody.length;
  optBytes.writeBigUInt64LE(BigInt(secondOptionsAt), donePatch);
  section(out, 0, optBytes, false);
  out.u16(3);
  out.u16(z ? 1 : 0);
  out.u32(0);
  out.u64(flyBody.length);
  out.push(flyBody);
  const buf = new Out();
  buf.u64(flyAt);
  buf.str('');
  buf.str('local');
  buf.u32(ps);
  buf.u32(cpuBlobs.length);
  ranges.forEach((r, c) => {
    buf.u32(c);
    buf.u64(r.offset);
    buf.u64(r.size);
  });
  const o2 = new Out();
  const bb = buf.bytes();
  o2.u16(3);
  o2.u32(bb.length);
  o2.push(bb);
  o2.u16(0);
  o2.u32(8);
  o2.u64(0);
  section(out, 0, o2.bytes(), false);
  const all = out.bytes();
  all.writeBigUInt64LE(BigInt(optionsAt), patchAt);
  return all;
}

/** Format texts as the kernel writes them. */
export function formatText(name: string, id: number, fields: string[], printFmt: string): string {
  const common = [
    '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
    '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
    '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
    '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
  ];
  return `name: ${name}\nID: ${id}\nformat:\n${common.join('\n')}\n\n${fields.map((f) => '\t' + f).join('\n')}\n\nprint fmt: ${printFmt}\n`;
}

/** A readable ByteSource over a buffer, in chunks of `chunk` bytes. */
export async function* chunks(buf: Uint8Array, chunk = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, Math.min(buf.length, i + chunk));
}

/** A random-access opener over a buffer, as the CLI gives the reader for a file. */
export function rangeOpener(buf: Uint8Array, chunk = 4096): (start: number, end?: number) => AsyncGenerator<Uint8Array> {
  return (start, end) => chunks(buf.subarray(Math.min(start, buf.length), Math.min(end ?? buf.length, buf.length)), chunk);
}

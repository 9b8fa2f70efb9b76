// Test/bench helper: writes a larger v7 trace.dat from a real one by repeating each CPU's
// compressed chunks `copies` times (metadata kept, a new flyrecord section and BUFFER option).
// Timestamps restart with each copy, which changes the merge order but not the reading work:
// it shows whether memory stays flat as the file grows.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { DatMetaReader } from '../../../src/core/tracedat/datFile';

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
function u64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}

async function readRange(fh: fs.FileHandle, start: number, length: number): Promise<Buffer> {
  const b = Buffer.alloc(length);
  await fh.read(b, 0, length, start);
  return b;
}

/** Returns the number of bytes written. Only little-endian v7 compressed files are supported. */
export async function writeMultiCopyDat(src: string, dest: string, copies: number): Promise<number> {
  const meta = await new DatMetaReader(createReadStream(src), { openRange: (s, e) => createReadStream(src, { start: s, end: e === undefined ? undefined : e - 1 }) }).read();
  if (meta.version !== 7 || meta.compression === 'none' || !meta.little || !meta.flyrecordSection) throw new Error('writeMultiCopyDat needs a little-endian compressed v7 file');
  const fh = await fs.open(src, 'r');
  const out = createWriteStream(dest);
  let written = 0;
  const write = (b: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      written += b.length;
      out.write(b, (e) => (e ? reject(e) : resolve()));
    });
  try {
    const fly = meta.flyrecordSection;
    const head = await readRange(fh, 0, fly.offset);
    const ps = meta.pageSize;
    const cpuBlobs: Buffer[] = [];
    for (const c of meta.cpus) {
      const raw = await readRange(fh, c.offset, c.size + 4);
      const count = raw.readUInt32LE(0);
      cpuBlobs.push(Buffer.concat([u32(count * copies), ...Array.from({ length: copies }, () => raw.subarray(4))]));
    }
    // layout of the new flyrecord section: header, padding to a page, CPUs page-aligned
    const ranges: { offset: number; size: number }[] = [];
    let pos = Math.ceil((fly.offset + 16) / ps) * ps;
    for (const b of cpuBlobs) {
      ranges.push({ offset: pos, size: b.length - 4 });
      pos = Math.ceil((pos + b.length) / ps) * ps;
    }
    const flyEnd = pos;
    const secondOptions = flyEnd;
    const optionsAt = Number(head.readBigUInt64LE(locateFirstOptionsPointer(head)));
    if (optionsAt + 16 > head.length || head.readUInt16LE(optionsAt + 2) !== 0) throw new Error('the first options section must be uncompressed and precede the trace data');
    const sectionSize = Number(head.readBigUInt64LE(optionsAt + 8));
    // patch the first options section's DONE option (its last 8 bytes) to point at the new second options section
    head.writeBigUInt64LE(BigInt(secondOptions), optionsAt + 16 + sectionSize - 8);
    await write(head);
    await write(Buffer.concat([u16(3), u16(1), u32(0), u64(flyEnd - fly.offset - 16)]));
    let cursor = fly.offset + 16;
    for (let i = 0; i < cpuBlobs.length; i++) {
      await write(Buffer.alloc(ranges[i].offset - cursor));
      await write(cpuBlobs[i]);
      cursor = ranges[i].offset + cpuBlobs[i].length;
    }
    await write(Buffer.alloc(flyEnd - cursor));
    const buffer = Buffer.concat([u64(fly.offset), Buffer.from('\0', 'latin1'), Buffer.from(meta.clock + '\0', 'latin1'), u32(ps), u32(cpuBlobs.length), ...meta.cpus.map((c, i) => Buffer.concat([u32(c.cpu), u64(ranges[i].offset), u64(ranges[i].size)]))]);
    const options = Buffer.concat([u16(3), u32(buffer.length), buffer, u16(0), u32(8), u64(0)]);
    await write(Buffer.concat([u16(0), u16(0), u32(0), u64(options.length), options]));
  } finally {
    await fh.close();
    await new Promise<void>((resolve) => out.end(resolve));
  }
  return written;
}

/** Offset of the u64 "first options section" pointer right after the compression strings. */
function locateFirstOptionsPointer(head: Buffer): number {
  let o = 10;
  o = head.indexOf(0, o) + 1; // version string
  o += 1 + 1 + 4; // endian, long size, page size
  o = head.indexOf(0, o) + 1; // compression name
  o = head.indexOf(0, o) + 1; // compression version
  return o;
}

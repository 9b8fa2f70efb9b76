// Writes images/icon.png (128x128 RGBA, the marketplace icon): a stage-2 page-table tree (root,
// two tables, four leaves, one leaf marked as a spurious fault) under an amber lens. Pure node
// (zlib + a CRC table), 4x4 supersampled; rerun with `node images/generateIcon.mjs`.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZE = 128;
const SS = 4;
const bg = [24, 38, 64];
const edge = [120, 160, 210];
const node = [214, 230, 250];
const fault = [235, 87, 87];
const lens = [245, 180, 60];

const roundRect = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.max(x0 + r, Math.min(x, x1 - r));
  const cy = Math.max(y0 + r, Math.min(y, y1 - r));
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const segment = (x, y, ax, ay, bx, by, w) => {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
};
const box = (x, y, cx, cy, w, h) => roundRect(x, y, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, 3);

const root = [64, 24];
const mids = [[38, 58], [90, 58]];
const leaves = [[22, 94], [50, 94], [78, 94], [106, 94]];
const lensC = [84, 88];

function shade(x, y) {
  if (!roundRect(x, y, 2, 2, 126, 126, 22)) return undefined;
  const d = Math.hypot(x - lensC[0], y - lensC[1]);
  if (d >= 17 && d <= 23) return lens;
  if (segment(x, y, lensC[0] + 16, lensC[1] + 16, 118, 120, 9)) return lens;
  if (box(x, y, ...root, 30, 14)) return node;
  for (const m of mids) if (box(x, y, ...m, 26, 12)) return node;
  for (const [i, l] of leaves.entries()) if (box(x, y, ...l, 18, 12)) return i === 2 ? fault : node;
  for (const m of mids) if (segment(x, y, root[0], root[1] + 7, m[0], m[1] - 6, 3)) return edge;
  for (const [i, l] of leaves.entries()) {
    const m = mids[i < 2 ? 0 : 1];
    if (segment(x, y, m[0], m[1] + 6, l[0], l[1] - 6, 3)) return edge;
  }
  return bg;
}

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const c = shade(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS);
        if (!c) continue;
        r += c[0]; g += c[1]; b += c[2]; a++;
      }
    }
    const o = y * (SIZE * 4 + 1) + 1 + x * 4;
    raw[o] = a ? Math.round(r / a) : 0;
    raw[o + 1] = a ? Math.round(g / a) : 0;
    raw[o + 2] = a ? Math.round(b / a) : 0;
    raw[o + 3] = Math.round((255 * a) / (SS * SS));
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = join(dirname(fileURLToPath(import.meta.url)), 'icon.png');
writeFileSync(out, png);
console.log(`${out}: ${png.length} bytes`);

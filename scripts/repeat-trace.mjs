// Makes a big real-looking trace from a small real one: the header once, then the body again and
// again with timestamps shifted past the previous copy, until the file reaches the asked size.
// Used by the language-server bench and the end-to-end timeline-at-scale step.
//   node scripts/repeat-trace.mjs <source.trace> <out.trace> <bytes>
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const stamp = /^(\s*\S.*?\s\[\d+\]\s+(?:\S{4,5}\s+)?)(\d+)\.(\d{6}):/;

export async function repeatTrace(sourcePath, outPath, bytes) {
  const lines = readFileSync(sourcePath, 'latin1').split('\n');
  const header = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => l && !l.startsWith('#'));
  const us = (l) => {
    const m = stamp.exec(l);
    return m ? Number(m[2]) * 1e6 + Number(m[3]) : undefined;
  };
  const first = us(body[0]) ?? 0;
  const last = us(body[body.length - 1]) ?? first;
  const span = last - first + 1000;
  const out = createWriteStream(outPath, { encoding: 'latin1' });
  let written = 0;
  let copies = 0;
  const write = async (text) => {
    written += text.length;
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(header.join('\n') + '\n');
  for (let k = 0; written < bytes; k++, copies++) {
    const shifted = body.map((l) =>
      l.replace(stamp, (_m, prefix, s, f) => {
        const t = Number(s) * 1e6 + Number(f) + k * span;
        return `${prefix}${Math.floor(t / 1e6)}.${String(t % 1e6).padStart(6, '0')}:`;
      }),
    );
    await write(shifted.join('\n') + '\n');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: written, copies };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [src, dst, size] = process.argv.slice(2);
  if (!src || !dst || !Number(size)) {
    console.error('usage: node scripts/repeat-trace.mjs <source.trace> <out.trace> <bytes>');
    process.exit(2);
  }
  const r = await repeatTrace(src, dst, Number(size));
  console.log(`${dst}: ${r.bytes} bytes, ${r.copies} copies of ${src}`);
}

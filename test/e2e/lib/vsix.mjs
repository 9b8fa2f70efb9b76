// Reading the packaged .vsix (a zip): the entry list for the shipping checks (size, no
// node_modules, no sourcemaps, no tests) and extraction of `extension/` for the extension-host
// layer, so both layers run exactly the file that ships. Only stored and deflated entries exist in vsce output.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** Central-directory entries: name, sizes, method and local header offset. */
export function listZip(file) {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip (no end-of-central-directory record)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.push({ name, method, compressedSize, size, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { buf, entries };
}

/** Extracts the entries under `prefix` (vsce puts the extension under `extension/`) into dest. */
export function extractZip(file, dest, prefix = 'extension/') {
  const { buf, entries } = listZip(file);
  const root = normalize(dest) + sep;
  let written = 0;
  for (const e of entries) {
    if (!e.name.startsWith(prefix) || e.name.endsWith('/')) continue;
    const target = normalize(join(dest, e.name.slice(prefix.length)));
    if (!target.startsWith(root)) throw new Error(`zip entry escapes the destination: ${e.name}`);
    const nameLen = buf.readUInt16LE(e.offset + 26);
    const extraLen = buf.readUInt16LE(e.offset + 28);
    const start = e.offset + 30 + nameLen + extraLen;
    const raw = buf.subarray(start, start + e.compressedSize);
    const data = e.method === 0 ? raw : e.method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`zip entry ${e.name}: unsupported compression method ${e.method}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    written++;
  }
  return written;
}

/** What must be, and must not be, in the shipped file: returns a list of problems (empty = fit to ship). */
export function vsixProblems(entries, { maxBytes, fileSize, manifest }) {
  const problems = [];
  const names = entries.map((e) => e.name);
  if (fileSize >= maxBytes) problems.push(`size ${fileSize} B is not under ${maxBytes} B`);
  const required = ['extension/package.json', 'extension/dist/client/extension.js', 'extension/dist/server/server.js', 'extension/dist/cli/main.js'];
  if (manifest.icon) required.push(`extension/${manifest.icon.replace(/^\.\//, '')}`);
  for (const r of required) if (!names.includes(r)) problems.push(`missing ${r}`);
  const forbidden = [
    [/(^|\/)node_modules\//, 'node_modules'],
    [/\.map$/, 'sourcemaps'],
    [/^extension\/(test|src|scripts|\.out|test-results)\//, 'sources or tests'],
    [/^extension\/dist\/(test|src)\//, 'transpiled tests'],
    [/\.vsix$/, 'a nested .vsix'],
  ];
  for (const [re, what] of forbidden) {
    const hits = names.filter((n) => re.test(n));
    if (hits.length) problems.push(`${hits.length} ${what} entr${hits.length === 1 ? 'y' : 'ies'}, e.g. ${hits.slice(0, 3).join(', ')}`);
  }
  return problems;
}

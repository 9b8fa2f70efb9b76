// The sparse line index of a trace read from disk: lines read back by number in any order (the
// index fills in lazily), across read-buffer boundaries, with CRLF and a missing final newline;
// gzip is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineIndex } from '../../../src/server/lineIndex';

function withFile(content: string | Buffer, body: (path: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 's2l-lineindex-'));
  const path = join(dir, 'x.trace');
  writeFileSync(path, content);
  return body(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const lines = Array.from({ length: 5000 }, (_, i) => `line ${i + 1} ${'x'.repeat(i % 97)}`);

test('lines come back by number, in any order, across read-buffer boundaries', async () => {
  await withFile(lines.join('\n') + '\n', async (path) => {
    const index = new LineIndex(path);
    assert.deepEqual(await index.read(4000, 4000), [lines[3999]]);
    assert.deepEqual(await index.read(1, 2), lines.slice(0, 2));
    assert.deepEqual(await index.read(1024, 1026), lines.slice(1023, 1026));
    assert.deepEqual(await index.read(4999, 5010), lines.slice(4998));
    assert.deepEqual(await index.read(6000, 6001), []);
  });
});

test('the last line needs no newline; CRLF is trimmed', async () => {
  await withFile(lines.join('\r\n'), async (path) => {
    const index = new LineIndex(path);
    assert.deepEqual(await index.read(3001, 3001), [lines[3000]]);
    assert.deepEqual(await index.read(5000, 5000), [lines[4999]]);
    assert.deepEqual(await index.read(2, 3), lines.slice(1, 3));
  });
});

test('a gzip file has no lines to give', async () => {
  await withFile(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), async (path) => {
    assert.deepEqual(await new LineIndex(path).read(1, 1), []);
  });
});

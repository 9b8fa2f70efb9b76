// An open document as a trace source: its ranges are the UTF-8 bytes of its text (the reader's offsets
// are bytes), so a document whose lines are grouped by CPU is replayed in time order like a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createAnalyzer } from '../../../src/core/index';
import { documentSource } from '../../../src/server/traceSource';
import { repoRoot } from '../../support/shared';

async function concat(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

test('documentSource.openRange gives the byte range [start, end) of the text as UTF-8', async () => {
  const text = 'héllo wörld: ünïcode\n'.repeat(20_000);
  const src = documentSource(TextDocument.create('file:///t.trace', 'ftrace', 1, text));
  const bytes = Buffer.from(text, 'utf8');
  for (const [start, end] of [[0, 10], [3, 200_000], [123_457, bytes.length], [bytes.length - 5, undefined]] as const)
    assert.deepEqual(await concat(src.openRange!(start, end)), bytes.subarray(start, end ?? bytes.length));
});

test('an open document whose lines are grouped by CPU is replayed in time order', async () => {
  const lines = readFileSync(join(repoRoot(), 'test', 'fixtures', 'example.trace'), 'utf8').split('\n');
  const cpu = (l: string): number => Number(/\[(\d+)\]/.exec(l)?.[1] ?? -1);
  const grouped = [...lines.filter((l) => l.startsWith('#')), ...lines.filter((l) => l && !l.startsWith('#')).sort((a, b) => cpu(a) - cpu(b))].join('\n');
  const src = documentSource(TextDocument.create('file:///g.trace', 'ftrace', 1, grouped));
  const a = await createAnalyzer().analyze(src.open(), { openRange: src.openRange });
  assert.ok(a.detected.some((l) => l.startsWith('order:') && l.includes('replayed in time order')), a.detected.join('\n'));
  assert.deepEqual(Object.keys(a.counters.faults.byClass).sort(), ['S1', 'S2', 'S5']);
});

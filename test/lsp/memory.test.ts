// The language server's memory and responsiveness with large synced documents (issue #22), over
// stdio with the real client, on a 45 MB trace made from the committed real fixture
// (test/fixtures/e2e/race4_4k-head.trace repeated with shifted timestamps by
// scripts/repeat-trace.mjs, the generator of the LSP bench), so that it runs on a fresh clone:
// - ten 45 MB documents opened and closed one after the other: the server's RSS (VmRSS of its
//   process) returns to within 20% of where it was after the first one (no growth per document);
// - while one is open and analysed, the server holds at most 2.5x its size on top of that;
// - hovers sent while it is being analysed, synced or read from disk, are answered in between
//   (median under 100 ms).
// Linux only (reads /proc/<pid>/status); the figures are printed as test diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusNotification } from '../../src/shared/protocol';
import { repoRoot } from '../support/shared';
import { fileUri, startServer, type Harness } from './lspHarness';

const FIXTURE = join(repoRoot(), 'test', 'fixtures', 'e2e', 'race4_4k-head.trace');
const SIZE = 45_000_000;
const terminal = (s: StatusNotification) => (s.kind === 'ready' && !s.partial) || s.kind === 'failed';
const MB = (kb: number) => kb / 1024;

function bigTrace(): string {
  const path = join(tmpdir(), `stage2-lens-lsp-memory-${SIZE}.trace`);
  if (!existsSync(path) || statSync(path).size < SIZE) {
    const gen = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'repeat-trace.mjs'), FIXTURE, path, String(SIZE)], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`scripts/repeat-trace.mjs failed: ${gen.stderr}`);
  }
  return path;
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `text` as `uri`, waits for its whole analysis, returns the server's RSS then (after the server's own collection). */
async function openAnalysed(h: Harness, uri: string, text: string): Promise<number> {
  const done = h.status(uri, terminal);
  await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text } });
  const s = await done;
  assert.equal(s.kind, 'ready', JSON.stringify(s));
  await settle(1000);
  return rssKb(h.child.pid!);
}

async function close(h: Harness, uri: string): Promise<number> {
  const closed = h.status(uri, (s) => s.kind === 'closed');
  await h.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  await closed;
  await settle(1000);
  return rssKb(h.child.pid!);
}

const skipUnlessLinux = process.platform === 'linux' ? false : 'reads /proc/<pid>/status (Linux only)';

test('ten 45 MB documents opened and closed: RSS returns within 20% of where it was; an open one holds at most 2.5x its size', { timeout: 600_000, skip: skipUnlessLinux }, async (t) => {
  const text = readFileSync(bigTrace(), 'latin1');
  const h = await startServer({}, { signal: t.signal });
  try {
    const cold = rssKb(h.child.pid!);
    // The first document compiles the engine's code and sizes V8's heap: the baseline is after it.
    await openAnalysed(h, 'untitled:warm-up.trace', text);
    const base = await close(h, 'untitled:warm-up.trace');
    const figures: string[] = [];
    let worstOpen = 0;
    for (let i = 0; i < 10; i++) {
      const uri = `untitled:big-${i}.trace`;
      const open = await openAnalysed(h, uri, text);
      const after = await close(h, uri);
      worstOpen = Math.max(worstOpen, open);
      figures.push(`${MB(open).toFixed(0)}/${MB(after).toFixed(0)}`);
    }
    const end = rssKb(h.child.pid!);
    const perDocument = (worstOpen - base) * 1024;
    t.diagnostic(`RSS: ${MB(cold).toFixed(0)} MB at start, ${MB(base).toFixed(0)} MB after a first ${(text.length / 1e6).toFixed(1)} MB document was analysed and closed; open/closed per document: ${figures.join(', ')} MB; ${MB(end).toFixed(0)} MB at the end (${((end / base - 1) * 100).toFixed(0)}% from the baseline); an open document holds at most ${(perDocument / 1e6).toFixed(0)} MB = ${(perDocument / text.length).toFixed(2)}x its size`);
    assert.ok(end <= base * 1.2, `RSS ${MB(end).toFixed(0)} MB after ten documents, ${MB(base).toFixed(0)} MB before them`);
    assert.ok(perDocument <= 2.5 * text.length, `an open ${(text.length / 1e6).toFixed(0)} MB document holds ${(perDocument / 1e6).toFixed(0)} MB`);
  } finally {
    await h.close();
  }
});

for (const how of ['synced', 'read from disk'] as const) {
  test(`a hover answers while a 45 MB trace ${how === 'synced' ? 'synced as a document' : 'read from disk (stage2Lens/largeFiles)'} is being analysed`, { timeout: 300_000 }, async (t) => {
    const path = bigTrace();
    const small = readFileSync(join(repoRoot(), 'test', 'fixtures', 'example.trace'), 'utf8');
    const h = await startServer({}, { signal: t.signal });
    try {
      const other = 'untitled:small.trace';
      const ready = h.status(other, terminal);
      await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId: 'ftrace', version: 1, text: small } });
      await ready;
      const uri = how === 'synced' ? 'untitled:big.trace' : fileUri(path);
      // Hovers start once the analysis has begun (a synced document's 45 MB message itself is read before anything else).
      const started = h.status(uri, (s) => s.kind === 'analyzing' && (s.percent ?? 0) > 0);
      const done = h.status(uri, terminal);
      let finished = false;
      void done.then(() => (finished = true));
      if (how === 'synced') await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text: readFileSync(path, 'latin1') } });
      else await h.connection.sendNotification('stage2Lens/largeFiles', { uris: [uri] });
      await started;
      const latencies: number[] = [];
      while (!finished) {
        const t0 = performance.now();
        const hover = (await h.connection.sendRequest('textDocument/hover', { textDocument: { uri: other }, position: { line: 20, character: 0 } })) as { contents: { value: string } } | null;
        if (!finished) latencies.push(performance.now() - t0);
        assert.match(hover?.contents.value ?? '', /DABT_LOW/);
        await settle(50);
      }
      assert.equal((await done).kind, 'ready');
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      t.diagnostic(`${latencies.length} hovers during the analysis: median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`);
      assert.ok(latencies.length >= 3, `only ${latencies.length} hovers were answered while the analysis ran`);
      assert.ok(at(0.5) < 100, `median hover latency ${at(0.5).toFixed(0)} ms during the analysis`);
    } finally {
      await h.close();
    }
  });
}

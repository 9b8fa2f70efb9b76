// `stage2Lens/recordingDiff` over stdio with a real LSP client, on a real pair: the eager-chunk
// recordings (test/fixtures/recorded/eager-chunk/README.md), the same dirty-logging workload
// without eager splitting and with it at 2 MiB. The server's diff must be the CLI's: its totals
// equal `stage2-lens diff --format json`'s and its Markdown `--format md`'s, byte for byte; the
// class verdicts are the diff rows'; the phases are placed at their markers' timestamps in each
// recording; a trace against itself, a text that is not a trace and an x86 recording against an
// arm64 one are refused in words; cancelling the wait answers RequestCancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import type { RecordingDiffResult, StatusNotification } from '../../src/shared/protocol';
import { mapRange } from '../../src/shared/phaseLink';
import { repoRoot } from '../support/shared';
import { cliPath, fileUri, startServer, type Harness } from './lspHarness';

const settings = { diagnostics: { maxCount: 100000 } };
const terminal = (s: StatusNotification) => (s.kind === 'ready' && !s.partial) || s.kind === 'failed';
const PAIR_DIR = join(repoRoot(), 'test', 'fixtures', 'recorded', 'eager-chunk');

/** The pair unpacked as plain `.trace` files (the editor opens text traces), in a fresh folder. */
function unpackPair(): { dir: string; before: string; after: string } {
  const dir = mkdtempSync(join(tmpdir(), 's2l-diff-'));
  const before = join(dir, 'eager0.trace');
  const after = join(dir, 'eager2m.trace');
  writeFileSync(before, gunzipSync(readFileSync(join(PAIR_DIR, 'eager0.trace.gz'))));
  writeFileSync(after, gunzipSync(readFileSync(join(PAIR_DIR, 'eager2m.trace.gz'))));
  return { dir, before, after };
}

async function open(h: Harness, path: string, text = readFileSync(path, 'utf8')): Promise<string> {
  const uri = fileUri(path);
  const done = h.status(uri, terminal);
  await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text } });
  await done;
  return uri;
}

function cliDiff(dir: string, format: 'json' | 'md'): string {
  return execFileSync(process.execPath, [cliPath, 'diff', 'eager0.trace', 'eager2m.trace', '--format', format], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Each marker line's timestamp (ns) and text, in file order: `tracing_mark_write: <text>`. */
function markerLines(path: string): { ts: number; label: string }[] {
  const out: { ts: number; label: string }[] = [];
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    const m = /\s(\d+)\.(\d+): tracing_mark_write: (.*)$/.exec(l);
    if (m) out.push({ ts: Number(m[1]) * 1e9 + Number(m[2].padEnd(9, '0')), label: m[3].trim() });
  }
  return out;
}

test('recordingDiff on eager0 vs eager2m: the CLI diff\'s numbers and Markdown, class verdicts, phases in time', { timeout: 240_000 }, async (t) => {
  const { dir, before, after } = unpackPair();
  const h = await startServer(settings, { signal: t.signal });
  try {
    const [ua, ub] = [await open(h, before), await open(h, after)];
    const r = (await h.connection.sendRequest('stage2Lens/recordingDiff', { before: ua, after: ub })) as RecordingDiffResult;
    const cli = JSON.parse(cliDiff(dir, 'json')) as { totals: unknown[]; setup: unknown[]; alignment: string };
    assert.deepEqual(r.totals, cli.totals, 'the totals are the CLI diff\'s');
    assert.deepEqual(r.setup, cli.setup);
    assert.equal(r.alignment, cli.alignment);
    assert.equal(r.markdown, cliDiff(dir, 'md'), 'the Markdown is `diff --format md`\'s');
    assert.equal(r.beforeName, 'eager0.trace');
    assert.equal(r.afterName, 'eager2m.trace');

    // The verdict per class is the diff row's: S5's 4088 faults go, in phases that occur once (no interval for them).
    const rowOf = (cls: string) => (cli.totals as { metric: string; a: number; b: number; onceDelta: number }[]).find((x) => x.metric === `faults ${cls}`);
    const s5 = r.classes.find((c) => c.cls === 'S5');
    assert.ok(s5 && rowOf('S5'));
    assert.deepEqual({ a: s5.a, b: s5.b, onceDelta: s5.onceDelta }, { a: rowOf('S5')!.a, b: rowOf('S5')!.b, onceDelta: rowOf('S5')!.onceDelta });
    assert.equal(s5.a, 4088);
    assert.equal(s5.b, 0);
    assert.equal(s5.kind, 'once');
    assert.deepEqual(r.classes.map((c) => c.cls).sort(), (cli.totals as { metric: string }[]).flatMap((x) => /^faults ([A-Z]\d+)$/.exec(x.metric)?.[1] ?? []).sort());

    // Phases: every one aligned (19 in both), each starting at its marker line's timestamp.
    assert.equal(r.linkUnavailable, undefined);
    assert.equal(r.unmatched.length, 0);
    const [ma, mb] = [markerLines(before), markerLines(after)];
    assert.equal(r.pairs.length, ma.length + 1, 'the start of the trace, then one phase per marker');
    for (let k = 1; k < r.pairs.length; k++) {
      assert.equal(r.pairs[k].a.t0, ma[k - 1].ts, `phase ${k} of A starts at its marker`);
      assert.equal(r.pairs[k].b.t0, mb[k - 1].ts, `phase ${k} of B starts at its marker`);
      assert.equal(r.pairs[k].a.label.endsWith(ma[k - 1].label), true);
      assert.equal(r.pairs[k - 1].a.t1, r.pairs[k].a.t0);
    }
    // A range inside one phase maps linearly onto the other recording's phase.
    const p = r.pairs[5];
    const mid = (p.a.t0 + p.a.t1) / 2;
    const mapped = mapRange(r, 'A', { t0: p.a.t0, t1: mid }, { A: 'eager0', B: 'eager2m' });
    assert.deepEqual(mapped.range, { t0: p.b.t0, t1: (p.b.t0 + p.b.t1) / 2 });
  } finally {
    await h.close();
  }
});

test('recordingDiff refuses in words: the same trace, a text that is not a trace, another architecture', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's2l-diff-bad-'));
  const arm = join(repoRoot(), 'test', 'fixtures', 'e2e', 'race4_4k-head.trace');
  const x86 = join(repoRoot(), 'test', 'fixtures', 'x86', 'firstTouch.trace');
  const notes = join(dir, 'notes.trace');
  writeFileSync(notes, 'Dear diary,\nnothing to see here.\n'.repeat(50));
  const h = await startServer(settings, { signal: t.signal });
  try {
    const [ua, ux, un] = [await open(h, arm), await open(h, x86), await open(h, notes)];
    const failure = async (params: unknown) => {
      try {
        await h.connection.sendRequest('stage2Lens/recordingDiff', params);
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail('the request should have failed');
    };
    assert.match(await failure({ before: ua, after: ua }), /compared with itself/);
    assert.match(await failure({ before: ua, after: un }), /^notes\.trace is not a trace/);
    assert.match(await failure({ before: ua, after: ux }), /race4_4k-head\.trace is an arm64 recording and firstTouch\.trace an x86 one/);
    assert.match(await failure({ before: ua, after: fileUri(join(dir, 'missing.trace')) }), /not an open trace/);
    // the server answers on after the failures
    const r = (await h.connection.sendRequest('stage2Lens/summary', { uri: ua })) as { label: string } | null;
    assert.equal(r?.label, 'As recorded');
  } finally {
    await h.close();
  }
});

test('recordingDiff: cancelling the wait for the second analysis answers RequestCancelled', { timeout: 120_000 }, async (t) => {
  const { before, after } = unpackPair();
  const h = await startServer(settings, { signal: t.signal });
  try {
    const ua = await open(h, before);
    const ub = fileUri(after);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: ub, languageId: 'ftrace', version: 1, text: readFileSync(after, 'utf8') } });
    const source = new CancellationTokenSource();
    const pending = h.connection.sendRequest('stage2Lens/recordingDiff', { before: ua, after: ub }, source.token);
    source.cancel();
    await assert.rejects(pending, (e: { code?: number }) => e.code === -32800);
    // the second trace is still analysed: a later diff answers
    const r = (await h.connection.sendRequest('stage2Lens/recordingDiff', { before: ua, after: ub })) as RecordingDiffResult;
    assert.ok(r.pairs.length > 0);
  } finally {
    await h.close();
  }
});

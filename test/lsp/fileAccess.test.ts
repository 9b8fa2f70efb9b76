// What the language server may read (issue #22): only documents the client opened, or files the
// client named in stage2Lens/largeFiles; renderDat reads only a regular file that starts like a
// trace.dat; a closed trace is released and is not read again from disk. Runs on a fresh clone
// (the committed example trace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol';
import type { StatusNotification } from '../../src/shared/protocol';
import { repoRoot } from '../support/shared';
import { fileUri, startServer } from './lspHarness';

const EXAMPLE = join(repoRoot(), 'test', 'fixtures', 'example.trace');
const terminal = (s: StatusNotification) => (s.kind === 'ready' && !s.partial) || s.kind === 'failed';
const hoverAt = (uri: string, line: number) => ({ textDocument: { uri }, position: { line, character: 0 } });

test('requests for a file the client never opened are refused; renderDat reads only trace.dat files', { timeout: 60000 }, async (t) => {
  const h = await startServer({}, { signal: t.signal });
  try {
    // a secret that parses as a trace: before #22 a hover returned its lines
    const dir = mkdtempSync(join(tmpdir(), 'stage2-lens-lsp-access-'));
    const creds = join(dir, 'creds.log');
    writeFileSync(creds, readFileSync(EXAMPLE));
    const uri = fileUri(creds);
    assert.equal(await h.connection.sendRequest('textDocument/hover', hoverAt(uri, 20)), null);
    await assert.rejects(h.connection.sendRequest('stage2Lens/summary', { uri }), /not an open trace: .*creds\.log \(the server reads only documents the client opened\)/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/replay', { uri, choice: { kind: 'preset', preset: 'bbm2' } }), /not an open trace/);
    assert.deepEqual(await h.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 90, character: 0 } } }), []);

    await assert.rejects(h.connection.sendRequest('stage2Lens/renderDat', { uri: 'file:///etc/passwd' }), /\/etc\/passwd: not a trace\.dat \(no trace\.dat magic at its start\)/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/renderDat', { uri: 'file:///dev/zero' }), /\/dev\/zero: not a regular file/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/renderDat', { uri: fileUri(creds) }), /not a trace\.dat/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/renderDat', { uri: fileUri(join(dir, 'missing.dat')) }), /missing\.dat: cannot be read \(ENOENT\)/);
    assert.equal(h.child.exitCode, null);
  } finally {
    await h.close();
  }
});

test('an opened trace answers until it is closed; then it is released and not read from disk', { timeout: 60000 }, async (t) => {
  const h = await startServer({}, { signal: t.signal });
  try {
    const uri = fileUri(EXAMPLE);
    const ready = h.status(uri, terminal);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text: readFileSync(EXAMPLE, 'utf8') } });
    assert.equal((await ready).kind, 'ready');
    const hover = (await h.connection.sendRequest('textDocument/hover', hoverAt(uri, 20))) as Hover | null;
    assert.match((hover?.contents as MarkupContent).value, /kvm_guest_fault|DABT_LOW/);
    const closed = h.status(uri, (s) => s.kind === 'closed');
    await h.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await closed;
    assert.equal(await h.connection.sendRequest('textDocument/hover', hoverAt(uri, 20)), null);
    await assert.rejects(h.connection.sendRequest('stage2Lens/summary', { uri }), /not an open trace/);

    // named by the client as a large file: read from disk; no longer named: released
    const fromDisk = h.status(uri, terminal);
    await h.connection.sendNotification('stage2Lens/largeFiles', { uris: [uri] });
    assert.equal((await fromDisk).kind, 'ready');
    assert.notEqual(await h.connection.sendRequest('textDocument/hover', hoverAt(uri, 20)), null);
    const released = h.status(uri, (s) => s.kind === 'closed');
    await h.connection.sendNotification('stage2Lens/largeFiles', { uris: [] });
    await released;
    assert.equal(await h.connection.sendRequest('textDocument/hover', hoverAt(uri, 20)), null);
  } finally {
    await h.close();
  }
});

test('control characters of a trace are escaped in diagnostics and hovers', { timeout: 60000 }, async (t) => {
  const h = await startServer({}, { signal: t.signal });
  try {
    const uri = 'untitled:escapes.trace';
    const text = readFileSync(EXAMPLE, 'utf8').replace(/CPU 1\/KVM/g, '\x1b]0;pwned\x07\x1b[31mCPU 1/KVM');
    const published = h.diagnostics(uri, (d) => d.length > 0);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text } });
    const diagnostics = await published;
    const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    const messages = diagnostics.flatMap((d) => [String(d.message), ...(d.relatedInformation ?? []).map((r) => r.message)]);
    assert.ok(messages.some((m) => m.includes('\\e]0;pwned\\x07\\e[31mCPU 1/KVM')), messages.join('\n'));
    for (const m of messages) assert.doesNotMatch(m, control);
    // line 30 is a vCPU 1 line: its hover names the task
    const hover = (await h.connection.sendRequest('textDocument/hover', hoverAt(uri, 29))) as Hover | null;
    const value = (hover?.contents as MarkupContent).value;
    assert.ok(value.includes('\\\\e\\]0;pwned\\\\x07'), value);
    assert.doesNotMatch(value, control);
  } finally {
    await h.close();
  }
});

test('a document that is not a trace, or is damaged, says so in a diagnostic on line 1 (the CLI\'s words)', { timeout: 60000 }, async (t) => {
  const h = await startServer({}, { signal: t.signal });
  try {
    const prose = 'untitled:letter.trace';
    const refused = h.diagnostics(prose, (d) => d.length > 0);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: prose, languageId: 'ftrace', version: 1, text: 'Dear maintainers,\nplease find the trace attached.\n' } });
    const [d] = await refused;
    assert.equal(d.message, 'not a trace: no event line was recognised');
    assert.deepEqual(d.range.start, { line: 0, character: 0 });

    const damaged = 'untitled:damaged.trace';
    const partial = h.diagnostics(damaged, (ds) => ds.some((x) => String(x.message).startsWith('partial analysis')));
    const text = readFileSync(EXAMPLE, 'utf8').replace(/kvm_guest_fault/g, 'kvm_guest\0fault');
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: damaged, languageId: 'ftrace', version: 1, text } });
    const first = (await partial)[0];
    assert.equal(first.message, 'partial analysis: 8 lines hold NUL bytes (the first is line 21, at byte 1316 of the text): the file is damaged there and those lines are left out');
  } finally {
    await h.close();
  }
});

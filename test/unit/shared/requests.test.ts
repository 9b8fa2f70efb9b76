// The custom LSP messages (src/shared/requests.ts): one typed object per method, each method
// spelled once, all under `stage2Lens/`; and a message whose params or result do not match its
// type does not compile (the @ts-expect-error lines below fail `tsc` the day they compile).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NotificationType, RequestType, type ProtocolConnection } from 'vscode-languageserver-protocol';
import * as messages from '../../../src/shared/requests';
import { repoRoot } from '../../support/shared';

test('every custom message is a typed object with its own stage2Lens/ method', () => {
  const all = Object.entries(messages);
  assert.ok(all.length >= 16, `${all.length} messages`);
  for (const [name, m] of all) {
    assert.ok(m instanceof RequestType || m instanceof NotificationType, `${name} is a RequestType or NotificationType`);
    assert.match(m.method, /^stage2Lens\/[a-zA-Z]+$/, name);
  }
  const methods = all.map(([, m]) => m.method);
  assert.equal(new Set(methods).size, methods.length, 'no two messages share a method');
});

test('no method string is quoted in code outside src/shared/requests.ts', () => {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
    });
  const root = repoRoot();
  const offenders = [...walk(join(root, 'src')), ...walk(join(root, 'webview'))]
    .filter((f) => !f.endsWith(join('shared', 'requests.ts')))
    .filter((f) => /['"]stage2Lens\/[a-zA-Z]+['"]/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('requests.ts holds message objects and types only: its one value import is the protocol library', () => {
  const source = readFileSync(join(repoRoot(), 'src', 'shared', 'requests.ts'), 'utf8');
  const valueImports = [...source.matchAll(/^import (?!type )[^;]*from '([^']+)';/gm)].map((m) => m[1]);
  assert.deepEqual(valueImports, ['vscode-languageserver-protocol']);
  assert.doesNotMatch(source, /^(export )?(function|class) /m, 'no logic');
});

// Type checks only (never run): what the client and the server write must match the message's types.
export function mismatchesDoNotCompile(c: ProtocolConnection): void {
  // @ts-expect-error a replay needs its configuration choice
  void c.sendRequest(messages.ReplayRequest, { uri: 'file:///t.trace' });
  // @ts-expect-error a summary is no string
  const summary: Promise<string> = c.sendRequest(messages.SummaryRequest, { uri: 'file:///t.trace' });
  void summary;
  // @ts-expect-error a window query needs its width
  void c.sendRequest(messages.TimelineWindowRequest, { uri: 'file:///t.trace', t0: 0, t1: 1 });
  // @ts-expect-error the server cannot answer a coverage request with a report
  c.onRequest(messages.CoverageRequest, () => ({ text: '', fileName: 'r.md' }));
  // @ts-expect-error the status notification carries a status, not a list of files
  void c.sendNotification(messages.StatusNotificationType, { uris: [] });
  // @ts-expect-error the large-files notification carries URIs
  c.onNotification(messages.LargeFilesNotification, (p: { uri: string }) => void p);
  // What matches compiles.
  void c.sendRequest(messages.TimelineLocateRequest, { uri: 'file:///t.trace', line: 3 }).then((r) => r?.ts);
}

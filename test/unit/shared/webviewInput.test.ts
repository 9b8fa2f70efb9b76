// The timeline page can address only its own panel's trace: a request's range keeps t0/t1 and
// nothing else (a `uri` it carries is dropped), and a restored panel accepts only a trace URI of a
// scheme the language client serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restorableTraceUri, timeRangeOf, TRACE_URI_SCHEMES } from '../../../src/shared/webviewInput';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';

test('timeRangeOf keeps only an ordered pair of finite numbers', () => {
  assert.deepEqual(timeRangeOf({ t0: 1, t1: 2, uri: 'file:///etc/passwd' }), { t0: 1, t1: 2 });
  assert.ok(!('uri' in timeRangeOf({ t0: 0, t1: 0, uri: 'file:///x' })));
  for (const bad of [undefined, null, 'x', { t0: 2, t1: 1 }, { t0: 0 }, { t0: '0', t1: 1 }, { t0: 0, t1: Infinity }, { t0: NaN, t1: 1 }]) {
    assert.throws(() => timeRangeOf(bad), /invalid time range from the timeline page/, JSON.stringify(bad));
  }
});

test('restorableTraceUri: the client schemes only, no control characters', () => {
  assert.equal(restorableTraceUri('file:///home/u/race.trace'), 'file:///home/u/race.trace');
  assert.equal(restorableTraceUri('untitled:Untitled-1'), 'untitled:Untitled-1');
  assert.equal(restorableTraceUri('stage2lens-dat:///tmp/x.dat'), 'stage2lens-dat:///tmp/x.dat');
  for (const bad of [undefined, 42, '', 'https://example.com/x.trace', 'vscode-resource:/x', 'command:workbench.action.quit', '/etc/passwd', 'file:///x\u0000y', 'file:///' + 'a'.repeat(5000)]) {
    assert.equal(restorableTraceUri(bad), undefined, String(bad).slice(0, 40));
  }
});

test('the schemes are those the language client registers documents for', () => {
  const src = readFileSync(join(repoRoot(), 'src', 'client', 'languageClient.ts'), 'utf8');
  const dat = /export const datScheme = '([^']+)'/.exec(src)?.[1];
  const schemes = [...src.matchAll(/scheme: '([^']+)'/g)].map((m) => m[1]).concat(dat ? [dat] : []);
  assert.deepEqual([...new Set(schemes)].sort(), [...TRACE_URI_SCHEMES].sort());
});

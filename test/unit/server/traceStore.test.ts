// The trace store with a scripted analyzer: a new run supersedes the one in flight, cancellation
// keeps the previous analysis, early findings are published as partial, failures become status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis, AnalyzeOptions, Analyzer, ByteSource } from '../../../src/core/index';
import type { Finding } from '../../../src/core/domain/types';
import type { StatusNotification } from '../../../src/shared/protocol';
import { normalizeSettings } from '../../../src/shared/settings';
import { CancelledError, TraceStore, type ProgressHandle } from '../../../src/server/traceStore';
import type { TraceSource } from '../../../src/server/traceSource';
import { byClassOf } from '../../../src/server/summary';

const source: TraceSource = { name: 't.trace', size: 10, open: () => (async function* () { yield new Uint8Array(10); })(), lines: async () => [] };

function fakeAnalysis(bbmLevel: number, findings: Finding[] = []): Analysis {
  return { findings, config: { bbmLevel }, counters: { faults: { total: findings.length, byClass: byClassOf(findings) } } } as unknown as Analysis;
}

interface Pending { opts: AnalyzeOptions; resolve(a: Analysis): void; reject(e: unknown): void }

function scriptedAnalyzer(pending: Pending[]): Analyzer {
  return {
    analyze(_s: ByteSource, opts: AnalyzeOptions = {}) {
      return new Promise<Analysis>((resolve, reject) => {
        opts.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        pending.push({ opts, resolve, reject });
      });
    },
    analyzeMany: async () => [],
    compare: () => { throw new Error('unused'); },
    checkLevers: async () => [],
  };
}

function setup(pending: Pending[]) {
  const published: { findings: number; partial: boolean }[] = [];
  const statuses: StatusNotification[] = [];
  let cancelProgress: (() => void) | undefined;
  const progress: ProgressHandle = { report: () => undefined, done: () => undefined, onCancel: (l) => { cancelProgress = l; } };
  const store = new TraceStore({
    analyzer: () => scriptedAnalyzer(pending),
    settings: () => normalizeSettings({}),
    progress: async () => progress,
    log: () => undefined,
    events: { findings: (_u, f, partial) => void published.push({ findings: f.length, partial }), status: (s) => void statuses.push(s) },
  });
  store.setSource('file:///t.trace', source);
  return { store, published, statuses, cancel: () => cancelProgress?.() };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

test('a new run supersedes the one in flight; only the newer one publishes', async () => {
  const pending: Pending[] = [];
  const { store, published } = setup(pending);
  const first = store.analyze('file:///t.trace');
  await until(() => pending.length === 1);
  const second = store.analyze('file:///t.trace', { kind: 'preset', preset: 'bbm2' });
  await assert.rejects(first, CancelledError);
  await until(() => pending.length === 2);
  assert.equal(pending[1].opts.config?.bbmLevel, 2);
  pending[1].resolve(fakeAnalysis(2));
  assert.equal((await second).config.bbmLevel, 2);
  assert.equal(store.get('file:///t.trace')?.label, 'FEAT_BBM level 2');
  assert.deepEqual(published, [{ findings: 0, partial: false }]);
});

test('early findings are published as partial, then the full set', async () => {
  const pending: Pending[] = [];
  const { store, published, statuses } = setup(pending);
  const run = store.analyze('file:///t.trace');
  await until(() => pending.length === 1);
  const f = { cls: 'S1', line: 3 } as Finding;
  pending[0].opts.onEarlyFindings?.([f]);
  pending[0].resolve(fakeAnalysis(0, [f, { cls: 'S7', line: 4 } as Finding]));
  await run;
  assert.deepEqual(published, [{ findings: 1, partial: true }, { findings: 2, partial: false }]);
  const ready = statuses.filter((s) => s.kind === 'ready');
  assert.deepEqual(ready.map((s) => s.kind === 'ready' && [s.partial, s.spurious, s.findings]), [[true, 1, 1], [false, 1, 2]]);
});

test('cancelling from the progress UI keeps the previous analysis; a failure is a failed status', async () => {
  const pending: Pending[] = [];
  const { store, published, statuses, cancel } = setup(pending);
  const run = store.analyze('file:///t.trace');
  await until(() => pending.length === 1);
  pending[0].resolve(fakeAnalysis(0, [{ cls: 'S1', line: 1 } as Finding]));
  await run;
  const again = store.analyze('file:///t.trace', { kind: 'preset', preset: 'fwb' });
  await until(() => pending.length === 2);
  cancel();
  await assert.rejects(again, CancelledError);
  assert.equal(store.get('file:///t.trace')?.label, 'As recorded');
  assert.deepEqual(published.at(-1), { findings: 1, partial: false });
  const failing = store.analyze('file:///t.trace');
  await until(() => pending.length === 3);
  pending[2].reject(new Error('bad trace'));
  await assert.rejects(failing, /bad trace/);
  assert.deepEqual(statuses.at(-1), { kind: 'failed', uri: 'file:///t.trace', message: 'bad trace' });
  assert.equal((await store.current('file:///t.trace'))?.findings.length, 1);
});

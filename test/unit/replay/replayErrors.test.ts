// A replay that throws on an event skips that event, counts it, and the analysis says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createArm64Replayer } from '../../../src/core/replay/arm64/arm64Replayer';
import { normalizeConfig } from '../../../src/core/model/modelConfig';
import { ReplayErrors } from '../../../src/core/replay/replayErrors';
import type { TraceEvent } from '../../../src/core/parse/types';

test('ReplayErrors counts every error and keeps the first one\'s line and message', () => {
  const e = new ReplayErrors();
  assert.equal(e.result(), undefined);
  e.note(12, new Error('first'));
  e.note(30, 'second');
  assert.deepEqual(e.result(), { count: 2, firstLine: 12, firstMessage: 'first' });
});

test('an event whose handling throws is skipped and counted in the replay output', () => {
  const r = createArm64Replayer(normalizeConfig({ arch: 'arm64' }), { whatIf: false, recording: () => undefined });
  // Stand-in for a replay bug: the dispatcher throws on the second event.
  let n = 0;
  (r as unknown as { dispatch: () => void }).dispatch = () => {
    if (++n === 2) throw new Error('boom');
  };
  const ev = (line: number) => ({ line, ts: line * 1000, pid: 1, task: 't', cpu: 0, name: 'kvm_entry', payload: '', decoded: { kind: 'arm64.kvm_entry', pc: 0 } }) as unknown as TraceEvent;
  for (const line of [5, 6, 7]) r.event(ev(line));
  assert.deepEqual(r.finish().internalErrors, { count: 1, firstLine: 6, firstMessage: 'boom' });
});

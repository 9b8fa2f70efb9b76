// The webview's state objects (webview/state.ts): an older answer never replaces a newer one of its
// kind, kinds do not hold each other up, an empty filter means no filter, and saving persists the
// viewport with the rest of the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Replies, ViewState } from '../../../webview/state';
import { readTheme } from '../../../webview/theme';
import type { TimelineViewState } from '../../../src/shared/timelineProtocol';

test('replies: the newest answer of each kind wins, whatever order they arrive in', () => {
  const r = new Replies();
  const [w1, s1, w2] = [r.next(), r.next(), r.next()];
  assert.ok(w1 < s1 && s1 < w2, 'request numbers increase');
  assert.equal(r.accept('window', w2), true);
  assert.equal(r.accept('window', w1), false, 'the older window arrives late: dropped');
  assert.equal(r.accept('rangeStats', s1), true, 'a newer window does not hold up an older statistics request');
  assert.equal(r.accept('marks', r.next()), true);
});

test('view state: restored viewport, empty filter is no filter, save persists the viewport', () => {
  const saved: TimelineViewState[] = [];
  const theme = readTheme(() => '', ['vscode-dark']);
  const fresh = new ViewState(undefined, theme, (s) => saved.push(s));
  assert.deepEqual(fresh.saved, { uri: '' });
  assert.deepEqual(fresh.vp, { t0: 0, t1: 1 });
  const v = new ViewState({ uri: 'file:///t.trace', viewport: { t0: 10, t1: 20 }, filter: {} }, theme, (s) => saved.push(s));
  assert.deepEqual(v.vp, { t0: 10, t1: 20 });
  assert.equal(v.filter(), undefined, 'a filter with neither lanes nor classes filters nothing');
  v.patch({ filter: { lanes: ['vCPU 0'] } });
  assert.deepEqual(v.filter(), { lanes: ['vCPU 0'] });
  v.vp = { t0: 12, t1: 18 };
  assert.equal(saved.length, 0, 'patch does not save');
  v.save();
  assert.deepEqual(saved.at(-1), { uri: 'file:///t.trace', viewport: { t0: 12, t1: 18 }, filter: { lanes: ['vCPU 0'] } });
});

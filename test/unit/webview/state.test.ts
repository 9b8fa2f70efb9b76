// The webview's state objects (webview/state.ts): an older answer never replaces a newer one of its
// kind, kinds do not hold each other up, an empty filter means no filter, saving persists the
// viewport with the rest of the state; and the layout's lane order, heights and collapsible groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Replies, ViewState } from '../../../webview/state';
import { readTheme } from '../../../webview/theme';
import { computeLayout, GROUP_H, LANE_GROUPS, LANE_H, orderLanes, type LaneGroup } from '../../../webview/layout';
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

test('view state: F and M act on the selected mark once its details arrived, else on the selected range; M toggles', () => {
  const theme = readTheme(() => '', ['vscode-dark']);
  const v = new ViewState({ uri: 'file:///t.trace', selection: { t0: 100, t1: 200 }, selectedLine: 42 }, theme, () => undefined);
  assert.deepEqual(v.selectionRange(), { t0: 100, t1: 200 }, 'the mark\'s details have not arrived: the range');
  const mark = { lane: 'vCPU 0', config: 'A' as const, ts: 150, endTs: 160, kind: 'fault' as const, cls: 'S1' as const, line: 42, avoided: false };
  v.details = { mark, hover: [], findings: [] };
  assert.deepEqual(v.selectionRange(), { t0: 150, t1: 160 }, 'the selected mark\'s extent');
  v.details = { mark: { ...mark, line: 41 }, hover: [], findings: [] };
  assert.equal(v.selectedMark(), undefined, 'details of another line are not the selection\'s');
  v.details = { mark: { ...mark, endTs: undefined }, hover: [], findings: [] };
  assert.deepEqual(v.selectionRange(), { t0: 150, t1: 150 }, 'an instant');
  v.toggleMarkedRange({ t0: 150, t1: 160 });
  assert.deepEqual(v.saved.markedRange, { t0: 150, t1: 160 });
  v.toggleMarkedRange({ t0: 100, t1: 200 });
  assert.deepEqual(v.saved.markedRange, { t0: 100, t1: 200 }, 'another range replaces the mark');
  v.toggleMarkedRange({ t0: 100, t1: 200 });
  assert.equal('markedRange' in v.saved, false, 'the same range again clears it, key and all');
});

test('lane order: pinned first as pinned, vCPUs by index, then the host; a B lane under its A lane', () => {
  const lane = (label: string, config: 'A' | 'B' = 'A') => ({ id: label, label, config });
  // As a trace meets its vCPUs: 2 first, then 10, 0 and 1; the what-if's B lanes beside.
  const lanes = [lane('vCPU 2 (t-3)'), lane('vCPU 2 (t-3)', 'B'), lane('vCPU 10 (t-11)'), lane('host'), lane('vCPU 0 (t-1)'), lane('vCPU 0 (t-1)', 'B'), lane('vCPU 1 (t-2)')];
  const name = (ls: { label: string; config: string }[]) => ls.map((l) => `${l.config === 'B' ? 'B:' : ''}${l.label}`);
  assert.deepEqual(name(orderLanes(lanes)), ['vCPU 0 (t-1)', 'B:vCPU 0 (t-1)', 'vCPU 1 (t-2)', 'vCPU 2 (t-3)', 'B:vCPU 2 (t-3)', 'vCPU 10 (t-11)', 'host']);
  assert.deepEqual(name(orderLanes(lanes, ['host', 'vCPU 2 (t-3)'])), ['host', 'vCPU 2 (t-3)', 'B:vCPU 2 (t-3)', 'vCPU 0 (t-1)', 'B:vCPU 0 (t-1)', 'vCPU 1 (t-2)', 'vCPU 10 (t-11)']);
  assert.deepEqual(name(orderLanes([lane('vCPU 0 (t-1)', 'B'), lane('vCPU 0 (t-1)')])), ['vCPU 0 (t-1)', 'B:vCPU 0 (t-1)'], 'A above B whatever the order given');
});

test('lane height: A lanes as chosen within the offered range, B lanes three quarters of them; the summary tracks keep theirs', () => {
  const lanes = [{ id: 'vCPU 0', label: 'vCPU 0', config: 'A' as const }, { id: 'vCPU 0', label: 'vCPU 0', config: 'B' as const }];
  const heights = (h?: number) => computeLayout(lanes, 4, h).map((r) => r.h);
  const normal = heights();
  assert.deepEqual(normal.slice(1, 3), [LANE_H, 22]);
  assert.deepEqual(heights(72).slice(1, 3), [72, 54]);
  assert.deepEqual(heights(72).slice(3), normal.slice(3), 'summary tracks unchanged');
  assert.deepEqual(heights(1000).slice(1, 2), [72], 'never taller than the tallest offered');
  assert.deepEqual(heights(1).slice(1, 3), [22, 22], 'never shorter than the compact height');
  const rows = computeLayout(lanes, 4, 48);
  for (let i = 1; i < rows.length; i++) assert.equal(rows[i].y, rows[i - 1].y + rows[i - 1].h, 'rows stack without gaps');
});

test('lane groups: a header per group, pinned lanes above every group, a collapsed group only its header; the toggle is in the saved state', () => {
  const lane = (label: string, config: 'A' | 'B' = 'A') => ({ id: label, label, config });
  const lanes = orderLanes([lane('vCPU 0'), lane('vCPU 0', 'B'), lane('vCPU 1'), lane('host')], ['vCPU 1']);
  const names = (collapsed: LaneGroup[]) =>
    computeLayout(lanes, 4, LANE_H, { pinned: ['vCPU 1'], collapsed }).map((r) => (r.kind === 'group' ? `[${r.label}${r.group?.collapsed ? ' +' : ''}]` : r.label));
  assert.deepEqual(names([]), ['', 'vCPU 1', '[vCPUs (1)]', 'vCPU 0', 'B: vCPU 0', '[Host (1)]', 'host', '[Summary tracks (4)]', 'faults by class', 'CMO bytes', 'TLB invalidations', 'IPA heat']);
  assert.deepEqual(names(['vcpus', 'summary']), ['', 'vCPU 1', '[vCPUs (1) +]', '[Host (1)]', 'host', '[Summary tracks (4) +]'], 'a pinned vCPU stays shown');
  const rows = computeLayout(lanes, 4, LANE_H, { pinned: [], collapsed: ['host'] });
  for (let i = 1; i < rows.length; i++) assert.equal(rows[i].y, rows[i - 1].y + rows[i - 1].h, 'rows stack without gaps');
  assert.ok(rows.filter((r) => r.kind === 'group').every((r) => r.h === GROUP_H));
  assert.equal(computeLayout(lanes, 4).some((r) => r.kind === 'group'), false, 'no headers without grouping (the renderer\'s own callers)');

  const saved: TimelineViewState[] = [];
  const v = new ViewState({ uri: 'u' }, readTheme(() => '', ['vscode-dark']), (s) => saved.push(s));
  v.toggleGroup('host');
  v.toggleGroup('summary');
  assert.deepEqual(v.collapsedGroups(LANE_GROUPS), ['host', 'summary']);
  v.toggleGroup('host');
  v.save();
  assert.deepEqual(saved.at(-1)?.collapsedGroups, ['summary']);
  v.toggleGroup('summary');
  assert.equal('collapsedGroups' in v.saved, false, 'all expanded: nothing left in the state');
  const restored = new ViewState({ uri: 'u', collapsedGroups: ['vcpus', 'bogus', 3 as unknown as string] }, readTheme(() => '', ['vscode-dark']), () => undefined);
  assert.deepEqual(restored.collapsedGroups(LANE_GROUPS), ['vcpus'], 'a stored state\'s unknown groups are ignored');
});

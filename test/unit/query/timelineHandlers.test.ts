// The server side of the timeline: registerTimelineHandlers answers every `stage2Lens/timeline*`
// request from the current analysis, keeps one index per analysis, re-versions when the analysis
// changes, overlays a what-if and never throws on a bad request (a fake Connection records them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'vscode-languageserver';
import type { Analysis, Comparison } from '../../../src/core/api';
import type { Mark } from '../../../src/core/domain/types';
import { notifyTimelineChanged, registerTimelineHandlers } from '../../../src/server/timeline';
import {
  TimelineChangedNotification,
  TimelineFindIpaRequest,
  TimelineInfoRequest,
  TimelineLocateRequest,
  TimelineMarksRequest,
  TimelineRangeStatsRequest,
  TimelineWindowRequest,
} from '../../../src/shared/requests';
import type { TimelineInfo, WindowResult } from '../../../src/shared/timelineProtocol';

const TimelineRequests = {
  info: TimelineInfoRequest.method,
  window: TimelineWindowRequest.method,
  rangeStats: TimelineRangeStatsRequest.method,
  marks: TimelineMarksRequest.method,
  findIpa: TimelineFindIpaRequest.method,
  locate: TimelineLocateRequest.method,
};
import { MarkStore } from '../../../src/core/marks/markStore';

function fakeConnection() {
  const handlers = new Map<string, (p: unknown) => unknown>();
  const sent: [string, unknown][] = [];
  const errors: string[] = [];
  const conn = {
    // the server registers typed request objects (src/shared/requests.ts): keyed here by their method
    onRequest: (m: { method: string }, h: (p: unknown) => unknown) => void handlers.set(m.method, h),
    sendNotification: (m: { method: string }, p: unknown) => {
      sent.push([m.method, p]);
      return Promise.resolve();
    },
    console: { error: (s: string) => void errors.push(s) },
  };
  return { conn: conn as unknown as Connection, handlers, sent, errors };
}

function analysis(marks: Mark[]): Analysis {
  return {
    arch: 'arm64',
    config: { arch: 'arm64', granule: 4096, ipaBits: 40, bbmLevel: 0, fwb: false, dic: false, idc: false, tlbiRange: false, eagerSplitChunk: 0, kernel: '6.6', tracepointsOnly: false, ignoreEvents: [], backingPageSize: 'auto', pinned: [] },
    lanes: [{ id: 'vCPU 0', label: 'vCPU 0 (kvmtest-204)' }, { id: 'host', label: 'host' }],
    marks: MarkStore.from(marks),
  } as unknown as Analysis;
}

test('timeline requests: info, window, stats, marks, find, locate; a what-if; versions; bad input', () => {
  const { conn, handlers, sent, errors } = fakeConnection();
  const store: { current?: Analysis; whatIf?: { analysis: Analysis; comparison: Comparison } } = {};
  registerTimelineHandlers(conn, (uri) => (uri === 'file:///t.trace' ? store.current : undefined), () => store.whatIf);
  assert.deepEqual([...handlers.keys()].sort(), Object.values(TimelineRequests).sort());
  const call = <T>(m: string, p: unknown) => handlers.get(m)?.(p) as T;

  const none = call<TimelineInfo>(TimelineRequests.info, { uri: 'file:///t.trace' });
  assert.equal(none.available, false);
  assert.match(none.reason ?? '', /not been analysed/);

  store.current = analysis([
    { ts: 1000, lane: 'vCPU 0', kind: 'fault', cls: 'S1', line: 14, ipa: 0x40000000, size: 4096 },
    { ts: 2000, lane: 'vCPU 0', kind: 'fault', line: 15, ipa: 0x40001000, size: 4096 },
    { ts: 3000, lane: 'host', kind: 'marker', line: 16, label: 'pass 1 begin' },
  ]);
  const info = call<TimelineInfo>(TimelineRequests.info, { uri: 'file:///t.trace' });
  assert.equal(info.available, true);
  assert.equal(info.markCount, 3);
  assert.equal(info.configA, 'arm64, 4K, BBM L0');
  assert.deepEqual(info.lanes.map((l) => l.label), ['vCPU 0 (kvmtest-204)', 'host']);
  const v1 = info.version;
  const w = call<WindowResult>(TimelineRequests.window, { uri: 'file:///t.trace', t0: 0, t1: 4000, width: 4 });
  assert.deepEqual(w.lanes[0].px, [1, 2]);
  assert.deepEqual(w.markers.map((m) => m.label), ['pass 1 begin']);
  assert.equal(call<{ a: { faults: { spurious: number } } }>(TimelineRequests.rangeStats, { uri: 'file:///t.trace', t0: 0, t1: 1500 }).a.faults.spurious, 1);
  assert.deepEqual(call<{ line: number }[]>(TimelineRequests.marks, { uri: 'file:///t.trace', t0: 0, t1: 2500 }).map((m) => m.line), [14, 15]);
  assert.equal(call<{ total: number }>(TimelineRequests.findIpa, { uri: 'file:///t.trace', ipa: 0x40001800 }).total, 1);
  assert.deepEqual(call(TimelineRequests.locate, { uri: 'file:///t.trace', line: 15 }), { ts: 2000, lane: 'vCPU 0', line: 15 });
  assert.equal(call(TimelineRequests.window, { uri: 'file:///other.trace', t0: 0, t1: 1, width: 10 }), null);
  assert.equal(call(TimelineRequests.window, { uri: 'file:///t.trace', t0: 'x', t1: null, width: 10 }), null);
  assert.equal(call(TimelineRequests.window, null), null, 'a malformed request answers null');
  assert.equal(errors.length, 1);

  // Same analysis: same version. A what-if arrives: B lanes, avoided faults, a new version.
  assert.equal(call<TimelineInfo>(TimelineRequests.info, { uri: 'file:///t.trace' }).version, v1);
  store.whatIf = { analysis: analysis([{ ts: 2000, lane: 'vCPU 0', kind: 'fault', line: 15 }]), comparison: { avoidedLines: [14] } as Comparison };
  const info2 = call<TimelineInfo>(TimelineRequests.info, { uri: 'file:///t.trace' });
  assert.equal(info2.version, v1 + 1);
  assert.equal(info2.avoidedCount, 1);
  assert.deepEqual(info2.lanes.map((l) => `${l.config}:${l.id}`), ['A:vCPU 0', 'B:vCPU 0', 'A:host', 'B:host']);
  const w2 = call<WindowResult>(TimelineRequests.window, { uri: 'file:///t.trace', t0: 0, t1: 4000, width: 4 });
  assert.deepEqual(w2.lanes.find((l) => l.config === 'A' && l.lane === 'vCPU 0')?.avoided, [1, 0]);
  assert.deepEqual(w2.lanes.find((l) => l.config === 'B' && l.lane === 'vCPU 0')?.px, [2]);

  notifyTimelineChanged(conn, 'file:///t.trace');
  assert.deepEqual(sent, [[TimelineChangedNotification.method, { uri: 'file:///t.trace' }]]);
});

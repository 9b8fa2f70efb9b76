// The level-of-detail index: exact bins, bins that add up to the range statistics, the range rule
// equal to the CLI's reference count, windows, markers, heat rows, find-IPA, locate and hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mark } from '../../../src/core/domain/types';
import { sampleOf } from '../../../src/core/query/sortedSearch';
import { countMarksInRange, edgePositions, ipaRegions, MAX_MARKERS, MAX_WINDOW_BARS, TimelineIndex, TimelineQuery } from '../../../src/core/query';
import { BIN_CLASS_INDEX, BIN_CLASS_ORDER, binStart, type LaneBins, type TimelineFilter } from '../../../src/shared/timelineProtocol';
import { mulberry32 } from '../../support/prng';
import { syntheticMarks } from './syntheticMarks';
import { MarkStore } from '../../../src/core/marks/markStore';

const lanes = [{ id: 'v0', label: 'vCPU 0' }, { id: 'v1', label: 'vCPU 1' }, { id: 'host', label: 'host' }];

function dense(b: LaneBins, width: number): number[] {
  const out = new Array<number>(width).fill(0);
  b.px.forEach((p, k) => (out[p] = b.total[k]));
  return out;
}

test('bins: one mark per bin, the mark at t1 in the last bin, an edge mark in the later bin', () => {
  const marks: Mark[] = [];
  for (let i = 0; i < 10; i++) marks.push({ ts: i * 10, lane: 'v0', kind: 'fault', line: 100 + i });
  marks.push({ ts: 100, lane: 'v0', kind: 'fault', line: 200 }); // == t1
  marks.push({ ts: 30, lane: 'v0', kind: 'fault', cls: 'S1', line: 300 }); // on the edge of bin 3
  const ix = new TimelineIndex({ lanes, marks: MarkStore.from(marks) });
  const [w] = ix.laneWindows(0, 100, 10);
  assert.equal(w.bins.lane, 'v0');
  assert.deepEqual(dense(w.bins, 10), [1, 1, 1, 2, 1, 1, 1, 1, 1, 2]);
  const k3 = w.bins.px.indexOf(3);
  assert.equal(BIN_CLASS_ORDER[w.bins.worst[k3]], 'S1');
  assert.equal(w.bins.line[k3], 300, 'a click on the bin reveals the spurious fault, not the ordinary one');
  assert.deepEqual(w.bins.counts.S1, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0].filter((_, i) => w.bins.px.includes(i)));
  const k9 = w.bins.px.indexOf(9);
  assert.equal(BIN_CLASS_ORDER[w.bins.worst[k9]], 'fault');
  assert.equal(w.bins.line[k9], 109);
  // Lanes without marks come back empty, not missing.
  assert.equal(ix.laneWindows(0, 100, 10).length, 3);
  assert.deepEqual(ix.laneWindows(0, 100, 10)[1].bins.px, []);
});

test('edgePositions: the merge walk and the binary searches agree', () => {
  const rnd = mulberry32(7);
  const a = Float64Array.from({ length: 5000 }, () => Math.floor(rnd() * 1e6)).sort();
  for (const [t0, t1, w] of [[0, 1e6, 3], [0, 1e6, 4000], [123, 456789, 17], [5e5, 5e5 + 10, 1000]] as const) {
    const fast = edgePositions(a, t0, t1, w);
    assert.deepEqual(Array.from(edgePositions(a, t0, t1, w, undefined, sampleOf(a))), Array.from(fast), 'two-level search');
    const slow = new Int32Array(w + 1);
    for (let i = 0; i < w; i++) slow[i] = a.findIndex((x) => x >= binStart(t0, t1, w, i));
    for (let i = 0; i < w; i++) if (slow[i] < 0) slow[i] = a.length;
    const last = a.findIndex((x) => x > t1);
    slow[w] = last < 0 ? a.length : last;
    assert.deepEqual(Array.from(fast), Array.from(slow), `window ${t0}..${t1} at ${w}`);
  }
});

test('bins add up to the range statistics, which equal the reference count (random windows, filters)', () => {
  const { lanes: sl, marks } = syntheticMarks({ count: 20000, vcpus: 4, seed: 3, jitter: true });
  const avoided = marks.filter((m, i) => m.cls === 'S1' && i % 2 === 0).map((m) => m.line);
  const ix = new TimelineIndex({ lanes: sl, marks: MarkStore.from(marks), avoidedLines: avoided });
  const rnd = mulberry32(11);
  const filters: (TimelineFilter | undefined)[] = [undefined, { lanes: [sl[1].id] }, { classes: ['S1', 'fault', 'cmo', 'window'] }, { lanes: [sl[0].id, 'host'], classes: ['host', 'S2'] }];
  const { t0: e0, t1: e1 } = ix.extent;
  for (let k = 0; k < 40; k++) {
    const a = e0 + rnd() * (e1 - e0);
    const b = a + rnd() * (e1 - a);
    const width = 1 + Math.floor(rnd() * 1500);
    const filter = filters[k % filters.length];
    const ref = countMarksInRange(MarkStore.from(marks), a, b, filter, new Set(avoided));
    const st = ix.rangeStats(a, b, filter);
    assert.deepEqual(st, ref, `stats ${a}..${b}`);
    const wins = ix.laneWindows(a, b, width, filter);
    const sum = wins.reduce((s, w) => s + w.bins.total.reduce((x, y) => x + y, 0), 0);
    assert.equal(sum, ref.total, `bins of ${a}..${b} at ${width}px`);
    const avoidedSum = wins.reduce((s, w) => s + w.bins.avoided.reduce((x, y) => x + y, 0), 0);
    assert.equal(avoidedSum, ref.avoided);
    const bytes = wins.reduce((s, w) => s + w.cmoBytes.reduce((x, y) => x + y, 0), 0);
    assert.equal(bytes, ref.cmoBytes);
  }
  // The whole trace, exact figures from the generator's known mix.
  const all = ix.rangeStats(e0, e1);
  assert.equal(all.total, 20000);
  assert.equal(all.total, countMarksInRange(MarkStore.from(marks), -Infinity, Infinity).total);
});

test('invalid windows: a window opened before the range is drawn; too many become per-pixel coverage', () => {
  const marks: Mark[] = [
    { ts: 0, endTs: 500, lane: 'v0', kind: 'window', line: 5, ipa: 0x40000000, size: 0x200000 },
    { ts: 600, endTs: 650, lane: 'v1', kind: 'window', line: 6, ipa: 0x40200000, size: 0x200000 },
    { ts: 2000, lane: 'v1', kind: 'fault', line: 7 },
  ];
  const q = new TimelineQuery({ a: { lanes, marks: MarkStore.from(marks) } });
  const r = q.window({ t0: 400, t1: 1000 }, 60);
  assert.ok(r);
  assert.deepEqual(r.windows.map((w) => [w.lane, w.line, w.ipa, w.size, w.ts, w.endTs]), [
    ['v0', 5, 0x40000000, 0x200000, 0, 500],
    ['v1', 6, 0x40200000, 0x200000, 600, 650],
  ]);
  assert.equal(r.windowsDense, undefined);
  const many: Mark[] = Array.from({ length: MAX_WINDOW_BARS + 10 }, (_, i) => ({ ts: i * 10, endTs: i * 10 + 15, lane: 'v0', kind: 'window' as const, line: i + 1 }));
  const r2 = new TimelineQuery({ a: { lanes, marks: MarkStore.from(many) } }).window({ t0: 0, t1: 20000 }, 100);
  assert.ok(r2 && r2.windowsDense);
  assert.equal(r2.windows.length, 0);
  const cov = r2.windowsDense.find((d) => d.lane === 'v0');
  assert.ok(cov);
  assert.equal(cov.px.length, 100, 'windows cover every pixel of the range');
  const st = q.rangeStats({ t0: 0, t1: 1000 });
  assert.deepEqual(st?.a.invalidWindows, { count: 2, totalNs: 550 });
});

test('markers: labelled rules, thinned to one per pixel beyond the limit', () => {
  const marks: Mark[] = Array.from({ length: MAX_MARKERS + 100 }, (_, i) => ({ ts: i, lane: 'host', kind: 'marker' as const, line: i + 1, label: `pass ${i}` }));
  const ix = new TimelineIndex({ lanes, marks: MarkStore.from(marks) });
  const few = ix.markersIn(0, 9, 100);
  assert.deepEqual(few.markers.slice(0, 2), [{ ts: 0, line: 1, label: 'pass 0' }, { ts: 1, line: 2, label: 'pass 1' }]);
  assert.equal(few.markers.length, 10);
  const thin = ix.markersIn(0, MAX_MARKERS + 99, 50);
  assert.equal(thin.markers.length, 50);
  assert.equal(thin.thinned, MAX_MARKERS + 100 - 50);
});

test('heat: at most 32 IPA rows, cells add up to the faults with an IPA in range', () => {
  assert.deepEqual(ipaRegions([0x40000000, 0x40001000, 0x40200000], 32), { size: 0x200000, keys: Float64Array.from([0x200, 0x201]) });
  assert.equal(ipaRegions(Array.from({ length: 1000 }, (_, i) => i * 0x200000), 32).keys.length, 32);
  const { lanes: sl, marks } = syntheticMarks({ count: 5000, seed: 5 });
  const ix = new TimelineIndex({ lanes: sl, marks: MarkStore.from(marks) });
  const h = ix.heat(ix.extent.t0, ix.extent.t1, 25);
  assert.ok(h.rows.length > 0 && h.rows.length <= 32);
  const faults = marks.filter((m) => m.kind === 'fault' && m.ipa !== undefined).length;
  assert.equal(h.cells.reduce((a, b) => a + b, 0), faults);
});

test('find IPA, locate a line, tooltip marks', () => {
  const marks: Mark[] = [
    { ts: 10, lane: 'v0', kind: 'fault', cls: 'S1', line: 20, ipa: 0x40001000, size: 4096 },
    { ts: 5, lane: 'v1', kind: 'split', line: 15, ipa: 0x40000000, size: 0x200000 },
    { ts: 30, lane: 'v1', kind: 'fault', line: 40, ipa: 0x50000000, size: 4096 },
  ];
  const q = new TimelineQuery({ a: { lanes, marks: MarkStore.from(marks) }, avoidedLines: [20] });
  const f = q.findIpa(0x40001234);
  assert.equal(f?.total, 2);
  assert.deepEqual(f?.hits.map((h) => [h.line, h.kind, h.cls, h.avoided]), [[15, 'split', 'split', false], [20, 'fault', 'S1', true]]);
  assert.equal(q.findIpa(0x60000000)?.total, 0);
  assert.equal(q.findIpa(Number.NaN), null);
  assert.deepEqual(q.locate(20), { ts: 10, lane: 'v0', line: 20 });
  assert.deepEqual(q.locate(39), { ts: 10, lane: 'v0', line: 20 });
  assert.deepEqual(q.locate(1), { ts: 5, lane: 'v1', line: 15 });
  assert.deepEqual(q.marks({ t0: 0, t1: 12 }).map((m) => m.line), [15, 20]);
});

test('what-if: B lanes beside A, B counted separately, avoided faults in A', () => {
  const a: Mark[] = [
    { ts: 1, lane: 'v0', kind: 'fault', cls: 'S1', line: 3 },
    { ts: 2, lane: 'v0', kind: 'fault', line: 4 },
  ];
  const b: Mark[] = [{ ts: 2, lane: 'v0', kind: 'fault', line: 4 }];
  const q = new TimelineQuery({ a: { lanes, marks: MarkStore.from(a), configLabel: 'as traced' }, b: { lanes, marks: MarkStore.from(b), configLabel: 'FEAT_BBM level 2' }, avoidedLines: [3] });
  const info = q.info();
  assert.deepEqual(info.lanes.map((l) => `${l.config}:${l.id}`), ['A:v0', 'B:v0', 'A:v1', 'B:v1', 'A:host', 'B:host']);
  assert.equal(info.configB, 'FEAT_BBM level 2');
  assert.equal(info.avoidedCount, 1);
  const w = q.window({ t0: 0, t1: 4 }, 4);
  const av = w?.lanes.find((l) => l.lane === 'v0' && l.config === 'A');
  assert.deepEqual(av?.avoided, [1, 0]);
  const st = q.rangeStats({ t0: 0, t1: 4 });
  assert.equal(st?.a.faults.spurious, 1);
  assert.equal(st?.b?.faults.total, 1);
  assert.equal(st?.a.avoided, 1);
});

test('hostile input: NaN timestamps and unknown kinds are skipped, bad windows answer null', () => {
  const marks = [
    { ts: Number.NaN, lane: 'v0', kind: 'fault', line: 1 },
    { ts: 5, lane: 'v9', kind: 'nonsense', line: 2 },
    { ts: 7, lane: 'elsewhere', kind: 'fault', line: 3 },
  ] as unknown as Mark[];
  const q = new TimelineQuery({ a: { lanes, marks: MarkStore.from(marks) } });
  assert.equal(q.a.markCount, 1);
  assert.ok(q.info().lanes.some((l) => l.id === 'elsewhere'), 'a lane seen only in marks still gets a track');
  assert.equal(q.window({ t0: 0, t1: Number.POSITIVE_INFINITY }, 100), null);
  assert.equal(q.window({ t0: 0, t1: 10 }, Number.NaN), null);
  const rev = q.window({ t0: 10, t1: 0 }, 1e9);
  assert.equal(rev?.width, 16384);
  assert.deepEqual(rev?.range, { t0: 0, t1: 10 });
  assert.equal(BIN_CLASS_INDEX.fault, BIN_CLASS_ORDER.indexOf('fault'));
});

test('window coverage per pixel equals a brute-force overlap count, with and without a class filter', () => {
  const rnd = mulberry32(11);
  const marks: Mark[] = Array.from({ length: 3000 }, (_, i) => {
    const ts = Math.floor(rnd() * 100_000);
    return { ts, endTs: ts + Math.floor(rnd() * 5000), lane: i % 3 ? 'v0' : 'v1', kind: 'window' as const, line: i + 1 };
  });
  const ix = new TimelineIndex({ lanes, marks: MarkStore.from(marks) });
  for (const [t0, t1, width] of [[0, 110_000, 97], [20_000, 21_000, 400], [50_000, 90_000, 1]] as const) {
    const fast = ix.windowCoverage(t0, t1, width);
    for (const lane of ['v0', 'v1']) {
      const got = new Array<number>(width).fill(0);
      const cov = fast.find((c) => c.lane === lane);
      cov?.px.forEach((p, k) => (got[p] = cov.open[k]));
      const want = Array.from({ length: width }, (_, i) => {
        const a = binStart(t0, t1, width, i);
        const b = binStart(t0, t1, width, i + 1);
        return marks.filter((m) => m.lane === lane && (i === width - 1 ? m.ts <= b : m.ts < b) && (m.endTs ?? m.ts) >= a).length;
      });
      assert.deepEqual(got, want, `${lane} over [${t0}, ${t1}] at ${width} px`);
    }
    // The filtered walk draws each window from its start pixel to its end pixel: the same pixels where a window is open.
    const filtered = ix.windowCoverage(t0, t1, width, { classes: ['window'] });
    assert.deepEqual(filtered.map((c) => c.lane).sort(), fast.map((c) => c.lane).sort());
  }
});

test('a full mark store shows in the timeline info: how many marks are missing and from when', () => {
  const store = new MarkStore(8);
  for (let i = 0; i < 12; i++) store.push({ ts: 1000 + i, lane: 'v0', kind: 'fault', line: i + 1 });
  const info = new TimelineQuery({ a: { lanes, marks: store } }).info();
  assert.equal(info.markCount, 8);
  assert.deepEqual(info.marksDropped, { count: 4, fromTs: 1008 });
  assert.equal(new TimelineQuery({ a: { lanes, marks: MarkStore.from([]) } }).info().marksDropped, undefined);
});

test('two store lanes renamed to one name draw as one lane, their classes merged worst first', () => {
  const store = MarkStore.from([
    { ts: 1, lane: 'pid:306', kind: 'fault', line: 1 },
    { ts: 2, lane: 'tid:306', kind: 'fault', cls: 'S1', line: 2 },
    { ts: 3, lane: 'pid:306', kind: 'fault', cls: 'S1', line: 3 },
    { ts: 4, lane: 'tid:306', kind: 'fault', line: 4 },
  ]);
  store.renameLanes(() => 'v0');
  const ix = new TimelineIndex({ lanes, marks: store });
  const v0 = ix.laneWindows(0, 5, 5).find((l) => l.bins.lane === 'v0');
  assert.deepEqual(v0?.bins.px, [1, 2, 3, 4]);
  assert.deepEqual(v0?.bins.counts, { S1: [0, 1, 1, 0], fault: [1, 0, 0, 1] });
  assert.deepEqual(v0?.bins.worst, [BIN_CLASS_INDEX.fault, BIN_CLASS_INDEX.S1, BIN_CLASS_INDEX.S1, BIN_CLASS_INDEX.fault]);
  assert.equal(ix.rangeStats(0, 5).perLane.v0, 4);
});

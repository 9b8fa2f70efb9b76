// The viewport math: time <-> pixel round trips, zoom keeps the anchor, pan and clamping, bins
// mapped back to pixels exactly where the server put them, ticks, key map and formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binStart, parseIpa } from '../../../src/shared/timelineProtocol';
import {
  arrowsToDraw, binToPx, clampViewport, dataCovers, describeViewport, fitRange, formatBytes, formatDuration, formatTs, fullView, keyAction, navigate, panBy, POINT_FIT_SPANS, pxToBin, tickStep, ticks, timeToX, wheelZoomFactor, xToTime, zoomAt,
} from '../../../webview/viewport';

const b = { t0: 1_000_000, t1: 2_000_000, minSpan: 1000 };

test('time <-> pixel', () => {
  const vp = { t0: 1000, t1: 2000 };
  assert.equal(timeToX(vp, 500, 1500), 250);
  assert.equal(xToTime(vp, 500, 250), 1500);
  assert.equal(timeToX(vp, 500, 1000), 0);
  assert.equal(timeToX(vp, 500, 2000), 500);
  for (const x of [0, 1, 123.5, 499]) assert.ok(Math.abs(timeToX(vp, 500, xToTime(vp, 500, x)) - x) < 1e-9);
});

test('zoom keeps the time under the anchor pixel, respects the minimum span and the extent', () => {
  const vp = { t0: 1_200_000, t1: 1_600_000 };
  const anchorT = xToTime(vp, 800, 200);
  const z = zoomAt(vp, 800, 4, 200, b);
  assert.equal(z.t1 - z.t0, 100_000);
  assert.ok(Math.abs(xToTime(z, 800, 200) - anchorT) < 1e-6);
  const deep = zoomAt(vp, 800, 1e9, 400, b);
  assert.equal(deep.t1 - deep.t0, 1000, 'never narrower than the minimum span');
  const out = zoomAt(vp, 800, 1e-9, 400, b);
  assert.deepEqual(out, fullView(b));
  assert.deepEqual(fullView(b), { t0: 1_000_000, t1: 2_000_000 });
});

test('pan moves by pixels and stops at the ends of the trace', () => {
  const vp = { t0: 1_400_000, t1: 1_500_000 };
  assert.deepEqual(panBy(vp, 1000, 100, b), { t0: 1_390_000, t1: 1_490_000 });
  assert.deepEqual(panBy(vp, 1000, -100, b), { t0: 1_410_000, t1: 1_510_000 });
  assert.deepEqual(panBy(vp, 1000, 1e7, b), { t0: 980_000, t1: 1_080_000 });
  assert.deepEqual(panBy(vp, 1000, -1e7, b), { t0: 1_920_000, t1: 2_020_000 });
  assert.deepEqual(clampViewport({ t0: Number.NaN, t1: Number.NaN }, b), fullView(b));
});

test('bins map back to the pixels the server binned them at, and pixels to bins at the edges', () => {
  const data = { range: { t0: 0, t1: 1000 }, width: 7 };
  const vp = { t0: 0, t1: 1000 };
  for (let i = 0; i < 7; i++) {
    const [x0, x1] = binToPx(data, i, vp, 7);
    assert.ok(Math.abs(x0 - i) < 1e-9 && Math.abs(x1 - (i + 1)) < 1e-9);
    // The exact edge time belongs to the later bin, as in the server's binning.
    assert.equal(pxToBin(data, timeToX(vp, 7, binStart(0, 1000, 7, i)), vp, 7), i);
  }
  // Reprojected into a zoomed viewport: bin 3 of 7 spans [428.57, 571.43) ns.
  const z = { t0: 400, t1: 600 };
  const [x0, x1] = binToPx(data, 3, z, 200);
  assert.ok(Math.abs(x0 - 28.571428) < 1e-4 && Math.abs(x1 - 171.428571) < 1e-4);
  assert.equal(pxToBin(data, 100, z, 200), 3);
  assert.equal(dataCovers(data, { t0: 0, t1: 1000 }, 7), true);
  assert.equal(dataCovers(data, { t0: 0, t1: 500 }, 7), false, 'twice the resolution is needed');
});

test('ticks are 1-2-5 steps at least 90 px apart; labels as ftrace prints seconds', () => {
  const vp = { t0: 17_214_537_000, t1: 17_224_537_000 }; // 10 ms
  assert.equal(tickStep(vp, 1000), 1_000_000);
  assert.deepEqual(ticks(vp, 1000).slice(0, 2), [17_215_000_000, 17_216_000_000]);
  assert.equal(tickStep({ t0: 0, t1: 1e9 }, 500), 200_000_000);
  assert.equal(formatTs(17_214_537_000, 1000), '17.214537 s');
  assert.equal(formatTs(17_215_000_000, 1_000_000), '17.215 s');
  assert.equal(formatDuration(1500), '1.5 µs');
  assert.equal(formatDuration(2_500_000), '2.500 ms');
  assert.equal(formatBytes(2 * 1024 * 1024), '2.0 MiB');
  assert.equal(describeViewport({ t0: 17_214_000_000, t1: 17_224_000_000 }), '17.21400 s – 17.22400 s (10.000 ms)', 'to 10 µs in a 10 ms view');
  assert.equal(describeViewport({ t0: 995_000, t1: 1_005_000 }), '0.00099500 s – 0.00100500 s (10.0 µs)');
});

test('keyboard and wheel steps', () => {
  assert.deepEqual(keyAction('+', false), { zoom: 2 });
  assert.deepEqual(keyAction('-', true), { zoom: 0.25 });
  assert.deepEqual(keyAction('ArrowLeft', false), { pan: 0.1 });
  assert.deepEqual(keyAction('Home', false), { reset: true });
  assert.equal(keyAction('x', false), undefined);
  assert.equal(wheelZoomFactor(-300, 0), 2);
  assert.equal(wheelZoomFactor(300, 0), 0.5);
  assert.equal(wheelZoomFactor(-3, 1), Math.pow(2, 48 / 300));
});

test('W/S zoom about the centre as +/- do, A/D pan as the arrows do (Perfetto\'s keys), Shift for bigger steps', () => {
  const vp = { t0: 1_400_000, t1: 1_600_000 };
  const centre = (v: { t0: number; t1: number }) => (v.t0 + v.t1) / 2;
  const press = (key: string, shift = false) => navigate(vp, 1000, keyAction(key, shift), b);
  const w = press('w');
  assert.ok(w);
  assert.equal(w.t1 - w.t0, 100_000, 'W halves the span');
  assert.equal(centre(w), centre(vp), 'centred on the same time');
  assert.deepEqual(press('W', true), { t0: 1_475_000, t1: 1_525_000 }, 'Shift+W zooms four times');
  const s = press('s');
  assert.ok(s);
  assert.equal(s.t1 - s.t0, 400_000, 'S doubles the span');
  assert.equal(centre(s), centre(vp));
  assert.deepEqual(press('a'), { t0: 1_380_000, t1: 1_580_000 }, 'A shows earlier time, by a tenth of the view');
  assert.deepEqual(press('d'), { t0: 1_420_000, t1: 1_620_000 }, 'D shows later time');
  assert.deepEqual(press('D', true), { t0: 1_500_000, t1: 1_700_000 }, 'Shift+D by half the view');
  for (const [perfetto, today] of [['w', '+'], ['s', '-'], ['a', 'ArrowLeft'], ['d', 'ArrowRight']] as const) {
    assert.deepEqual(press(perfetto), press(today), `${perfetto} moves the view as ${today} does`);
  }
  assert.deepEqual(press('Home'), fullView(b));
  assert.equal(keyAction('w', false, true), undefined, 'Ctrl/Cmd/Alt+W is VS Code\'s (close editor), not the timeline\'s');
  assert.equal(keyAction('s', false, true), undefined);
});

test('F fits the selection: a mark\'s extent with a margin, an instant in a span around it; M moves nothing', () => {
  const vp = { t0: 1_000_000, t1: 2_000_000 };
  assert.deepEqual(keyAction('f', false), { fit: true });
  assert.deepEqual(keyAction('m', false), { markRange: true });
  const fault = { t0: 1_500_000, t1: 1_510_000 };
  const fitted = navigate(vp, 1000, keyAction('f', false), b, fault);
  assert.ok(fitted);
  assert.ok(fitted.t0 < fault.t0 && fitted.t1 > fault.t1, 'the whole mark in view, its ends off the edges');
  assert.ok(Math.abs(fitted.t1 - fitted.t0 - 12_000) < 1e-6, 'a tenth of its length each side');
  assert.equal((fitted.t0 + fitted.t1) / 2, 1_505_000, 'centred on it');
  const instant = fitRange({ t0: 1_700_000, t1: 1_700_000 }, b);
  assert.deepEqual(instant, { t0: 1_700_000 - (POINT_FIT_SPANS * b.minSpan) / 2, t1: 1_700_000 + (POINT_FIT_SPANS * b.minSpan) / 2 });
  assert.deepEqual(fitRange({ t0: 1_600_000, t1: 1_400_000 }, b), fitRange({ t0: 1_400_000, t1: 1_600_000 }, b), 'a range dragged right to left fits the same');
  const atEnd = fitRange({ t0: 1_999_900, t1: 2_000_000 }, b);
  assert.ok(atEnd.t1 <= 2_020_000, 'kept within the trace and its margin');
  assert.equal(navigate(vp, 1000, keyAction('f', false), b), undefined, 'F with nothing selected does not move the view');
  assert.equal(navigate(vp, 1000, keyAction('m', false), b, fault), undefined, 'M marks; it does not move the view');
});

test('cause arrows of every finding in view: only findings in view, one per lane and 6 px at the finding, at most 150', () => {
  const vp = { t0: 0, t1: 1000 };
  const arrow = (ts: number, lane = 'vCPU 0', line = ts) => ({ from: { lane: 'vCPU 1', ts: ts - 50 }, to: { lane, ts }, line, code: 'S1-lost-race' });
  const sparse = [arrow(100), arrow(500), arrow(900), arrow(1500), arrow(-10)];
  assert.deepEqual(arrowsToDraw(sparse, vp, 1000), { drawn: [arrow(100), arrow(500), arrow(900)], omitted: 0 }, 'findings out of view are not counted');
  const crowded = [arrow(96), arrow(97), arrow(101), arrow(99, 'vCPU 2')];
  const lod = arrowsToDraw(crowded, vp, 1000);
  assert.deepEqual(lod.drawn.map((a) => a.to.ts), [96, 99], 'one per 6 px of a lane: 97 and 101 (pixels 96-101) stand behind 96; vCPU 2 keeps its own');
  assert.equal(lod.omitted, 2);
  const dense = Array.from({ length: 400 }, (_, i) => arrow(i * 2.5));
  const capped = arrowsToDraw(dense, vp, 10_000);
  assert.equal(capped.drawn.length, 150, 'never more than 150 a frame');
  assert.equal(capped.omitted, 250);
  const zoomedIn = arrowsToDraw(dense, { t0: 0, t1: 100 }, 10_000);
  assert.deepEqual([zoomedIn.drawn.length, zoomedIn.omitted], [41, 0], 'zoomed in, every arrow in view is drawn');
});

test('IPA input', () => {
  assert.equal(parseIpa('0x4000_1000'), 0x40001000);
  assert.equal(parseIpa(' 40001000h '), 0x40001000);
  assert.equal(parseIpa('1073741824'), 0x40000000);
  assert.equal(parseIpa('beef'), 0xbeef);
  assert.equal(parseIpa('<img src=x>'), undefined);
  assert.equal(parseIpa('0x'), undefined);
});

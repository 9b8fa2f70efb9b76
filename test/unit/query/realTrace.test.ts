// The timeline over a real replay (../shared/traces/arm64-nested/race4_4k-vhe.trace): four vCPU
// lanes and the host lane; the spurious faults it shows are the analysis's findings, one for one;
// a range selection (pass 1, between its trace markers) counts what the CLI's counting rule counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createAnalyzer } from '../../../src/core';
import { countMarksInRange, TimelineQuery } from '../../../src/core/query';
import { isSpuriousClass, type BinClass } from '../../../src/shared/timelineProtocol';
import { sharedOrSkip } from '../../support/shared';

test('race4_4k: lanes, spurious faults equal to the findings, pass-1 selection equal to the reference count', async (t) => {
  const path = sharedOrSkip(t, 'traces', 'arm64-nested', 'race4_4k-vhe.trace');
  if (!path) return;
  const analyzer = createAnalyzer();
  const [a, b] = await analyzer.analyzeMany(createReadStream(path), [{}, { bbmLevel: 2 }]);
  const cmp = analyzer.compare(a, b);
  const q = new TimelineQuery({ a: { lanes: a.lanes, marks: a.marks }, b: { lanes: b.lanes, marks: b.marks }, avoidedLines: cmp.avoidedLines });
  const info = q.info();
  const laneIds = info.lanes.filter((l) => l.config === 'A').map((l) => l.id);
  assert.equal(laneIds.filter((id) => id.startsWith('vCPU ')).length, 4);
  assert.ok(laneIds.includes('host'));

  const spuriousFindings = a.findings.filter((f) => isSpuriousClass(f.cls as BinClass)).length;
  assert.ok(spuriousFindings > 0);
  const whole = q.rangeStats(info.extent);
  assert.ok(whole);
  assert.equal(whole.a.faults.spurious, spuriousFindings, 'the timeline shows every spurious fault the diagnostics report');
  assert.equal(whole.a.faults.total, a.counters.faults.total);

  // The whole trace in 800 px: the bins add up to the same numbers, and the S1 counts are drawn.
  const w = q.window(info.extent, 800);
  assert.ok(w);
  const aLanes = w.lanes.filter((l) => l.config === 'A');
  const sum = (xs: number[] | undefined) => (xs ?? []).reduce((x, y) => x + y, 0);
  assert.equal(aLanes.reduce((s, l) => s + sum(l.total), 0), whole.a.total);
  const spuriousBinned = aLanes.reduce((s, l) => s + Object.entries(l.counts).reduce((x, [c, arr]) => x + (isSpuriousClass(c as BinClass) ? sum(arr) : 0), 0), 0);
  assert.equal(spuriousBinned, spuriousFindings);
  const avoidedMarks = a.marks.toArray().filter((m) => new Set(cmp.avoidedLines).has(m.line)).length;
  assert.equal(aLanes.reduce((s, l) => s + sum(l.avoided), 0), avoidedMarks);

  // Pass 1, between its begin and end markers.
  const markers = a.marks.toArray().filter((m) => m.kind === 'marker');
  const begin = markers.find((m) => /pass 1 begin/.test(m.label ?? ''));
  const end = markers.find((m) => /pass 1 end/.test(m.label ?? ''));
  assert.ok(begin && end);
  const sel = q.rangeStats({ t0: begin.ts, t1: end.ts });
  assert.deepEqual(sel?.a, countMarksInRange(a.marks, begin.ts, end.ts, undefined, new Set(cmp.avoidedLines)));
  assert.ok((sel?.a.faults.spurious ?? 0) > 0, 'the lost races happen in pass 1');
  // A click on the worst bin of vCPU 0 reveals a line that is a fault of that vCPU.
  const v0 = aLanes.find((l) => l.lane.startsWith('vCPU 0'));
  assert.ok(v0 && v0.px.length > 0);
  const line = v0.line[0];
  assert.ok(a.marks.toArray().some((m) => m.line === line && m.lane === v0.lane));
});

test('unmap_refault: every fault is drawn, the refaults after host unmaps (H1) as their own class', async (t) => {
  const path = sharedOrSkip(t, 'traces', 'arm64-nested', 'unmap_refault-vhe.trace');
  if (!path) return;
  const a = await createAnalyzer().analyze(createReadStream(path));
  const q = new TimelineQuery({ a: { lanes: a.lanes, marks: a.marks } });
  const info = q.info();
  assert.ok(info.classes.includes('H1'));
  const whole = q.rangeStats(info.extent);
  assert.equal(whole?.a.faults.total, a.counters.faults.total);
  assert.equal(whole?.a.faults.byClass.H1, a.counters.faults.byClass.H1);
  assert.equal(a.counters.faults.byClass.H1, 1024);
  assert.equal(info.markCount, a.marks.length, 'no mark of this real trace is left undrawn');
});

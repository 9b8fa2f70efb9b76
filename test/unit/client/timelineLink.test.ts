// The linked pair of a recording diff (src/client/timelineLink.ts): which URI is which side, the
// legend's words and highlight from the diff's verdict per class, the other side's range when one
// moves, the note when the link has no mapping, and nothing while unlinked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassChange, RecordingDiffResult } from '../../../src/shared/protocol';
import { classChangeText, isChanged, TimelineLink } from '../../../src/client/timelineLink';

const classes: ClassChange[] = [
  { cls: 'S5', a: 4088, b: 0, kind: 'once', interval: { lo: 0, hi: 0 }, onceDelta: -4088 },
  { cls: 'S1', a: 10, b: 3, kind: 'significant', interval: { lo: -9.4, hi: -5.6 }, onceDelta: 0 },
  { cls: 'S2', a: 7, b: 9, kind: 'not-significant', interval: { lo: -3, hi: 4 }, onceDelta: 0 },
  { cls: 'S7', a: 2, b: 2, kind: 'same' },
];
const diff: RecordingDiffResult = {
  beforeName: 'eager0.trace',
  afterName: 'eager2m.trace',
  markdown: '',
  totals: [],
  setup: [],
  alignment: '',
  classes,
  pairs: [{ label: 'p', a: { label: 'p', t0: 0, t1: 100 }, b: { label: 'p', t0: 1000, t1: 1400 } }],
  unmatched: [{ side: 'B', phase: { label: 'extra', t0: 1400, t1: 1500 } }],
};

test('the legend highlights what the diff says changed, in the diff\'s words', () => {
  assert.deepEqual(classes.map(isChanged), [true, true, false, false]);
  assert.equal(classChangeText(classes[0]), 'changed: A 4088 → B 0; -4088 in phases that occur once (spread unknown); repeated passes [0, 0]: no significant change');
  assert.equal(classChangeText(classes[1]), 'changed: A 10 → B 3; repeated passes [-9, -6]: significant');
  assert.equal(classChangeText(classes[2]), 'no significant change: A 7 → B 9; repeated passes [-3, +4]');
  assert.equal(classChangeText(classes[3]), 'same: A 2 → B 2');
});

test('one side moves, the other gets the mapped range; no mapping gives a note to both; unlinked does nothing', () => {
  const link = new TimelineLink('file:///a.trace', 'file:///b.trace', diff);
  assert.equal(link.sideOf('file:///a.trace'), 'A');
  assert.equal(link.sideOf('file:///b.trace'), 'B');
  assert.equal(link.sideOf('file:///c.trace'), undefined);
  const a = link.state('A');
  assert.deepEqual({ side: a.side, self: a.self, other: a.other, linked: a.linked, note: a.note }, { side: 'A', self: 'eager0.trace', other: 'eager2m.trace', linked: true, note: undefined });
  assert.deepEqual(a.classes.filter((c) => c.changed).map((c) => c.cls), ['S5', 'S1']);
  assert.deepEqual(link.follow('A', { t0: 25, t1: 50 }), { range: { t0: 1100, t1: 1200 }, noteChanged: false });
  const off = link.follow('B', { t0: 1200, t1: 1450 });
  assert.deepEqual(off, { range: undefined, noteChanged: true });
  assert.match(link.state('A').note ?? '', /^link off at the end of eager2m\.trace's view: eager2m.trace has a phase here that eager0.trace does not \("extra"\)/);
  assert.deepEqual(link.follow('B', { t0: 1200, t1: 1300 }), { range: { t0: 50, t1: 75 }, noteChanged: true });
  assert.equal(link.state('B').note, undefined);
  link.setLinked(false);
  assert.equal(link.state('A').linked, false);
  assert.deepEqual(link.follow('A', { t0: 25, t1: 50 }), { range: undefined, noteChanged: false });
});

test('a diff whose phases cannot be placed in time: the link says so and never maps', () => {
  const link = new TimelineLink('file:///a.trace', 'file:///b.trace', { ...diff, linkUnavailable: 'the trace markers of a recording are not in time order' });
  assert.equal(link.state('A').note, 'link off: the trace markers of a recording are not in time order');
  assert.deepEqual(link.follow('A', { t0: 25, t1: 50 }), { range: undefined, noteChanged: false });
});

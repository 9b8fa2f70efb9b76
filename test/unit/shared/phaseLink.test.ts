// Linked zoom's map between two recordings (src/shared/phaseLink.ts): linear inside each phase
// both recordings have, between its start and end on each side; a phase only one side has, or a
// time outside every phase, has no mapping and the reason names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapRange, mapTime, type PhaseLink } from '../../../src/shared/phaseLink';

// A: phases [0,100] [100,300] (extra) [300,400] [400,600]; B: [1000,1200] [1200,1300] [1300,1700].
const link: PhaseLink = {
  pairs: [
    { label: 'start of trace', a: { label: 'start of trace', t0: 0, t1: 100 }, b: { label: 'start of trace', t0: 1000, t1: 1200 } },
    { label: 'pass 1', a: { label: 'pass 1', t0: 300, t1: 400 }, b: { label: 'pass 1', t0: 1200, t1: 1300 } },
    { label: 'pass 2', a: { label: 'pass 2', t0: 400, t1: 600 }, b: { label: 'pass 2', t0: 1300, t1: 1700 } },
  ],
  unmatched: [{ side: 'A', phase: { label: 'warm-up', t0: 100, t1: 300 } }],
};
const names = { A: 'before.trace', B: 'after.trace' };

test('a time inside a matched phase maps linearly onto the same phase of the other recording, both ways', () => {
  assert.equal(mapTime(link, 'A', 0), 1000);
  assert.equal(mapTime(link, 'A', 50), 1100, 'halfway through the first phase: halfway through B\'s, twice as long');
  assert.equal(mapTime(link, 'A', 350), 1250);
  assert.equal(mapTime(link, 'A', 500), 1500);
  assert.equal(mapTime(link, 'A', 600), 1700);
  assert.equal(mapTime(link, 'B', 1500), 500);
  assert.equal(mapTime(link, 'B', 1250), 350);
  // Across phases the map is piecewise: a range over two phases maps each end through its own phase.
  assert.deepEqual(mapRange(link, 'A', { t0: 350, t1: 500 }, names), { range: { t0: 1250, t1: 1500 } });
  assert.deepEqual(mapRange(link, 'B', { t0: 1000, t1: 1700 }, names), { range: { t0: 0, t1: 600 } });
});

test('outside the matched phases the link is off, and says why', () => {
  assert.equal(mapTime(link, 'A', 200), undefined, 'inside the phase only A has');
  assert.equal(mapTime(link, 'A', -5), undefined, 'before the trace');
  assert.equal(mapTime(link, 'B', 1800), undefined, 'after the trace');
  const inExtra = mapRange(link, 'A', { t0: 200, t1: 500 }, names);
  assert.equal(inExtra.range, undefined);
  assert.equal(inExtra.reason, 'link off at the start of before.trace\'s view: before.trace has a phase here that after.trace does not ("warm-up")');
  const past = mapRange(link, 'A', { t0: 350, t1: 610 }, names);
  assert.equal(past.reason, 'link off at the end of before.trace\'s view: this time is outside the phases both recordings have');
  assert.equal(mapRange({ pairs: [], unmatched: [] }, 'A', { t0: 0, t1: 1 }, names).reason, 'the two recordings have no phase in common');
});

test('a phase of no length on one side maps to the start of its partner', () => {
  const l: PhaseLink = { pairs: [{ label: 'x', a: { label: 'x', t0: 5, t1: 5 }, b: { label: 'x', t0: 10, t1: 20 } }], unmatched: [] };
  assert.equal(mapTime(l, 'A', 5), 10);
  assert.equal(mapTime(l, 'B', 15), 5);
});

// Reading what users paste (issue #20): per-event completeness (a cut event is flagged truncated,
// never stored as if complete), and the repairs stats reports. Fixtures: test/fixtures/pasted/README.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStatsCollector } from '../../../src/core/stats/statsCollector';
import { readTrace } from '../../../src/core/parse/readTrace';
import { collect, chunked } from './collect';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'pasted');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

test('an event cut before the end of its format is flagged truncated, not stored as if complete', async () => {
  const c = await collect(fixture('truncated-events.trace'));
  const byLine = new Map(c.events.map((e) => [e.line, e]));
  assert.equal(byLine.get(1)?.decoded?.truncated, undefined, 'a whole kvm_exit is complete');
  assert.equal(byLine.get(2)?.decoded?.truncated, 'rip');
  assert.equal(byLine.get(3)?.decoded?.truncated, 'info2');
  assert.equal(byLine.get(5)?.decoded?.truncated, undefined);
  assert.equal(byLine.get(6)?.decoded?.truncated, undefined);
  // `reason =` carries no reason: refused with why, never stored with reason "="
  assert.equal(byLine.get(8), undefined);
  const r = c.rejected.find((x) => x.line === 8);
  assert.ok(r && /exit reason "="/.test(r.detail), JSON.stringify(r));
});

test('stats counts truncated events, and each group of unrecognised lines gives its own reason', async () => {
  const stats = createStatsCollector();
  const text = `${fixture('truncated-events.trace')}...\n[ snip ]\n`;
  const read = await readTrace(chunked(text), stats);
  stats.setRead(read);
  const s = stats.result();
  assert.equal(s.reader?.truncatedEvents, 2);
  const details = s.unrecognized.map((g) => `${g.reason}: ${g.detail}`);
  assert.ok(details.some((d) => d.startsWith('undecodable-payload: kvm_exit: the exit reason')), details.join('\n'));
  assert.ok(details.some((d) => d.includes('elision mark')), details.join('\n'));
  assert.ok(details.some((d) => d.includes('no "comm-pid [cpu] timestamp:" prefix')), details.join('\n'));
});

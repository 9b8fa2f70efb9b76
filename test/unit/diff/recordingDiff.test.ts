// `stage2-lens diff`: totals equal the difference of the two analyses' counters (what the two
// `analyze --format json` reports say), phases align by marker kind, and the bootstrap over repeated
// passes says "no significant change" for two recordings of one workload and flags a real change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer, type Analysis } from '../../../src/core/index';
import { alignKeys, diffRecordings, phaseKey } from '../../../src/core/diff/recordingDiff';
import { diffJson, diffMarkdown, diffText } from '../../../src/core/diff/diffReport';
import { ESR, TraceBuilder, analyzeText } from '../replay/traceBuilder';
import { mulberry32 } from '../../support/prng';
import { repoRoot, sharedOrSkip } from '../../support/shared';

/** A recording of `passes` first-touch passes, each after a dirty-log step, with `faults(k)` faults. */
function recording(passes: number, faults: (k: number) => number): string {
  const b = new TraceBuilder();
  let page = 0;
  for (let k = 0; k < passes; k++) {
    b.marker(100, `kvmtest: KVM_GET_DIRTY_LOG end: ${k * 7} dirty pages`);
    b.marker(100, `kvmtest: pass ${k} begin: store sel=a who=* vcpus=2`);
    for (let i = 0; i < faults(k); i++) b.episode(101 + (i % 2), 0x40000000 + page++ * 4096, ESR.transL3w);
    b.marker(100, `kvmtest: pass ${k} end: ${k + 3}.5 ms`);
  }
  return b.text();
}

async function one(text: string): Promise<Analysis> {
  return (await analyzeText(text))[0];
}

test('phase keys drop numbers; alignment survives a missing pass', () => {
  assert.equal(phaseKey('kvmtest: pass 12 begin: pages 0..+512 at 0x40000000'), 'kvmtest: pass # begin: pages #..+# at #');
  const a = ['start', 'x', 'p', 'q', 'p', 'end'];
  const b = ['start', 'p', 'q', 'p', 'end'];
  const pairs = alignKeys(a, b);
  assert.deepEqual(pairs, [[0, 0], [1, undefined], [2, 1], [3, 2], [4, 3], [5, 4]]);
});

test('two recordings of one workload: no significant change; a real change is flagged with its interval', async () => {
  const rndA = mulberry32(1);
  const rndB = mulberry32(2);
  const rndC = mulberry32(3);
  const a = await one(recording(8, () => 40 + Math.floor(rndA() * 9)));
  const same = await one(recording(8, () => 40 + Math.floor(rndB() * 9)));
  const fewer = await one(recording(8, () => 20 + Math.floor(rndC() * 9)));

  const d1 = diffRecordings(a, same);
  assert.equal(d1.setup.length, 0, JSON.stringify(d1.setup));
  assert.ok(d1.repeatedGroups >= 1);
  const f1 = d1.totals.find((r) => r.metric === 'stage-2 faults')!;
  assert.equal(f1.delta, same.counters.faults.total - a.counters.faults.total);
  assert.ok(f1.repeated, JSON.stringify(f1));
  assert.ok(f1.repeated.interval.lo <= 0 && f1.repeated.interval.hi >= 0, `interval spans zero: ${JSON.stringify(f1)}`);
  assert.equal(f1.repeated.significant, false);
  // The first pass has no earlier pass before it: it is a phase of its own kind, shown apart.
  assert.equal(f1.delta, Math.round(f1.repeated.delta + f1.onceDelta!));
  assert.match(diffText(d1, { before: 'a', after: 'b' }), /stage-2 faults .* repeated passes \[[-+]\d+, [-+]?\d+\]: no significant change/);

  const d2 = diffRecordings(a, fewer);
  const f2 = d2.totals.find((r) => r.metric === 'stage-2 faults')!;
  assert.ok(f2.delta < -100);
  assert.ok(f2.repeated && f2.repeated.interval.hi < 0, JSON.stringify(f2));
  assert.equal(f2.repeated.significant, true);
  assert.ok(f2.repeated.interval.lo <= f2.repeated.delta && f2.repeated.delta <= f2.repeated.interval.hi, 'the interval holds the observed delta');
});

test('a self-diff of a real trace is all "same"; every output form says so', async () => {
  const file = join(repoRoot(), 'test', 'fixtures', 'example.trace');
  const a = await createAnalyzer().analyze(createReadStream(file));
  const d = diffRecordings(a, a);
  assert.equal(d.setup.length, 0);
  for (const r of d.totals) assert.equal(r.delta, 0, r.metric);
  const totals = diffText(d, { before: 'x', after: 'x' }).split('\nExit-to-entry')[0];
  assert.doesNotMatch(totals, /significant|changed/);
  assert.match(diffMarkdown(d, { before: 'x', after: 'x' }), /\| stage-2 faults \| 8 \| 8 \| 0 \|/);
  assert.equal(JSON.parse(diffJson(d, { before: 'x', after: 'x' })).totals.length, d.totals.length);
});

test('real recordings lazy vs eager: per-class deltas equal the difference of the two analyses; the set-up difference comes first', async (t) => {
  const lazy = sharedOrSkip(t, 'traces', 'arm64-nested', 'dirty_noeager-vhe.trace');
  const eager = sharedOrSkip(t, 'traces', 'arm64-nested', 'dirty_eager-vhe.trace');
  if (!lazy || !eager) return;
  const [a, b] = await Promise.all([lazy, eager].map((f) => createAnalyzer().analyze(createReadStream(f))));
  const d = diffRecordings(a, b);
  assert.ok(d.setup.some((s) => s.what === 'detected eagerSplit'), JSON.stringify(d.setup));
  for (const cls of new Set([...Object.keys(a.counters.faults.byClass), ...Object.keys(b.counters.faults.byClass)])) {
    const row = d.totals.find((r) => r.metric === `faults ${cls}`);
    const want = ((b.counters.faults.byClass as Record<string, number>)[cls] ?? 0) - ((a.counters.faults.byClass as Record<string, number>)[cls] ?? 0);
    if (want || row) assert.equal(row?.delta, want, cls);
  }
  assert.equal(d.totals.find((r) => r.metric === 'eager splits')!.delta, b.counters.splits.eager - a.counters.splits.eager);
  const text = diffText(d, { before: 'lazy', after: 'eager' });
  assert.ok(text.indexOf('Set-up differences') < text.indexOf('Totals'));
});

test('two real recordings of one configuration: no set-up difference, and no significant change in any total with repeated passes', async () => {
  const dir = join(repoRoot(), 'test', 'fixtures', 'recorded', 'diff-same');
  const [a, b] = await Promise.all(['diffsame_a.trace.gz', 'diffsame_b.trace.gz'].map((f) => createAnalyzer().analyze(createReadStream(join(dir, f)))));
  const d = diffRecordings(a, b);
  assert.deepEqual(d.setup, [], 'the same kernel, CPU and VMM arguments (detections citing other lines are the same)');
  assert.ok(d.repeatedGroups >= 1);
  for (const r of d.totals) if (r.repeated) assert.equal(r.repeated.significant, false, `${r.metric}: ${JSON.stringify(r.repeated)}`);
  assert.equal(d.totals.find((r) => r.metric === 'faults S5')?.delta, 0, 'the split cascade is the workload\'s: the same in both');
});


// The x86 replay's own output through the facade (Analysis.x86) and the text report for x86: the
// per-pass tallies of a real recording (../shared/traces/x86-nested, skipped when absent) and the
// arch-aware summary wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createAnalyzer } from '../../../src/core/index';
import { reportText } from '../../../src/core/report/reportText';
import { sharedOrSkip } from '../../support/shared';

test('x86: Analysis.x86 carries the pass tallies, eager-split summary and fast-path failures; text shows them', async (t) => {
  const p = sharedOrSkip(t, 'traces', 'x86-nested', 'dirty_noeager-tdp1.trace.gz');
  if (!p) return;
  const a = await createAnalyzer().analyze(createReadStream(p));
  assert.equal(a.arch, 'x86');
  const x = a.x86;
  assert.ok(x);
  const withFaults = x.segments.filter((s) => s.faults > 0);
  assert.deepEqual(withFaults.map((s) => s.faults), [10, 18, 8192, 8192, 16]);
  assert.equal(x.eagerSplit.trace, 'N');
  assert.equal(x.eagerSplit.faultSplits, 16);
  assert.deepEqual(x.fastPathFailures, { 'huge-page-under-dirty-logging': 16 });
  assert.equal(x.hugePagesRecovered, 16);
  const text = reportText(a, { source: 'x.trace' });
  assert.match(text, /^ {2}16428 NPT faults: 16390 needed \(no finding class applies\); 32 by design \(S5 16, X3 16\); 6 inherent races \(X1 6\)$/m);
  assert.match(text, /16 huge-page splits in the fault path, 0 eager splits, 16 huge-page recoveries/);
  assert.doesNotMatch(text, /stage-2 faults|cache-maintenance calls|break-before-make/);
  assert.match(text, /^Passes \(5 with faults\)$/m);
  assert.match(text, /^ {2}line 281 pass 2 begin: store sel=a who=\/ vcpus=4: 8192 faults on 8192 pages, 0 duplicates; fast path 8192 \(8176 fixed, 0 spurious, 16 neither\)/m);
  assert.match(text, /fast-path failures: huge-page-under-dirty-logging 16/);
});

test('arm64 analyses carry no x86 block', async () => {
  const bytes = new TextEncoder().encode('# tracer: nop\n');
  const a = await createAnalyzer().analyze({ async *[Symbol.asyncIterator]() { yield bytes; } });
  assert.equal(a.arch, 'arm64');
  assert.equal(a.x86, undefined);
  // No KVM event: the report says what the trace holds instead of judging it.
  assert.match(reportText(a), /Nothing to judge: the trace holds 0 events \(\) and no KVM event/);
  assert.doesNotMatch(reportText(a), /No findings/);
});

// Golden reports: test/fixtures/example.trace in, the exact text report out (test/golden/, reviewed
// in the diff; regenerate with STAGE2_LENS_UPDATE_GOLDEN=1). Plus the JSON shape the issue asks for,
// SARIF 2.1.0 structure, Markdown escaping of hostile trace text, and a what-if comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalyzer } from '../../../src/core/index';
import { reportText } from '../../../src/core/report/reportText';
import { reportJson } from '../../../src/core/report/reportJson';
import { reportSarif } from '../../../src/core/report/reportSarif';
import { reportMarkdown } from '../../../src/core/report/reportMarkdown';
import { repoRoot } from '../../support/shared';

const example = join(repoRoot(), 'test', 'fixtures', 'example.trace');

async function analyzeExample(configs: object[] = [{}]) {
  return createAnalyzer().analyzeMany(createReadStream(example), configs);
}

function golden(name: string, actual: string): void {
  const p = join(repoRoot(), 'test', 'golden', name);
  if (process.env.STAGE2_LENS_UPDATE_GOLDEN) writeFileSync(p, actual);
  assert.equal(actual, readFileSync(p, 'utf8'));
}

test('example.trace: the text report is the golden one', async () => {
  const [a] = await analyzeExample();
  const levers = await createAnalyzer().checkLevers(async () => createReadStream(example), a);
  golden('example.analyze.txt', reportText(a, { source: 'test/fixtures/example.trace', levers }));
});

test('example.trace: one of each headline finding', async () => {
  const [a] = await analyzeExample();
  const by: Record<string, number> = {};
  for (const f of a.findings) by[f.code] = (by[f.code] ?? 0) + 1;
  assert.deepEqual(by, { 'S1-lost-race': 1, 'S2-bbm-window': 1, 'S5-split-cascade': 2, 'C4-reclean-mapped': 1 });
  assert.deepEqual(a.lanes.map((l) => l.id), ['vCPU 0 (CPU 0/KVM-4101)', 'vCPU 1 (CPU 1/KVM-4102)', 'vCPU 2 (CPU 2/KVM-4103)', 'host']);
  assert.equal(a.marks.toArray().filter((m) => m.kind === 'window').length, 2);
  assert.equal(a.marks.toArray().filter((m) => m.kind === 'marker').length, 6);
});

test('JSON report has the issue\'s shape', async () => {
  const [a] = await analyzeExample();
  const j = JSON.parse(reportJson(a));
  assert.equal(j.counters.faults.total, 8);
  assert.equal(j.counters.faults.byClass.S1, 1);
  assert.ok(j.counters.cmo && j.counters.tlbi);
  assert.deepEqual(Object.keys(j.findings[0]).filter((k) => ['code', 'line', 'vcpu', 'ipa', 'observed'].includes(k)).sort(), ['code', 'ipa', 'line', 'observed', 'vcpu']);
  assert.equal(j.config.arch, 'arm64');
  assert.deepEqual(j.timeline, { marks: a.marks.length, dropped: 0 });
  assert.ok(a.marks.length > 0);
});

test('SARIF 2.1.0: rules per code, results at trace lines with related locations', async () => {
  const [a] = await analyzeExample();
  const s = JSON.parse(reportSarif(a, { uri: 'example.trace' }));
  assert.equal(s.version, '2.1.0');
  const run = s.runs[0];
  assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id).sort(), ['C4-reclean-mapped', 'S1-lost-race', 'S2-bbm-window', 'S5-split-cascade']);
  assert.equal(run.results.length, a.findings.length);
  const s2 = run.results.find((r: { ruleId: string }) => r.ruleId === 'S2-bbm-window');
  assert.equal(s2.locations[0].physicalLocation.region.startLine, 56);
  assert.equal(s2.relatedLocations[0].physicalLocation.region.startLine, 52);
  assert.equal(s2.level, 'warning');
});

test('Markdown escapes trace text', async () => {
  const [a] = await analyzeExample();
  a.findings[0].vcpu = '<img src=x onerror=alert(1)>';
  const md = reportMarkdown(a);
  assert.ok(!/(^|[^\\])<img/.test(md), 'no raw HTML');
  assert.ok(md.includes('\\<img'));
});

test('what-if: FEAT_BBM 2 removes the window fault and both windows', async () => {
  const [a, b] = await analyzeExample([{}, { bbmLevel: 2 }]);
  const c = createAnalyzer().compare(a, b);
  assert.deepEqual(c.faults.byClass.S2, { a: 1, b: 0 });
  assert.deepEqual([c.invalidWindows.a, c.invalidWindows.b], [2, 0]);
  assert.equal(c.faults.b, c.faults.a - 1);
  assert.equal(c.vcpuTimeSavedNs, 20_000);
  assert.deepEqual(c.avoidedLines, [56]);
  assert.deepEqual(c.perRegion, { '0x40200000': { a: 6, b: 5 } });
  assert.deepEqual(a.counters.perRegion?.['0x40000000'], { faults: 2, byClass: { S1: 1 } });
});

// Findings -> diagnostics: one per finding on its line with code, codeDescription and related
// lines; per-class severity and `off`; the maxCount cap keeps the most severe and adds one summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding, FindingClass, Severity } from '../../../src/core/domain/types';
import { findingsToDiagnostics } from '../../../src/server/diagnostics';
import { normalizeSettings } from '../../../src/shared/settings';

function finding(line: number, cls: FindingClass, severity: Severity, code = `${cls}-x`): Finding {
  return { code, cls, severity, line, ts: line * 1000, vcpu: 'vCPU 0 (t-1)', ipa: { start: 0x1000, size: 4096 }, message: `m${line}`, related: [{ line: 2, message: 'mapped here' }], observed: true, costNs: 10 };
}

const findings = [finding(10, 'S1', 'information'), finding(5, 'S2', 'warning'), finding(7, 'S7', 'hint'), finding(3, 'C3', 'warning')];

test('one diagnostic per finding, on its line (0-based), with code, doc link and related lines', () => {
  const d = findingsToDiagnostics(findings, 'file:///t.trace', normalizeSettings({}), '/docs/findings', (l) => (l === 9 ? 42 : undefined));
  assert.deepEqual(d.map((x) => [x.range.start.line, x.code, x.severity]), [[9, 'S1-x', 3], [4, 'S2-x', 2], [6, 'S7-x', 4], [2, 'C3-x', 2]]);
  assert.equal(d[0].range.end.character, 42);
  assert.equal(d[0].source, 'stage2-lens');
  assert.equal(d[0].codeDescription?.href, 'file:///docs/findings/S1.md');
  assert.equal(d[0].message, 'm10');
  assert.deepEqual(d[0].relatedInformation, [{ location: { uri: 'file:///t.trace', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } } }, message: 'mapped here' }]);
});

test('stage2Lens.diagnostics.severity overrides a class, and off hides it', () => {
  const d = findingsToDiagnostics(findings, 'file:///t.trace', normalizeSettings({ diagnostics: { severity: { S1: 'error', S7: 'off' } } }), '/d');
  assert.deepEqual(d.map((x) => [x.code, x.severity]), [['S1-x', 1], ['S2-x', 2], ['C3-x', 2]]);
});

test('past maxCount: the most severe are kept in line order, plus one summary diagnostic on line 1', () => {
  const d = findingsToDiagnostics(findings, 'file:///t.trace', normalizeSettings({ diagnostics: { maxCount: 2 } }), '/d');
  assert.equal(d.length, 3);
  assert.equal(d[0].code, 'too-many-findings');
  assert.equal(d[0].range.start.line, 0);
  assert.match(d[0].message as string, /^2 more findings are not shown \(stage2Lens\.diagnostics\.maxCount is 2\)/);
  assert.deepEqual(d.slice(1).map((x) => x.code), ['C3-x', 'S2-x']);
  assert.equal(findingsToDiagnostics(findings, 'u', normalizeSettings({ diagnostics: { maxCount: 4 } }), '/d').length, 4);
});

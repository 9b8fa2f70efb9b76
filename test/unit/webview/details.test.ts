// What the details panel and the legend are made of (src/shared/timelineProtocol.ts): a hover's
// Markdown turned into plain-text lines (never HTML), the mark the timeline holds for a line, and
// the legend's titles taken from the finding catalog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FINDING_CLASSES } from '../../../src/core/catalog/findings';
import { BIN_CLASS_ORDER, binClassTitle, causeLane, isFindingClass, markdownToPlainLines, markOfLine, traceLineTimestampNs, type LaneInfo, type MarkDetail } from '../../../src/shared/timelineProtocol';

test('a hover as plain text: emphasis, code spans, escapes and link targets dropped, rules and blank lines gone', () => {
  const md = [
    '**S1-lost-race**: Lost race (observed)',
    '',
    'vCPU 1 faulted on `0x40001000` after vCPU 0 mapped it\\.',
    '',
    'Cause:',
    '- [line 12](file:///t.trace#L12): the map that won',
    '',
    '---',
    '',
    '_The model has no entry for IPA `0x8000` at line 3._',
    '[About S1](file:///docs/findings/S1.md)',
  ].join('\n');
  assert.deepEqual(markdownToPlainLines(md), [
    'S1-lost-race: Lost race (observed)',
    'vCPU 1 faulted on 0x40001000 after vCPU 0 mapped it.',
    'Cause:',
    '- line 12: the map that won',
    'The model has no entry for IPA 0x8000 at line 3.',
    'About S1',
  ]);
  assert.deepEqual(markdownToPlainLines('About S1\n[Reveal in Timeline](command:stage2Lens.revealInTimeline?%5B%22u%22%2C3%5D)'), ['About S1'], 'a command link is an action, not text');
  assert.deepEqual(markdownToPlainLines('<img src=x onerror=alert(1)>'), ['<img src=x onerror=alert(1)>'], 'markup stays text, for textContent');
  assert.deepEqual(markdownToPlainLines('| a | b |\n| --- | --- |\n| 1 | 2 |'), ['| a | b |', '| 1 | 2 |'], 'a table keeps its rows, loses its rule');
});

test('the mark of a line: configuration A first, nothing for another line', () => {
  const m = (line: number, config: 'A' | 'B'): MarkDetail => ({ lane: 'vCPU 0', config, ts: 5, kind: 'fault', cls: 'fault', line, avoided: false });
  assert.equal(markOfLine([m(7, 'B'), m(7, 'A')], 7)?.config, 'A');
  assert.equal(markOfLine([m(7, 'B')], 7)?.config, 'B', 'only in B: that one');
  assert.equal(markOfLine([m(6, 'A'), m(8, 'A')], 7), undefined);
});

test('legend titles: every finding class by its catalog title, every mark kind named', () => {
  for (const e of FINDING_CLASSES) {
    assert.equal(isFindingClass(e.cls), true);
    assert.equal(binClassTitle(e.cls), e.title);
  }
  for (const c of BIN_CLASS_ORDER.filter((x) => !isFindingClass(x))) assert.notEqual(binClassTitle(c), c, `${c} has a title`);
  assert.equal(binClassTitle('window'), 'Invalid window (break-before-make)');
});

test('a cause without a mark of its own is placed by its line\'s timestamp and the lane its message names', () => {
  assert.equal(traceLineTimestampNs('       kvmtest-207     [003] .....    17.294352: kprobe_kvm_pgtable_stage2_map: (0xffff8000)'), 17_294_352_000);
  assert.equal(traceLineTimestampNs('  CPU 0/KVM-1234  [001] d..2. 1234.000000001: kvm_entry: vcpu 0'), 1_234_000_000_001);
  assert.equal(traceLineTimestampNs('# tracer: nop'), undefined);
  assert.equal(traceLineTimestampNs('vCPU 3 mapped 0x40001000 at 17.5'), undefined, 'a number without the colon is no timestamp');
  const lanes: LaneInfo[] = [
    { id: 'vCPU 1 (kvmtest-205)', label: 'vCPU 1 (kvmtest-205)', config: 'A' },
    { id: 'vCPU 12 (kvmtest-216)', label: 'vCPU 12 (kvmtest-216)', config: 'A' },
    { id: 'vCPU 1 (kvmtest-205)', label: 'vCPU 1 (kvmtest-205)', config: 'B' },
  ];
  assert.equal(causeLane({ line: 88, message: 'vCPU 12 (kvmtest-216) mapped it here' }, lanes), 'vCPU 12 (kvmtest-216)');
  assert.equal(causeLane({ line: 88, message: 'vCPU 1 (kvmtest-205) mapped it here' }, lanes), 'vCPU 1 (kvmtest-205)');
  assert.equal(causeLane({ line: 88, message: 'the host unmapped it', lane: 'host' }, lanes), 'host', 'a cause with a mark: that mark\'s lane');
  assert.equal(causeLane({ line: 88, message: 'a split opened the window' }, lanes), undefined, 'no lane named: no arrow');
});

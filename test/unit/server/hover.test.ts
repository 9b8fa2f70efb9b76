// Hover building: decoded fields and ESR, the model state with links, finding explanations, and
// trace text escaped so it cannot become Markdown structure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis, EntryState } from '../../../src/core/api';
import type { TraceEvent } from '../../../src/core/parse/types';
import { decodeEsr } from '../../../src/core/parse/esr';
import { buildHover, escapeMarkdown } from '../../../src/server/hover';
import { MarkStore } from '../../../src/core/marks/markStore';

const event: TraceEvent = {
  line: 92, offset: 0, task: 'kvm*test[1](x)', pid: 207, cpu: 3, ts: 17304062000, name: 'kvm_guest_fault', payload: '',
  decoded: { kind: 'arm64.kvm_guest_fault', ipa: 0x100000, esr: 0x93c38046, far: 0x100000n, pc: 0x10000074n, esrInfo: decodeEsr(0x93c38046) },
};
const state: EntryState = { ipa: 0x100000, level: 3, leaf: 'page', size: 4096, perms: 'rw-', mappedAtLine: 88, mappedBy: 'vCPU 3 (kvmtest-207)', invalidWindowOpen: true, lastCmoLine: undefined, observed: true };

function analysis(stateAt: Analysis['stateAt']): Analysis {
  return {
    arch: 'arm64', config: {} as Analysis['config'], detected: [], counters: {} as Analysis['counters'], lanes: [], marks: new MarkStore(),
    stats: { format: 'ftrace', lines: { total: 1, events: 1, unrecognized: 0, special: 0 }, firstTs: 0, lastTs: 0, events: {}, perTask: {}, faultsByClassLevel: {}, unrecognized: [], lostEvents: [], timestampsBackwards: 0, lacks: ['no map probes'] },
    coverage: [{ analysis: 'lost-races', support: 'inferred', why: 'no | probes', add: ['kprobe x'] }],
    findings: [{ code: 'S1-lost-race', cls: 'S1', severity: 'information', line: 92, ts: 0, vcpu: 'v', ipa: undefined, message: 'Lost [race](http://evil)', related: [{ line: 88, message: 'mapped' }], observed: false, costNs: 2500 }],
    stateAt,
  };
}

test('an event line shows decoded fields, the ESR and the model state with line links', () => {
  const h = buildHover({ uri: 'file:///t.trace', line: 92, analysis: analysis(() => state), event, docsRoot: '/docs', analyzing: false });
  const text = (h?.contents as { value: string }).value;
  assert.ok(text.includes('**kvm\\_guest\\_fault** · kvm\\*test\\[1\\](x)\\-207 · CPU 3 · 17.304062 s'), text);
  assert.ok(text.includes('- ipa: `0x100000`'));
  assert.ok(text.includes('ESR `0x93c38046`: EC 0x24 **DABT_LOW** · translation fault, level 2'));
  assert.ok(text.includes('WnR=1 (write) · S1PTW=0'));
  assert.ok(text.includes('- level 3 page, 4.0 KiB, permissions `rw-`'));
  assert.ok(text.includes('- mapped by vCPU 3 (kvmtest-207) at [line 88](file:///t.trace#L88)'));
  assert.ok(text.includes('- invalid window open: **yes**'));
  assert.ok(text.includes('- last cache maintenance: none'));
  assert.ok(text.includes('**S1-lost-race**: Lost race (inferred)'));
  assert.ok(text.includes('Lost \\[race\\](http://evil)'), 'trace-derived text cannot make links');
  assert.ok(text.includes('Levers: no lever avoids it (inherent races)'));
  assert.ok(text.includes('[About S1](file:///docs/S1.md)'));
});

test('line 1 shows coverage; an engine error in stateAt does not break the hover', () => {
  const h = buildHover({ uri: 'u', line: 1, analysis: analysis(() => { throw new Error('boom'); }), event: { ...event, line: 1 }, docsRoot: '/d', analyzing: false });
  const text = (h?.contents as { value: string }).value;
  assert.ok(text.includes('| lost-races | inferred | no \\| probes | kprobe x |'));
  assert.ok(text.includes('- no map probes'));
  assert.ok(text.includes('_The model has no entry for IPA `0x100000` at line 1._'));
  assert.equal(buildHover({ uri: 'u', line: 5, analysis: undefined, event: undefined, docsRoot: '/d', analyzing: true }), null);
});

test('escapeMarkdown neutralises emphasis, links, code, tables, HTML and line-start structure', () => {
  assert.equal(escapeMarkdown('# a*b_[c](d)`e`|<img>'), '\\# a\\*b\\_\\[c\\](d)\\`e\\`\\|\\<img\\>');
  assert.equal(escapeMarkdown('1. x'), '\\1. x');
  // control characters from a trace come out as visible escapes (then Markdown-escaped)
  assert.equal(escapeMarkdown('\x1b[31mred\x07\u009b'), '\\\\e\\[31mred\\\\x07\\\\x9b');
});

test('a finding\'s hover links "Reveal in Timeline" with its trace and line; a line without a finding has no link', () => {
  const uri = 'file:///home/u/run (2).trace';
  const text = (buildHover({ uri, line: 92, analysis: analysis(() => state), event, docsRoot: '/docs', analyzing: false })?.contents as { value: string }).value;
  const links = [...text.matchAll(/\[Reveal in Timeline\]\(([^)]*)\)/g)].map((m) => m[1]);
  assert.equal(links.length, 1, text);
  // the target ends at the first ')': the file name's parentheses are encoded
  const [, command, args] = /^command:([\w.]+)\?(.*)$/.exec(links[0]) ?? [];
  assert.equal(command, 'stage2Lens.revealInTimeline');
  assert.deepEqual(JSON.parse(decodeURIComponent(args)), [uri, 92]);
  const other = (buildHover({ uri, line: 93, analysis: analysis(() => state), event: { ...event, line: 93 }, docsRoot: '/docs', analyzing: false })?.contents as { value: string }).value;
  assert.ok(!other.includes('command:'), other);
});

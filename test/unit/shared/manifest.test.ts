// The editor part of package.json: the ftrace language (extensions, first-line detection), the
// grammar and language configuration files, the commands with their fixed titles and category,
// activation for the timeline serializer, and untrusted-workspace support.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/shared';
import { FINDING_CLASSES, findingPage } from '../../../src/core/catalog/findings';

interface Manifest {
  main: string;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: boolean } };
  contributes: {
    languages: { id: string; aliases: string[]; extensions: string[]; firstLine: string; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string }[]>;
  };
}

const root = repoRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

test('the ftrace language: aliases, extensions, first lines of ftrace and trace-cmd report text', () => {
  const [lang] = pkg.contributes.languages;
  assert.equal(lang.id, 'ftrace');
  assert.deepEqual(lang.aliases, ['KVM ftrace', 'ftrace']);
  assert.deepEqual(lang.extensions, ['.trace', '.ftrace']);
  const first = new RegExp(lang.firstLine);
  for (const yes of ['# tracer: nop', '# tracer: function_graph', 'cpus=4', 'version = 6']) assert.ok(first.test(yes), yes);
  for (const no of ['#tracer', 'cpus=four', 'hello', '  kvmtest-207 [003] ..... 17.2: kvm_entry: PC: 0x0']) assert.ok(!first.test(no), no);
  assert.ok(existsSync(join(root, lang.configuration)));
  const [grammar] = pkg.contributes.grammars;
  assert.deepEqual([grammar.language, grammar.scopeName], ['ftrace', 'source.ftrace']);
  assert.equal((JSON.parse(readFileSync(join(root, grammar.path), 'utf8')) as { scopeName: string }).scopeName, 'source.ftrace');
});

test('the commands have the fixed ids, titles and category', () => {
  assert.deepEqual(pkg.contributes.commands.map((c) => [c.command, c.title, c.category]), [
    ['stage2Lens.replayWith', 'Replay with Configuration...', 'Stage-2 Lens'],
    ['stage2Lens.compare', 'Compare Two Configurations...', 'Stage-2 Lens'],
    ['stage2Lens.compareWithTrace', 'Compare with Another Trace...', 'Stage-2 Lens'],
    ['stage2Lens.showTimeline', 'Show Timeline', 'Stage-2 Lens'],
    ['stage2Lens.revealInTimeline', 'Reveal in Timeline', 'Stage-2 Lens'],
    ['stage2Lens.exportReport', 'Export Report...', 'Stage-2 Lens'],
    ['stage2Lens.showCoverage', 'Show Trace Coverage', 'Stage-2 Lens'],
    ['stage2Lens.restartServer', 'Restart Server', 'Stage-2 Lens'],
    ['stage2Lens.createRecordingScript', 'Create Recording Script...', 'Stage-2 Lens'],
    ['stage2Lens.showSummary', 'Show Summary', 'Stage-2 Lens'],
  ]);
  const known = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(pkg.contributes.menus)) for (const item of items) assert.ok(known.has(item.command), `${menu}: ${item.command}`);
});

test('every contributed command has one factory in the command table (src/client/commands.ts)', () => {
  // The client imports vscode, so it cannot load here: the table is read as text (its keys are literal ids).
  const source = readFileSync(join(root, 'src', 'client', 'commands.ts'), 'utf8');
  const table = /export const COMMANDS[^=]*= \{([^}]*)\}/.exec(source)?.[1] ?? '';
  const ids = [...table.matchAll(/'(stage2Lens\.[A-Za-z]+)':\s*[A-Za-z]+,/g)].map((m) => m[1]);
  assert.deepEqual([...ids].sort(), pkg.contributes.commands.map((c) => c.command).sort());
});

test('activation, entry point and untrusted workspaces', () => {
  assert.equal(pkg.main, './dist/client/extension.js');
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:stage2Lens.timeline'));
  assert.ok(pkg.activationEvents.includes('onLanguage:ftrace'));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);
});

test('the grammar\'s line patterns recognise real event and marker lines', () => {
  const g = JSON.parse(readFileSync(join(root, 'syntaxes', 'ftrace.tmLanguage.json'), 'utf8')) as { repository: Record<string, { begin: string }> };
  const event = new RegExp(g.repository['event-line'].begin);
  const marker = new RegExp(g.repository['marker-line'].begin);
  const fault = '         kvmtest-207     [003] .....    17.292912: kvm_guest_fault: ipa 0x10000000, hsr 0x82000005, hxfar 0x10000000, pc 0x00000010000000';
  assert.deepEqual(event.exec(fault)?.slice(1), ['kvmtest', '207', undefined, '[003]', '.....', '17.292912', 'kvm_guest_fault']);
  assert.equal(event.exec('  CPU 1/KVM-4242  (   4200) [001] d..1. 123.000001: s2_map: (kvm_pgtable_stage2_map+0x0/0x1d0) addr=0x1000')?.[7], 's2_map');
  assert.equal(event.exec('         kvmtest-248   [000]   104.061558: function:              kvm_arch_prepare_memory_region <-- kvm_set_memslot')?.[7], 'function');
  assert.equal(marker.exec('         kvmtest-203     [003] .....    17.268845: tracing_mark_write: kvmtest: pass 0 begin')?.[7], 'tracing_mark_write');
});

test('every finding class has the documentation page its diagnostics link to', () => {
  for (const { cls } of FINDING_CLASSES) {
    const page = join(root, 'docs', 'findings', findingPage(cls));
    assert.ok(existsSync(page), `${cls}: ${page}`);
    assert.match(readFileSync(page, 'utf8'), new RegExp(`^# ${cls}: `));
  }
});

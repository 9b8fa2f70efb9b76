// Extension-host tests of the installed Stage-2 Lens, inside real VS Code: the trace gets language
// `ftrace`, diagnostics (source `stage2-lens`, code = finding code) equal the engine's findings,
// the hover decodes the ESR and shows the model state, every `stage2Lens.*` command is registered,
// a `stage2Lens.*` setting change re-runs the analysis, Show Timeline opens "Stage-2 Timeline: <file>"
// where `stage2Lens.timeline.openIn` says, and Reveal in Timeline is offered by the quick fix, the
// hover's link and a code lens.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../../../src/core/domain/types';

const EXTENSION_ID = 'stage2-lens.stage2-lens';
const SOURCE = 'stage2-lens';
const COMMANDS: Record<string, string> = {
  'stage2Lens.replayWith': 'Replay with Configuration...',
  'stage2Lens.compare': 'Compare Two Configurations...',
  'stage2Lens.showTimeline': 'Show Timeline',
  'stage2Lens.revealInTimeline': 'Reveal in Timeline',
  'stage2Lens.exportReport': 'Export Report...',
  'stage2Lens.showCoverage': 'Show Trace Coverage',
  'stage2Lens.restartServer': 'Restart Server',
  'stage2Lens.createRecordingScript': 'Create Recording Script...',
  'stage2Lens.showSummary': 'Show Summary',
};
const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this extension host`);
  return ext;
}

/** The trace under test: given by the harness, else the first *.trace of the workspace. */
function tracePath(): string {
  const given = process.env.STAGE2_E2E_TRACE;
  if (given && existsSync(given)) return given;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const hit = readdirSync(folder.uri.fsPath).find((f) => f.endsWith('.trace'));
    if (hit) return join(folder.uri.fsPath, hit);
  }
  throw new Error('no trace: set STAGE2_E2E_TRACE or open a folder with a .trace file');
}

/** The engine's findings: computed by the harness, else by the extension's own CLI. */
function expectedFindings(trace: string): Finding[] {
  const file = process.env.STAGE2_E2E_EXPECTED;
  const text = file && existsSync(file)
    ? readFileSync(file, 'utf8')
    : execFileSync(process.execPath, [join(extension().extensionPath, 'dist', 'cli', 'main.js'), 'analyze', trace, '--format', 'json'], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, // under @vscode/test-electron execPath is Electron
      });
  const json = JSON.parse(text) as Finding[] | { findings: Finding[] };
  return Array.isArray(json) ? json : json.findings;
}

/** Resolves once `check()` returns a value, re-checking on every diagnostics change; rejects after timeoutMs. */
function waitForDiagnostics<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (value: T) => {
      sub.dispose();
      clearTimeout(timer);
      resolve(value);
    };
    const sub = vscode.languages.onDidChangeDiagnostics(() => {
      const v = check();
      if (v !== undefined) done(v);
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const now = check();
    if (now !== undefined) done(now);
  });
}

/**
 * The first data abort (EC 0x24) on guest RAM (IPA >= 0x40000000, not MMIO) at an IPA already
 * faulted 30+ lines earlier, so the model has an entry to show (same choice as run.mjs). 0-based, -1 when none.
 */
function repeatFaultIndex(lines: string[]): number {
  const first = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const m = /kvm_guest_fault: ipa 0x([0-9a-f]+), hsr 0x9[23]/.exec(lines[i]);
    if (!m || parseInt(m[1], 16) < 0x40000000) continue;
    const seen = first.get(m[1]);
    if (seen === undefined) first.set(m[1], i);
    else if (i - seen >= 30) return i;
  }
  return -1;
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code ?? '');
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

describe('Stage-2 Lens in the extension host', function () {
  let uri: vscode.Uri;
  let lines: string[];
  let cachedFindings: Finding[] | undefined;
  // Computed on first use, so a CLI that cannot analyse yet fails only the tests that need it.
  const findings = (): Finding[] => (cachedFindings ??= expectedFindings(uri.fsPath));

  before(async function () {
    const trace = tracePath();
    uri = vscode.Uri.file(trace);
    lines = readFileSync(trace, 'utf8').split('\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
  });

  it('opens a .trace as language ftrace and activates', async function () {
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'ftrace', 'package.json contributes.languages must map *.trace to id "ftrace"');
    const ext = extension();
    const deadline = Date.now() + 15_000;
    while (!ext.isActive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(ext.isActive, 'the extension did not activate on opening a trace (activationEvents onLanguage:ftrace)');
  });

  it('publishes one diagnostic per finding: same lines, codes and severities', async function () {
    const expected = findings();
    const settled = await waitForDiagnostics(
      () => {
        const d = ours(uri);
        return d.length >= expected.length && d.length > 0 ? d : undefined;
      },
      60_000,
      `${expected.length} diagnostics with source "${SOURCE}" on ${uri.fsPath}`,
    );
    const got = settled.map((d) => `${d.range.start.line + 1}|${codeOf(d)}|${d.severity}`).sort();
    const want = expected.map((f) => `${f.line}|${f.code}|${SEVERITY[f.severity]}`).sort();
    assert.equal(got.length, want.length, 'diagnostic count = finding count');
    assert.deepEqual(got, want);
  });

  it('hover on a kvm_guest_fault line decodes the ESR and shows the model state', async function () {
    const index = repeatFaultIndex(lines);
    assert.ok(index >= 0, 'the trace has a repeated data-abort kvm_guest_fault on guest RAM');
    const line = lines[index];
    const ipa = /ipa 0x([0-9a-f]+)/.exec(line)![1];
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(index, line.indexOf('kvm_guest_fault') + 3));
    const text = hoverText(hovers ?? []);
    assert.match(text, /ESR|hsr/i, `hover names the ESR; got: ${text.slice(0, 200)}`);
    const seen = `; hover on line ${index + 1}: ${text.replace(/\s+/g, ' ').slice(0, 400)}`;
    assert.match(text, /data abort|DABT/i, `hover decodes EC 0x24 as a data abort${seen}`);
    assert.match(text, new RegExp(`0x0*${ipa.replace(/^0+/, '')}\\b`, 'i'), `hover names the IPA 0x${ipa}${seen}`);
    assert.match(text, /\bmodel\b/i, `hover shows the model state ("Model at line ...")${seen}`);
    assert.match(text, /\b(page|block|invalid|table|not mapped)\b/i, `hover shows the entry state of the IPA${seen}`);
  });

  it('registers every stage2Lens command in category "Stage-2 Lens"', async function () {
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = Object.keys(COMMANDS).filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], 'commands contributed and registered');
    const contributed = ((extension().packageJSON as { contributes?: { commands?: { command: string; title: string; category?: string }[] } }).contributes?.commands ?? []);
    for (const [command, title] of Object.entries(COMMANDS)) {
      const c = contributed.find((x) => x.command === command);
      assert.ok(c, `${command} is in contributes.commands`);
      assert.equal(c.title, title, `${command} title`);
      assert.equal(c.category, 'Stage-2 Lens', `${command} category`);
    }
  });

  it('contributes stage2Lens.* settings, and a stage2Lens.diagnostics.maxCount change re-publishes', async function () {
    const props = (extension().packageJSON as { contributes?: { configuration?: { properties?: Record<string, unknown> } | { properties?: Record<string, unknown> }[] } }).contributes?.configuration;
    const all = Object.assign({}, ...(Array.isArray(props) ? props : props ? [props] : []).map((p) => p.properties ?? {})) as Record<string, unknown>;
    const keys = Object.keys(all);
    assert.ok(keys.length > 0, 'contributes.configuration has properties');
    assert.deepEqual(keys.filter((k) => !k.startsWith('stage2Lens.')), [], 'every setting is stage2Lens.<area>.<name>');
    for (const k of ['stage2Lens.model.bbmLevel', 'stage2Lens.diagnostics.maxCount']) assert.ok(keys.includes(k), `${k} is contributed (settings: ${keys.join(', ')})`);
    const before = await waitForDiagnostics(() => (ours(uri).length > 11 ? ours(uri).length : undefined), 60_000, 'more than 11 diagnostics before the change');
    const config = vscode.workspace.getConfiguration('stage2Lens');
    const previous = config.inspect<number>('diagnostics.maxCount')?.globalValue;
    await config.update('diagnostics.maxCount', 10, vscode.ConfigurationTarget.Global);
    try {
      // 10 kept plus the one summary diagnostic saying how many more there are.
      const capped = await waitForDiagnostics(() => (ours(uri).length <= 11 ? ours(uri) : undefined), 30_000, 'at most 11 diagnostics after maxCount = 10');
      assert.equal(capped.length, 11, `10 diagnostics + 1 summary (got ${capped.length})`);
      assert.ok(capped.some((d) => /\d+ more\b/.test(d.message) && /maxCount/.test(d.message)), 'one summary diagnostic says how many more there are');
    } finally {
      await config.update('diagnostics.maxCount', previous, vscode.ConfigurationTarget.Global);
    }
    const restored = await waitForDiagnostics(() => (ours(uri).length === before ? before : undefined), 30_000, `${before} diagnostics again after the setting is reset`);
    assert.equal(restored, before);
  });

  it('Show Timeline opens the "Stage-2 Timeline: <file>" panel', async function () {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('stage2Lens.showTimeline');
    const deadline = Date.now() + 15_000;
    const find = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === `Stage-2 Timeline: ${tracePath().split('/').pop()}` && t.input instanceof vscode.TabInputWebview);
    while (!find() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(find(), `a webview tab "Stage-2 Timeline: <trace file>" (tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')})`);
    await new Promise((r) => setTimeout(r, 500)); // disposing a just-created webview logs "OverlayWebview has been disposed"
  });

  it('a finding offers "Reveal in Timeline" as a quick fix, with its trace and 1-based line', async function () {
    const d = await waitForDiagnostics(() => ours(uri).find((x) => x.code !== undefined && x.range.start.line > 0), 60_000, 'a finding');
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
    const reveal = actions.find((a) => a.command?.command === 'stage2Lens.revealInTimeline');
    assert.ok(reveal, `a Reveal in Timeline action (actions: ${actions.map((a) => a.title).join(', ')})`);
    assert.deepEqual(reveal.command?.arguments, [uri.toString(), d.range.start.line + 1]);
  });

  it('a finding\'s hover links "Reveal in Timeline", trusted for that command alone; a code lens on its line runs it', async function () {
    const d = await waitForDiagnostics(() => ours(uri).find((x) => typeof x.code === 'object' && x.range.start.line > 0), 60_000, 'a finding');
    const line = d.range.start.line + 1;
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, d.range.start)) ?? [];
    const withLink = hovers.flatMap((h) => h.contents).find((c): c is vscode.MarkdownString => c instanceof vscode.MarkdownString && c.value.includes('command:stage2Lens.revealInTimeline'));
    assert.ok(withLink, `a hover with the command link (hovers: ${hovers.length})`);
    const target = /\[Reveal in Timeline\]\(command:stage2Lens\.revealInTimeline\?([^)]*)\)/.exec(withLink.value);
    assert.ok(target, withLink.value);
    assert.deepEqual(JSON.parse(decodeURIComponent(target[1])), [uri.toString(), line]);
    assert.deepEqual(withLink.isTrusted, { enabledCommands: ['stage2Lens.revealInTimeline'] });
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const lens = lenses.find((l) => l.command?.command === 'stage2Lens.revealInTimeline' && l.range.start.line === d.range.start.line);
    assert.ok(lens, `a Reveal in Timeline lens on line ${line} (lenses: ${lenses.map((l) => `${l.range.start.line + 1} ${l.command?.title}`).slice(0, 5).join(', ')})`);
    assert.equal(lens.command?.title, 'Reveal in Timeline');
    assert.deepEqual(lens.command?.arguments, [uri.toString(), line]);
  });

  it('stage2Lens.timeline.openIn: "active" opens the timeline in the trace\'s group, "below" in a new group', async function () {
    const timelineTab = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === `Stage-2 Timeline: ${tracePath().split('/').pop()}` && t.input instanceof vscode.TabInputWebview);
    const until = async (ok: () => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.ok(ok(), what);
    };
    const config = vscode.workspace.getConfiguration('stage2Lens');
    const previous = config.inspect<string>('timeline.openIn')?.globalValue;
    try {
      for (const openIn of ['active', 'below'] as const) {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await until(() => timelineTab() === undefined, 'no timeline open');
        await config.update('timeline.openIn', openIn, vscode.ConfigurationTarget.Global);
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
        const traceGroup = vscode.window.tabGroups.activeTabGroup;
        const groupsBefore = vscode.window.tabGroups.all.length;
        await vscode.commands.executeCommand('stage2Lens.showTimeline');
        await until(() => timelineTab() !== undefined, `a timeline tab (${openIn})`);
        const group = vscode.window.tabGroups.all.find((g) => g.tabs.includes(timelineTab()!));
        if (openIn === 'active') {
          assert.equal(group?.viewColumn, traceGroup.viewColumn, 'in the trace\'s own group');
          assert.equal(vscode.window.tabGroups.all.length, groupsBefore, 'no new group');
        } else {
          assert.notEqual(group?.viewColumn, traceGroup.viewColumn, 'not in the trace\'s group');
          assert.equal(vscode.window.tabGroups.all.length, groupsBefore + 1, 'one new group');
          assert.equal(group?.tabs.length, 1, 'the new group holds only the timeline');
        }
        await new Promise((r) => setTimeout(r, 500)); // disposing a just-created webview logs "OverlayWebview has been disposed"
      }
    } finally {
      await config.update('timeline.openIn', previous, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  if (process.env.E2E_BREAK) {
    it('E2E_BREAK: a check broken on purpose', function () {
      assert.equal(lines.length, -1, 'broken on purpose by E2E_BREAK: this test must fail');
    });
  }
});

// The real bundled server over stdio with a real LSP client, on the committed real trace
// test/fixtures/e2e/race4_4k-head.trace (the first 2000 lines of ../shared's race4_4k-vhe.trace, so
// that these tests run on a fresh clone): diagnostics equal the engine's findings, a hover
// decodes the ESR and shows the model state, replay (FEAT_BBM level 2) and compare return the
// engine's numbers, and malformed documents, bad requests and cancellation leave it answering.
// Expectations come from calling the engine (createAnalyzer) directly; tests needing it skip while
// it is a placeholder.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import type { Hover, InlayHint, MarkupContent } from 'vscode-languageserver-protocol';
import { createAnalyzer, type Analysis, type Analyzer } from '../../src/core/index';
import type { ModelConfig } from '../../src/core/domain/types';
import { decodeEsr } from '../../src/core/parse/esr';
import { reportJson } from '../../src/core/report/reportJson';
import { generateRecordingScript } from '../../src/core/record/index';
import { renderTraceDat } from '../../src/core/tracedat/index';
import { reportMarkdown } from '../../src/core/report/reportMarkdown';
import { normalizeSettings, settingsToModelConfig } from '../../src/shared/settings';
import type { CompareResult, CoverageResult, ReplayResult, StatusNotification, SummaryResult } from '../../src/shared/protocol';
import { formatBytes, spuriousCount } from '../../src/server/summary';
import { join } from 'node:path';
import { repoRoot, sharedPath } from '../support/shared';
import { writeDat } from '../unit/tracedat/datWriter';
import { synthSpec } from '../unit/tracedat/synthDat';
import { cliPath, fileUri, startServer, type Harness } from './lspHarness';

const settings = { diagnostics: { maxCount: 100000 } };
const baseConfig = settingsToModelConfig(normalizeSettings(settings));
const terminal = (s: StatusNotification) => (s.kind === 'ready' && !s.partial) || s.kind === 'failed';

function engineOrSkip(t: TestContext): Analyzer | undefined {
  try {
    return createAnalyzer();
  } catch (e) {
    t.skip(`the engine is not available yet (${(e as Error).message})`);
    return undefined;
  }
}

/** A real arm64 recording with lost races, passes and a refault (see test/fixtures/e2e/README.md). */
const TRACE = join(repoRoot(), 'test', 'fixtures', 'e2e', 'race4_4k-head.trace');

async function openTrace(h: Harness, path: string): Promise<{ uri: string; text: string; status: StatusNotification }> {
  const uri = fileUri(path);
  const text = readFileSync(path, 'utf8');
  const done = h.status(uri, terminal);
  await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text } });
  return { uri, text, status: await done };
}

/** The engine's analysis of a trace under a configuration, once per (trace, configuration): several tests compare against the same one. */
const analyses = new Map<string, Promise<Analysis>>();
function engineAnalysis(analyzer: Analyzer, path: string, config: Partial<ModelConfig>): Promise<Analysis> {
  const key = `${path}\n${JSON.stringify(config)}`;
  let a = analyses.get(key);
  if (!a) analyses.set(key, (a = analyzer.analyze(createReadStream(path, { highWaterMark: 1 << 20 }), { config })));
  return a;
}

function hoverText(h: Hover | null): string {
  assert.ok(h, 'a hover');
  return (h.contents as MarkupContent).value;
}

test('the server initializes with the features it implements', { timeout: 30000 }, async (t) => {
  const h = await startServer(settings, { signal: t.signal });
  try {
    const caps = h.initializeResult.capabilities;
    assert.equal(caps.hoverProvider, true);
    assert.equal(caps.documentSymbolProvider, true);
    assert.equal(caps.inlayHintProvider, true);
    assert.deepEqual(caps.codeLensProvider, { resolveProvider: false });
    assert.equal(h.initializeResult.serverInfo?.name, 'stage2-lens');
  } finally {
    await h.close();
  }
});

test('`stage2-lens lsp --stdio` starts the same server', { timeout: 30000 }, async (t) => {
  const h = await startServer(settings, { signal: t.signal, args: [cliPath, 'lsp', '--stdio'] });
  try {
    assert.equal(h.initializeResult.serverInfo?.name, 'stage2-lens');
    const uri = 'untitled:one.trace';
    const done = h.status(uri, terminal);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text: '# tracer: nop\n' } });
    assert.ok(['ready', 'failed'].includes((await done).kind));
  } finally {
    await h.close();
  }
});

test('diagnostics equal the engine\'s findings (count, lines, codes)', { timeout: 120000 }, async (t) => {
  const path = TRACE;
  const analyzer = engineOrSkip(t);
  if (!analyzer) return;
  const expected = await engineAnalysis(analyzer, path, baseConfig);
  const h = await startServer(settings, { signal: t.signal });
  try {
    const { uri, status } = await openTrace(h, path);
    assert.equal(status.kind, 'ready', JSON.stringify(status));
    const diags = h.latest(uri) ?? [];
    const got = diags.map((d) => `${d.range.start.line + 1} ${String(d.code)}`).sort();
    const want = expected.findings.map((f) => `${f.line} ${f.code}`).sort();
    assert.equal(diags.length, expected.findings.length);
    assert.deepEqual(got, want);
    for (const d of diags) {
      assert.equal(d.source, 'stage2-lens');
      assert.match(d.codeDescription?.href ?? '', /^file:.*docs\/findings\/[A-Z]\d\.md$/);
    }
    if (status.kind === 'ready') {
      assert.equal(status.faults, expected.counters.faults.total);
      assert.equal(status.spurious, spuriousCount(expected.counters.faults.byClass));
    }
    const coverage = (await h.connection.sendRequest('stage2Lens/coverage', { uri })) as CoverageResult;
    assert.deepEqual(coverage, JSON.parse(JSON.stringify({ items: expected.coverage, unrecognized: expected.stats.unrecognized, lacks: expected.stats.lacks, lines: expected.stats.lines })));
    const summary = (await h.connection.sendRequest('stage2Lens/summary', { uri })) as SummaryResult;
    assert.equal(summary?.label, 'As recorded');
    assert.equal(summary?.findings, expected.findings.length);
    assert.equal(summary?.lines, expected.stats.lines.total);
    // The code lens on line 1 and the outline come from the same analysis.
    // ... and a "Reveal in Timeline" lens on each line a finding's diagnostic is on, naming the trace and line
    const lenses = (await h.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { range: { start: { line: number } }; command?: { title: string; command: string; arguments?: unknown[] } }[];
    assert.deepEqual(lenses.slice(0, 2).map((l) => l.command?.command), ['stage2Lens.showSummary', 'stage2Lens.replayWith']);
    const findingLines = [...new Set(diags.map((d) => d.range.start.line + 1))].sort((a, b) => a - b);
    assert.ok(findingLines.length > 0, 'the fixture has findings');
    assert.deepEqual(lenses.slice(2).map((l) => [l.range.start.line + 1, l.command?.title, l.command?.command, l.command?.arguments]), findingLines.map((line) => [line, 'Reveal in Timeline', 'stage2Lens.revealInTimeline', [uri, line]]));
    assert.equal(lenses[0].command?.title, `Stage-2 (As recorded): ${expected.counters.faults.total} faults · ${spuriousCount(expected.counters.faults.byClass)} spurious · ${formatBytes(Object.values(expected.counters.cmo.redundantBytesByClass).reduce((x: number, y) => x + (y ?? 0), 0))} redundant CMO`);
    const symbols = (await h.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as { name: string; children?: { name: string; selectionRange: { start: { line: number } } }[] }[];
    const markers = expected.marks.toArray().filter((m) => m.kind === 'marker');
    assert.deepEqual(symbols.find((x) => x.name === 'Passes')?.children?.map((c) => [c.name, c.selectionRange.start.line + 1]), markers.map((m) => [m.label, m.line]));
    assert.deepEqual(symbols.find((x) => x.name === 'vCPUs')?.children?.map((c) => c.name), expected.lanes.filter((l) => expected.marks.toArray().some((m) => m.lane === l.id)).map((l) => l.label));
  } finally {
    await h.close();
  }
});

test('a hover on a kvm_guest_fault line decodes the ESR', { timeout: 60000 }, async (t) => {
  const path = TRACE;
  const h = await startServer(settings, { signal: t.signal });
  try {
    const { uri, text } = await openTrace(h, path);
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.includes('kvm_guest_fault: ipa 0x100000, hsr 0x93c38046'));
    assert.ok(index >= 0);
    const hover = hoverText(await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: index, character: 20 } }));
    const esr = decodeEsr(0x93c38046);
    assert.equal(esr.ecName, 'DABT_LOW');
    assert.match(hover, /ESR `0x93c38046`: EC 0x24 \*\*DABT_LOW\*\*/);
    assert.match(hover, new RegExp(`${esr.faultClass} fault, level ${esr.level}`));
    assert.match(hover, /WnR=1 \(write\)/);
    assert.match(hover, /S1PTW=0/);
  } finally {
    await h.close();
  }
});

test('a hover on a fault line shows the model state the engine reports', { timeout: 120000 }, async (t) => {
  const path = TRACE;
  const analyzer = engineOrSkip(t);
  if (!analyzer) return;
  const expected = await engineAnalysis(analyzer, path, baseConfig);
  const h = await startServer(settings, { signal: t.signal });
  try {
    const { uri, text } = await openTrace(h, path);
    // The first fault line where the engine's model holds an entry (a refault of a mapped page).
    const lines = text.split('\n');
    let index = -1;
    let ipa = 0;
    for (let i = 0; i < lines.length && index < 0; i++) {
      const m = /kvm_guest_fault: ipa (0x[0-9a-f]+)/.exec(lines[i]);
      if (m && expected.stateAt(i + 1, Number(m[1]))) [index, ipa] = [i, Number(m[1])];
    }
    assert.ok(index >= 0, 'the engine knows the state of some faulting IPA');
    const state = expected.stateAt(index + 1, ipa)!;
    const hover = hoverText(await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: index, character: 0 } }));
    assert.ok(hover.includes(`**Model at line ${index + 1}**, IPA \`0x${ipa.toString(16)}\``), hover);
    assert.ok(hover.includes(`- level ${state.level} ${state.leaf}`), hover);
    assert.ok(hover.includes(`permissions \`${state.perms}\``), hover);
    if (state.mappedAtLine !== undefined) assert.ok(hover.includes(`at [line ${state.mappedAtLine}](${uri}#L${state.mappedAtLine})`), hover);
    assert.ok(hover.includes(`invalid window open: ${state.invalidWindowOpen ? '**yes**' : 'no'}`), hover);
    if (state.lastCmoLine !== undefined) assert.ok(hover.includes(`last cache maintenance: [line ${state.lastCmoLine}]`), hover);
    // On a finding's line: its code, explanation and the catalog's levers.
    const f = expected.findings[0];
    const onFinding = hoverText(await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: f.line - 1, character: 0 } }));
    assert.ok(onFinding.includes(`**${f.code}**`), onFinding);
    assert.ok(onFinding.includes('Levers: '), onFinding);
    // ... and a link that runs "Reveal in Timeline" on this trace and line
    const link = /\[Reveal in Timeline\]\(command:stage2Lens\.revealInTimeline\?([^)]*)\)/.exec(onFinding);
    assert.ok(link, onFinding);
    assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [uri, f.line]);
    assert.ok(!hover.includes('command:') || expected.findings.some((x) => x.line === index + 1), 'no link on a line without a finding');
    // Line 1 carries the trace-sufficiency coverage.
    const first = hoverText(await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }));
    assert.match(first, /\*\*Trace coverage\*\*/);
    for (const c of expected.coverage) assert.ok(first.includes(`| ${c.analysis} | ${c.support} |`), c.analysis);
  } finally {
    await h.close();
  }
});

test('replay with FEAT_BBM level 2 and compare return the engine\'s numbers', { timeout: 180000 }, async (t) => {
  const path = TRACE;
  const analyzer = engineOrSkip(t);
  if (!analyzer) return;
  const bbm2 = await engineAnalysis(analyzer, path, { ...baseConfig, bbmLevel: 2 });
  const [a, b] = await analyzer.analyzeMany(createReadStream(path), [baseConfig, { ...baseConfig, bbmLevel: 2 }]);
  const comparison = analyzer.compare(a, b);
  const h = await startServer(settings, { signal: t.signal });
  try {
    const { uri } = await openTrace(h, path);
    const republished = h.status(uri, terminal);
    const r: ReplayResult = await h.connection.sendRequest('stage2Lens/replay', { uri, choice: { kind: 'preset', preset: 'bbm2' } });
    await republished;
    assert.equal(r.label, 'FEAT_BBM level 2');
    assert.equal(r.config.bbmLevel, 2);
    assert.equal(r.counters.faults.total, bbm2.counters.faults.total);
    assert.equal(r.findings, bbm2.findings.length);
    assert.equal(r.spurious, spuriousCount(bbm2.counters.faults.byClass));
    assert.deepEqual(r.counters, JSON.parse(JSON.stringify(bbm2.counters)));
    // The diagnostics now show the replayed configuration.
    assert.deepEqual((h.latest(uri) ?? []).map((d) => `${d.range.start.line + 1} ${String(d.code)}`).sort(), bbm2.findings.map((f) => `${f.line} ${f.code}`).sort());
    const s: SummaryResult = await h.connection.sendRequest('stage2Lens/summary', { uri });
    assert.equal(s?.label, 'FEAT_BBM level 2');

    const c: CompareResult = await h.connection.sendRequest('stage2Lens/compare', { uri, a: { kind: 'preset', preset: 'as-recorded' }, b: { kind: 'preset', preset: 'bbm2' } });
    const { labelA, labelB, ...rest } = c;
    assert.equal(labelA, 'As recorded');
    assert.equal(labelB, 'FEAT_BBM level 2');
    assert.deepEqual(rest, JSON.parse(JSON.stringify(comparison)));
    // The comparison becomes the timeline's what-if (its avoided findings are ghosted there).
    const info = (await h.connection.sendRequest('stage2Lens/timelineInfo', { uri })) as { available: boolean; avoidedCount: number };
    assert.equal(info.available, true);
    assert.equal(info.avoidedCount, new Set(comparison.avoidedLines).size);
  } finally {
    await h.close();
  }
});

test('a settings change re-runs the analysis of open traces', { timeout: 120000 }, async (t) => {
  const path = TRACE;
  const analyzer = engineOrSkip(t);
  if (!analyzer) return;
  const expected = await engineAnalysis(analyzer, path, { ...baseConfig, bbmLevel: 1 });
  const h = await startServer(settings, { signal: t.signal });
  try {
    const { uri } = await openTrace(h, path);
    const rerun = h.status(uri, terminal);
    // A client without workspace/configuration pushes the section (Neovim's default).
    await h.connection.sendNotification('workspace/didChangeConfiguration', { settings: { stage2Lens: { ...settings, model: { bbmLevel: 1 }, diagnostics: { maxCount: 100000, severity: { S1: 'off' } } } } });
    await rerun;
    const s: SummaryResult = await h.connection.sendRequest('stage2Lens/summary', { uri });
    assert.equal(s?.config.bbmLevel, 1);
    assert.equal(s?.findings, expected.findings.length);
    const shown = expected.findings.filter((f) => f.cls !== 'S1');
    assert.deepEqual((h.latest(uri) ?? []).map((d) => `${d.range.start.line + 1} ${String(d.code)}`).sort(), shown.map((f) => `${f.line} ${f.code}`).sort());
  } finally {
    await h.close();
  }
});

test('a client with workspace/configuration has its stage2Lens section pulled', { timeout: 120000 }, async (t) => {
  const path = TRACE;
  const analyzer = engineOrSkip(t);
  if (!analyzer) return;
  const expected = await engineAnalysis(analyzer, path, baseConfig);
  assert.ok(expected.findings.some((f) => f.cls === 'S1'), 'the trace has lost races');
  const h = await startServer({ diagnostics: { maxCount: 100000, severity: { S1: 'hint' } } }, { signal: t.signal, pullConfiguration: true });
  try {
    const uri = fileUri(path);
    // Whether the pull lands before or after the first analysis, the diagnostics end up with S1 as hints.
    const isPulled = (d: { code?: unknown; severity?: number }[]) => d.length === expected.findings.length && d.every((x) => x.code !== 'S1-lost-race' || x.severity === 4);
    const pulled = h.diagnostics(uri, isPulled);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text: readFileSync(path, 'utf8') } });
    const d = await pulled;
    const lsp = { error: 1, warning: 2, information: 3, hint: 4 } as const;
    assert.deepEqual(d.map((x) => [x.range.start.line + 1, x.code, x.severity]).sort(), expected.findings.map((f) => [f.line, f.code, f.cls === 'S1' ? 4 : lsp[f.severity]]).sort());
  } finally {
    await h.close();
  }
});

test('export report returns core\'s Markdown, JSON and SARIF for the open analysis', { timeout: 120000 }, async (t) => {
  const path = TRACE;
  const analyzer = engineOrSkip(t);
  if (!analyzer) return;
  const h = await startServer(settings, { signal: t.signal });
  try {
    const { uri } = await openTrace(h, path);
    const json = (await h.connection.sendRequest('stage2Lens/exportReport', { uri, format: 'json' })) as { text: string; fileName: string };
    assert.equal(json.fileName, 'race4_4k-head.stage2.json');
    const expected = await engineAnalysis(analyzer, path, baseConfig);
    assert.equal(json.text, reportJson(expected));
    const sarif = (await h.connection.sendRequest('stage2Lens/exportReport', { uri, format: 'sarif' })) as { text: string };
    assert.equal((JSON.parse(sarif.text) as { runs: { results: unknown[] }[] }).runs[0].results.length, expected.findings.length);
    const md = (await h.connection.sendRequest('stage2Lens/exportReport', { uri, format: 'md' })) as { text: string; fileName: string };
    assert.equal(md.text, reportMarkdown(expected, { title: 'race4_4k-head.trace' }));
    assert.equal(md.fileName, 'race4_4k-head.stage2.md');
  } finally {
    await h.close();
  }
});

test('recordingScript returns core\'s script; renderDat renders a trace.dat as kernel-format text', { timeout: 120000 }, async (t) => {
  const h = await startServer(settings, { signal: t.signal });
  try {
    const script = (await h.connection.sendRequest('stage2Lens/recordingScript', { arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic' })) as { text: string; fileName: string };
    assert.equal(script.text, generateRecordingScript({ arch: 'arm64', mode: 'vhe', tool: 'tracefs', probes: 'basic' }));
    assert.equal(script.fileName, 'record-stage2-arm64-vhe.sh');
    await assert.rejects(h.connection.sendRequest('stage2Lens/recordingScript', { arch: 'mips', mode: 'vhe', tool: 'tracefs', probes: 'basic' }), /arch must be arm64 or x86/);
    // the real recording when ../shared has it, else the synthetic v7 zlib file of the reader's tests
    const real = sharedPath('traces', 'trace-cmd', 'race4_4k_tc-vhe.dat');
    const dat = real ?? join(mkdtempSync(join(tmpdir(), 'stage2-lens-lsp-dat-')), 'synthetic.dat');
    if (!real) writeFileSync(dat, writeDat(synthSpec(7, 'zlib')));
    const r = (await h.connection.sendRequest('stage2Lens/renderDat', { uri: fileUri(dat) })) as { text: string; truncated: boolean };
    const chunks: string[] = [];
    await renderTraceDat(createReadStream(dat), (x) => void chunks.push(x), { openRange: (start, end) => createReadStream(dat, { start, end: end === undefined ? undefined : end - 1 }) });
    assert.equal(r.truncated, false);
    assert.equal(r.text, chunks.join(''));
    assert.ok(r.text.split('\n').length > (real ? 1000 : 3));
    // The rendering opened as a document (what the client's stage2lens-dat: provider does) is analysed like a trace.
    const uri = fileUri(dat).replace(/^file:/, 'stage2lens-dat:');
    const done = h.status(uri, terminal);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text: r.text } });
    const status = await done;
    assert.equal(status.kind, 'ready', JSON.stringify(status));
  } finally {
    await h.close();
  }
});

test('malformed documents and bad requests leave the server alive and answering', { timeout: 60000 }, async (t) => {
  const h = await startServer(settings, { signal: t.signal });
  try {
    const uri = 'untitled:garbage.trace';
    const garbage = ['\u0000\u0001\u0002 binary', 'x'.repeat(200000), '   task-1 [000] ....  12.5: kvm_guest_fault: ipa zz, hsr 0xqq', '# tracer: nop', '\uFFFD\uFFFD', 'kvm_guest_fault: hsr 0x93c38046'].join('\n');
    const done = h.status(uri, terminal);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text: garbage } });
    const status = await done;
    assert.ok(status.kind === 'ready' || status.kind === 'failed');
    // A hover on the malformed lines answers (the last one still decodes its ESR).
    const hover = (await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 3 } })) as Hover | null;
    assert.match(hoverText(hover), /DABT_LOW/);
    await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 150000 } });
    await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 999, character: 0 } });
    // Bad parameters are errors, not crashes.
    await assert.rejects(h.connection.sendRequest('stage2Lens/replay', { uri, choice: { kind: 'preset', preset: 'no-such-preset' } }), /invalid configuration choice/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/replay', {}), /missing uri/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/replay', { uri, choice: { kind: 'config', label: 'bad.json', config: { bbmLevel: 7, colour: 'red' } } }), /invalid configuration bad\.json: .*bbmLevel/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/exportReport', { uri, format: 'pdf' }), /unknown report format/);
    await assert.rejects(h.connection.sendRequest('stage2Lens/summary', { uri: 'file:///nonexistent/x.trace' }), /not an open trace/);
    const hints = (await h.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } } })) as InlayHint[];
    assert.deepEqual(hints.map((x) => [x.position.line, x.label]), [[5, 'DABT_LOW translation L2 W']]);
    // Still alive: an edit is analysed again and a close clears the diagnostics.
    const again = h.status(uri, terminal);
    await h.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: '\u0000' }] });
    await again;
    const cleared = h.diagnostics(uri, (d) => d.length === 0);
    await h.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual(await cleared, []);
    assert.equal(h.child.exitCode, null);
  } finally {
    await h.close();
  }
});

test('cancelling a replay or the analysis progress leaves the server alive and answering', { timeout: 120000 }, async (t) => {
  const path = TRACE;
  const h = await startServer(settings, { signal: t.signal, workDoneProgress: true });
  try {
    const uri = fileUri(path);
    const text = readFileSync(path, 'utf8');
    // Cancel the opening analysis from the progress UI as soon as it begins.
    const token = h.nextProgressToken();
    const first = h.status(uri, terminal);
    await h.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text } });
    await h.connection.sendNotification('window/workDoneProgress/cancel', { token: await token });
    await first;
    // Cancel a replay request right after sending it.
    const source = new CancellationTokenSource();
    const replay = h.connection.sendRequest('stage2Lens/replay', { uri, choice: { kind: 'preset', preset: 'bbm1' } }, source.token);
    source.cancel();
    await replay.then(
      (r) => assert.equal((r as ReplayResult).label, 'FEAT_BBM level 1'), // finished before the cancel arrived
      (e: { code?: number; message?: string }) => assert.ok(e.code === -32800 || /not implemented/.test(e.message ?? ''), JSON.stringify(e)),
    );
    // A replay superseded by another one is cancelled; the newer one answers.
    const older = h.connection.sendRequest('stage2Lens/replay', { uri, choice: { kind: 'preset', preset: 'fwb' } });
    const newer = h.connection.sendRequest('stage2Lens/replay', { uri, choice: { kind: 'preset', preset: 'dic' } });
    const [o, n] = await Promise.allSettled([older, newer]);
    if (o.status === 'rejected') assert.ok((o.reason as { code?: number }).code === -32800 || /not implemented/.test(String((o.reason as Error).message)));
    if (n.status === 'fulfilled') assert.equal((n.value as ReplayResult).label, 'CTR_EL0.DIC');
    // Still answering.
    const hover = (await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 91, character: 0 } })) as Hover | null;
    assert.match(hoverText(hover), /DABT_LOW/);
    assert.equal(h.child.exitCode, null);
  } finally {
    await h.close();
  }
});

test('a trace the client only names (too large to sync) is read from disk: diagnostics, hovers, progress', { timeout: 120000 }, async (t) => {
  const path = TRACE;
  let analyzer: Analyzer | undefined;
  try {
    analyzer = createAnalyzer();
  } catch {
    analyzer = undefined;
  }
  const h = await startServer(settings, { signal: t.signal, workDoneProgress: true });
  try {
    const uri = fileUri(path);
    const done = h.status(uri, terminal);
    await h.connection.sendNotification('stage2Lens/largeFiles', { uris: [uri] });
    const status = await done;
    // The hover reads line 92 back from disk.
    const hover = hoverText(await h.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 91, character: 0 } }));
    assert.match(hover, /ESR `0x93c38046`/);
    const hints = (await h.connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 70, character: 0 }, end: { line: 91, character: 0 } } })) as InlayHint[];
    assert.deepEqual(hints.filter((x) => x.position.line === 70).map((x) => x.label), ['IABT_LOW translation L1 X']);
    if (analyzer) {
      const expected = await engineAnalysis(analyzer, path, baseConfig);
      assert.equal(status.kind, 'ready');
      assert.equal((h.latest(uri) ?? []).length, expected.findings.length);
      const begins = [...h.progress.values()].flat().filter((v) => (v as { kind: string }).kind === 'begin');
      assert.ok(begins.length >= 1);
    }
    // Closing the tab (the set no longer names it) clears its diagnostics.
    const cleared = h.diagnostics(uri, (d) => d.length === 0);
    await h.connection.sendNotification('stage2Lens/largeFiles', { uris: [] });
    assert.deepEqual(await cleared, []);
  } finally {
    await h.close();
  }
});

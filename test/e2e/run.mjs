#!/usr/bin/env node
// `npm run test:e2e`: Stage-2 Lens in real VS Code (code-server 4.100.3 = VS Code 1.100.3, driven by
// Playwright through Debian's Chromium), offline. Installs what is missing, checks the packaged
// .vsix, installs exactly that file into a fresh hermetic code-server and runs two layers: UI steps
// as a user would, then the mocha suite inside the real extension host (payload route).
//
//   node test/e2e/run.mjs                    uses dist/stage2-lens.vsix (made by `npm run package`)
//   node test/e2e/run.mjs --build .out/NAME  builds and packages into .out/NAME (leaves dist/ alone)
//   --vsix FILE, --layers ui,exthost, --trace FILE
//   env: E2E_BREAK=1 (or a step name) breaks one check on purpose; E2E_UPDATE_SCREENSHOTS=1 copies
//   the README screenshots into docs/screenshots/; E2E_CACHE_DIR, E2E_VERBOSE, STAGE2_LENS_SHARED.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { codeServerVersion, ensureCodeServer, ensureSystemPackages, CODE_SERVER_VERSION } from './lib/install.mjs';
import { CodeServer } from './lib/codeServer.mjs';
import { stageAndPackage } from './lib/package.mjs';
import { Steps } from './lib/steps.mjs';
import { extractZip, listZip, vsixProblems } from './lib/vsix.mjs';
import { cursorLine, extensionStatusItems, goToLine, launchBrowser, locateText, pickQuickItem, quickOpen, runCommand, waitForWorkbench } from './lib/workbench.mjs';
import { compareFindings, openProblems, readAllProblems } from './lib/problems.mjs';
import { repeatTrace } from '../../scripts/repeat-trace.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const layers = (opt('layers') ?? 'ui,exthost').split(',');
const buildDir = opt('build') ? resolve(opt('build')) : undefined;
const stateDir = join(buildDir ?? join(repo, '.out', 'e2e'), 'run');
const resultsDir = join(repo, 'test-results', 'e2e');
// E2E_BREAK=1 breaks the Problems check (one finding the engine never produced); E2E_BREAK=open-trace breaks an early step.
const BREAK = process.env.E2E_BREAK ? (process.env.E2E_BREAK === '1' ? 'problems' : process.env.E2E_BREAK) : undefined;
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const VSIX_MAX_BYTES = 3 * 1024 * 1024;
const TIMELINE_TITLE = 'Stage-2 Timeline';
// A trace where FEAT_BBM level 2 changes the counts (BBM windows and the S2 faults in them), opened after the timeline steps.
const BBM_TRACE_NAME = 'split_hot-vhe.trace';
// The timeline at scale: the main trace repeated (shifted timestamps) past VS Code's 50 MB sync limit.
const LARGE_TRACE_NAME = 'large-repeated.trace';
const LARGE_TRACE_BYTES = 120e6;
// "Compare with Another Trace...": a real pair, one dirty-logging workload without eager splitting
// and with it at 2 MiB (test/fixtures/recorded/eager-chunk/README.md), unpacked into the workspace.
const DIFF_PAIR = ['eager0.trace', 'eager2m.trace'];
const DIFF_PAIR_DIR = join(repo, 'test', 'fixtures', 'recorded', 'eager-chunk');
const broken = (step) => BREAK === step;
const EXTHOST_NOISE = /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional|Updating additional builtin|\[Service Worker\]|ChatSessionStore:|\s+at .*(node:internal|node_modules\/mocha))/;

const steps = new Steps(resultsDir, repo);
const ctx = {};
const servers = [];
let browser;

console.log(`== Stage-2 Lens e2e: code-server ${CODE_SERVER_VERSION}, layers ${layers.join('+')}${BREAK ? `, E2E_BREAK=${BREAK} (one check broken on purpose)` : ''}`);

function sharedBbmTrace() {
  const p = join(process.env.STAGE2_LENS_SHARED ?? join(repo, '..', 'shared'), 'traces', 'arm64-bbm', `${BBM_TRACE_NAME}.gz`);
  return existsSync(p) ? p : undefined;
}

function sharedTrace() {
  const shared = process.env.STAGE2_LENS_SHARED ?? join(repo, '..', 'shared');
  const p = join(shared, 'traces', 'arm64-nested', 'race4_4k-vhe.trace');
  return existsSync(p) ? p : undefined;
}

/** The engine's findings for the trace, from the shipped CLI: what Problems must show. */
function engineFindings(cli, trace, extra = []) {
  let out;
  try {
    out = execFileSync(process.execPath, [cli, 'analyze', trace, '--format', 'json', ...extra], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`\`node ${cli.replace(repo + '/', '')} analyze ${basename(trace)} --format json\` exited ${e.status}: ${(e.stderr || e.message).toString().trim().split('\n')[0]}`);
  }
  let json;
  try {
    json = JSON.parse(out);
  } catch {
    throw new Error(`analyze --format json did not print JSON (first bytes: ${JSON.stringify(out.slice(0, 120))})`);
  }
  const findings = Array.isArray(json) ? json : json.findings;
  if (!Array.isArray(findings)) throw new Error(`analyze --format json has no findings array (keys: ${Object.keys(json).join(', ')})`);
  return Object.assign(findings, { analysis: Array.isArray(json) ? undefined : json });
}

/** The counts a replay notification shows, from the CLI's JSON: faults, spurious faults, findings. */
function replayCounts(findings) {
  const a = findings.analysis;
  // The CLI's verdict (src/core/analysis/verdicts.ts): the catalog's inherent races, the status bar's rule too.
  const spurious = a?.verdicts?.faults?.spurious;
  return { faults: a?.counters?.faults?.total, spurious, findings: a?.findingsTotal ?? findings.length };
}

/** Problems counts by severity from the CLI's findings, as the workbench's Problems status item counts them (hints are not shown there). */
function severityCounts(findings) {
  const n = { errors: 0, warnings: 0, infos: 0 };
  for (const f of findings) {
    if (f.severity === 'error') n.errors++;
    else if (f.severity === 'warning') n.warnings++;
    else if (f.severity === 'information') n.infos++;
  }
  return n;
}

/**
 * The workbench's own Problems status item (`status.problems`): its accessible label spells full
 * numbers ("605 Warnings, 603 Infos", or "No Problems"); its text abbreviates above 999 ("1K").
 */
async function problemsStatus(page) {
  const label = await page.evaluate(() => {
    const el = document.getElementById('status.problems');
    return el ? el.querySelector('a')?.getAttribute('aria-label') ?? el.getAttribute('aria-label') ?? el.innerText : undefined;
  });
  if (label === undefined) throw new Error('the workbench has no Problems status item (status.problems)');
  const count = (word) => Number((new RegExp(`(\\d+)\\s+${word}`, 'i').exec(label) ?? new RegExp(`${word}\\w*:\\s*(\\d+)`, 'i').exec(label) ?? [, 0])[1]);
  return { errors: count('Error'), warnings: count('Warning'), infos: count('Info'), label };
}

/**
 * What the workbench can show of those counts. The harness sets `stage2Lens.diagnostics.maxCount`
 * to 100000 (lib/codeServer.mjs) so that the extension publishes every finding; VS Code then keeps
 * at most 1000 per file (ExtHostDiagnostics._maxDiagnosticsPerFile, not a setting), errors first,
 * then warnings, then infos, and adds one info "Not showing N further errors and warnings." when it cuts.
 */
const MAX_DIAGNOSTICS_PER_FILE = 1000;
function visibleProblems(c) {
  if (c.errors + c.warnings + c.infos <= MAX_DIAGNOSTICS_PER_FILE) return { ...c, hidden: 0 };
  const errors = Math.min(c.errors, MAX_DIAGNOSTICS_PER_FILE);
  const warnings = Math.min(c.warnings, MAX_DIAGNOSTICS_PER_FILE - errors);
  const infos = Math.min(c.infos, MAX_DIAGNOSTICS_PER_FILE - errors - warnings);
  return { errors, warnings, infos: infos + 1, hidden: c.errors + c.warnings + c.infos - errors - warnings - infos };
}

const sameCounts = (a, b) => ['errors', 'warnings', 'infos'].every((k) => a[k] === b[k]);
const showCounts = (c) => `${c.errors} errors, ${c.warnings} warnings, ${c.infos} infos`;

/** "17.214537" (seconds, as ftrace and the timeline print them) in integer nanoseconds. */
function secondsToNs(text) {
  const [s, frac = ''] = text.split('.');
  return Number(s) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9));
}

/** The timestamps (ns) of the trace's kvm_guest_fault lines: one fault mark each in the timeline. */
function faultTimestamps(lines) {
  const out = [];
  for (const l of lines) {
    const m = /\s(\d+\.\d+): kvm_guest_fault:/.exec(l);
    if (m) out.push(secondsToNs(m[1]));
  }
  return out;
}

/**
 * The line checked for hover and colours: the first data abort (EC 0x24) on guest RAM
 * (IPA >= 0x40000000, not MMIO) at an IPA already faulted 30+ lines earlier, so the model has an
 * entry to show. Same choice as test/e2e/suite/extension.test.ts. 1-based, or 0 when none.
 */
function repeatFaultLine(lines) {
  const first = new Map();
  for (let i = 0; i < lines.length; i++) {
    const m = /kvm_guest_fault: ipa 0x([0-9a-f]+), hsr 0x9[23]/.exec(lines[i]);
    if (!m || parseInt(m[1], 16) < 0x40000000) continue;
    if (!first.has(m[1])) first.set(m[1], i);
    else if (i - first.get(m[1]) >= 30) return i + 1;
  }
  return 0;
}

/** Unique text of the hover/colour line: its timestamp and event name. */
function faultNeedle() {
  return /\d+\.\d+: kvm_guest_fault/.exec(lineOf(ctx.trace, ctx.faultLine))[0];
}

function lineOf(file, lineNo) {
  // Traces here are small (the 1 MB race4 trace, or the fixture); the file is read once and cached.
  ctx.lines ??= readFileSync(file, 'utf8').split('\n');
  return ctx.lines[lineNo - 1];
}

/** Switches the colour theme the way a user does (Preferences: Color Theme), then waits for the workbench to repaint. */
async function setTheme(theme) {
  await runCommand(ctx.page, 'Preferences: Color Theme');
  await pickQuickItem(ctx.page, theme);
  await ctx.page.waitForFunction(
    (want) => {
      const cls = document.querySelector('.monaco-workbench')?.className ?? '';
      return want === 'hc' ? /hc-black|hc-light/.test(cls) : cls.includes(want);
    },
    theme.includes('High Contrast') ? 'hc' : theme.includes('Dark') ? 'vs-dark' : 'vs',
    { timeout: 15_000 },
  );
  await ctx.page.waitForTimeout(800); // the webview re-themes after the workbench
}

function timelineFrame(page) {
  return page.frameLocator(`iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`).frameLocator('iframe#active-frame');
}

async function main() {
  // ---------- setup: tools, package, expectations ----------
  await steps.step('system-packages', () => ensureSystemPackages((m) => console.log(`    ${m}`)), { screenshot: false, timeoutMs: 600_000 });
  await steps.step(
    'code-server-install',
    async () => {
      const r = await ensureCodeServer((m) => console.log(`    ${m}`));
      return `${r} (code-server ${codeServerVersion()})`;
    },
    { needs: ['system-packages'], screenshot: false, timeoutMs: 900_000 },
  );

  await steps.step(
    'vsix',
    async () => {
      let vsix = opt('vsix') ? resolve(opt('vsix')) : join(repo, 'dist', 'stage2-lens.vsix');
      if (buildDir) vsix = (await stageAndPackage(repo, buildDir)).vsix;
      if (!existsSync(vsix)) throw new Error(`${vsix} does not exist: run \`npm run package\` first (npm run test:e2e does), or pass --build .out/<name>`);
      const size = statSync(vsix).size;
      const { entries } = listZip(vsix);
      const problems = vsixProblems(entries, { maxBytes: VSIX_MAX_BYTES, fileSize: size, manifest });
      if (problems.length) throw new Error(`${basename(vsix)} is not fit to ship:\n  ${problems.join('\n  ')}`);
      ctx.vsix = vsix;
      ctx.extracted = join(stateDir, 'extension-under-test');
      extractZip(vsix, ctx.extracted);
      ctx.vsixSize = size;
      return `${vsix.replace(repo + '/', '')}: ${(size / 1024).toFixed(0)} KiB, ${entries.length} files`;
    },
    { screenshot: false, timeoutMs: 180_000 },
  );

  await steps.step(
    'trace',
    async () => {
      const fixture = join(repo, 'test', 'fixtures', 'e2e', 'race4_4k-head.trace');
      const trace = opt('trace') ? resolve(opt('trace')) : (sharedTrace() ?? fixture);
      if (!existsSync(trace)) throw new Error(`no trace: ${trace} is absent`);
      ctx.trace = trace;
      ctx.traceName = basename(trace);
      ctx.lines = undefined;
      const lines = readFileSync(trace, 'utf8').split('\n');
      ctx.lines = lines;
      ctx.faultLine = repeatFaultLine(lines);
      if (!ctx.faultLine) throw new Error(`${trace} has no repeated data-abort kvm_guest_fault on guest RAM (the hover needs one)`);
      return `${trace.includes('/shared/') ? '../shared/' + trace.split('/shared/')[1] : trace.replace(repo + '/', '')} (${lines.length} lines; hover line ${ctx.faultLine}: a repeated data abort)`;
    },
    { screenshot: false },
  );

  await steps.step(
    'engine-findings',
    async () => {
      const cli = join(ctx.extracted, 'dist', 'cli', 'main.js');
      ctx.findings = engineFindings(cli, ctx.trace);
      const file = join(stateDir, 'expected-findings.json');
      writeFileSync(file, JSON.stringify(ctx.findings));
      ctx.expectedFile = file;
      const byCode = {};
      for (const f of ctx.findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
      return `${ctx.findings.length} findings from the shipped CLI: ${Object.entries(byCode).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`;
    },
    { needs: ['vsix', 'trace'], screenshot: false, timeoutMs: 120_000 },
  );

  if (layers.includes('ui')) await uiLayer();
  if (layers.includes('exthost')) await exthostLayer();
}

async function startServer(name, opts) {
  const server = new CodeServer(join(stateDir, name), opts);
  servers.push(server);
  copyFileSync(ctx.trace, join(server.workspace, ctx.traceName));
  // The extension opens plain text traces only (.trace): the UI layer gets the BBM trace unpacked (11 MB).
  if (name === 'ui') {
    ctx.bbmTrace = sharedBbmTrace();
    if (ctx.bbmTrace) writeFileSync(join(server.workspace, BBM_TRACE_NAME), gunzipSync(readFileSync(ctx.bbmTrace)));
    for (const name of DIFF_PAIR) writeFileSync(join(server.workspace, name), gunzipSync(readFileSync(join(DIFF_PAIR_DIR, `${name}.gz`))));
    ctx.largeTrace = join(server.workspace, LARGE_TRACE_NAME);
    ctx.largeTraceInfo = await repeatTrace(ctx.trace, ctx.largeTrace, LARGE_TRACE_BYTES);
  }
  return server;
}

// ---------- layer 1: the UI, as a user would ----------
async function uiLayer() {
  const server = await steps.step(
    'ui-code-server',
    async () => {
      const s = await startServer('ui');
      const installed = await s.installExtension(ctx.vsix);
      await s.start();
      ctx.uiServer = s;
      return { note: `${installed.trim()}; listening on ${s.port}`, s };
    },
    { needs: ['code-server-install', 'vsix', 'trace'], screenshot: false, timeoutMs: 90_000 },
  );
  if (!server) return;
  await steps.step(
    'browser',
    async () => {
      browser = await launchBrowser(join(stateDir, 'browser-ui'));
      ctx.page = browser.page;
      steps.page = ctx.page;
      ctx.consoleErrors = [];
      ctx.page.on('console', (m) => m.type() === 'error' && !/vsda/.test(`${m.text()} ${m.location()?.url ?? ''}`) && ctx.consoleErrors.push(`${m.text()} (${m.location()?.url ?? '?'})`));
      return 'chromium up';
    },
    { needs: ['ui-code-server'], screenshot: false },
  );
  const s = ctx.uiServer;
  const page = ctx.page;

  await steps.step(
    'workbench',
    async () => {
      await page.goto(s.url(), { waitUntil: 'domcontentloaded' });
      await waitForWorkbench(page, ctx.traceName);
      return `workbench fully started: "${await page.title()}"`;
    },
    { needs: ['browser'] },
  );

  await steps.step(
    'open-trace',
    async () => {
      await quickOpen(page, ctx.traceName);
      // The first event line proves the editor shows the trace (E2E_BREAK=open-trace asks for text that is not there).
      const firstEvent = ctx.lines.find((l) => !l.startsWith('#') && l.trim()).trim().slice(0, 40);
      const needle = broken('open-trace') ? 'E2E_BREAK: this text is not in the trace' : firstEvent;
      try {
        await page.locator('.editor-instance .view-line', { hasText: needle }).first().waitFor({ timeout: 10_000 });
      } catch {
        throw new Error(`the editor does not show "${needle}" after opening ${ctx.traceName}`);
      }
      return `tab "${ctx.traceName}" shows "${firstEvent}..."`;
    },
    { needs: ['workbench'] },
  );

  await steps.step(
    'language-mode',
    async () => {
      const want = 'KVM ftrace';
      const el = page.locator('[id="status.editor.mode"]');
      try {
        await el.filter({ hasText: want }).waitFor({ timeout: 10_000 });
      } catch {
        const seen = (await el.innerText().catch(() => '(no language indicator)')).trim();
        throw new Error(`language mode is "${seen}", expected "${want}" (package.json contributes.languages: id "ftrace", aliases ["KVM ftrace", "ftrace"], extensions [".trace"])`);
      }
      return `status bar language: ${want}`;
    },
    { needs: ['open-trace'] },
  );

  await steps.step(
    'token-colours',
    async () => {
      // A kvm_guest_fault line: its event name and hex values must be coloured apart from plain text.
      await goToLine(page, ctx.faultLine);
      const hit = await locateText(page, faultNeedle(), 'kvm_guest_fault');
      const colours = new Set(hit.spans.map((sp) => sp.color));
      const eventSpan = hit.spans.find((sp) => sp.text.includes('kvm_guest_fault'));
      const plain = await page.evaluate(() => getComputedStyle(document.querySelector('.monaco-editor .view-lines')).color);
      const hexSpan = hit.spans.find((sp) => /^0x[0-9a-f]+,?$/.test(sp.text.trim()));
      const problems = [];
      if (colours.size < 3) problems.push(`only ${colours.size} colour(s) on the line (${[...colours].join(', ')}): no TextMate grammar for source.ftrace?`);
      if (!eventSpan || eventSpan.color === plain) problems.push(`event name "kvm_guest_fault" has the plain text colour ${plain}`);
      if (eventSpan && eventSpan.text.trim() !== 'kvm_guest_fault' && eventSpan.text.trim() !== 'kvm_guest_fault:') problems.push(`event name is not its own token (token text "${eventSpan.text.trim().slice(0, 40)}")`);
      if (!hexSpan) problems.push('no hex value is its own token');
      else if (hexSpan.color === plain) problems.push(`hex value ${hexSpan.text.trim()} has the plain text colour`);
      if (problems.length) throw new Error(problems.join('; '));
      return `${colours.size} colours on line ${ctx.faultLine}: event ${eventSpan.color}, hex ${hexSpan.color}, plain ${plain}`;
    },
    { needs: ['open-trace'] },
  );

  /**
   * Palette -> Replay with Configuration... -> `label`. The notification's counts must equal
   * `analyze <flags>` from the shipped CLI, and so must the workbench's Problems counts once the
   * new diagnostics land; with mustChange the CLI's counts must differ from the as-recorded ones
   * and the Problems counts must have moved. Leaves the flags the open analysis now has in ctx.
   */
  async function replayStep(name, label, flags, { mustChange, trace = ctx.trace, recordedFindings = ctx.findings, checkProblems = true, needs = ['open-trace', 'engine-findings'] }) {
    await steps.step(
      name,
      async () => {
        const cliFindings = engineFindings(join(ctx.extracted, 'dist', 'cli', 'main.js'), trace, flags);
        const cli = replayCounts(cliFindings);
        const cliProblems = severityCounts(cliFindings);
        const recorded = replayCounts(recordedFindings);
        const recordedProblems = severityCounts(recordedFindings);
        const cliFlags = `\`analyze ${flags.join(' ')}\``;
        const changed = [
          ...Object.keys(cli).filter((k) => cli[k] !== recorded[k]).map((k) => `${k} ${recorded[k]} -> ${cli[k]}`),
          ...['errors', 'warnings', 'infos'].filter((k) => cliProblems[k] !== recordedProblems[k]).map((k) => `${k} ${recordedProblems[k]} -> ${cliProblems[k]}`),
        ];
        if (mustChange && !changed.length) throw new Error(`${cliFlags} gives the as-recorded counts on ${basename(trace)} (${showCounts(cliProblems)}): this replay cannot show a change; pick another preset`);
        const problemsBefore = await problemsStatus(page);
        const barBefore = (await extensionStatusItems(page, EXTENSION_ID)).find((i) => /\d+\s+faults/.test(i.text))?.text ?? '';
        const toasts = page.locator('.notifications-toasts .notification-toast');
        const toastsBefore = await toasts.count();
        const matching = toasts.filter({ hasText: `(${label})` });
        const oldTexts = await matching.allInnerTexts();
        await runCommand(page, 'Stage-2 Lens: Replay with Configuration...');
        await pickQuickItem(page, label);
        // The replay answers with a notification carrying its counts: "Stage-2 Lens (<label>): N faults, M spurious, K findings.".
        const result = matching.last();
        try {
          await page.waitForFunction(
            ([sel, text, n, old]) => {
              const all = [...document.querySelectorAll(sel)].filter((t) => t.innerText.includes(text));
              return all.length > n || (all.length && !old.includes(all[all.length - 1].innerText));
            },
            ['.notifications-toasts .notification-toast', `(${label})`, oldTexts.length, oldTexts],
            { timeout: 60_000 },
          );
        } catch {
          const seen = await toasts.allInnerTexts().catch(() => []);
          throw new Error(`no notification with the ${label} replay's counts within 60 s (${toastsBefore} toasts before; now: ${seen.join(' | ').replace(/\s+/g, ' ') || 'none'})`);
        }
        const after = (await result.innerText()).replace(/\s+/g, ' ').trim();
        const num = (re, t) => Number((re.exec(t) ?? [])[1]);
        const shown = { faults: num(/(\d+)\s+faults/, after), spurious: num(/(\d+)\s+spurious/, after), findings: num(/(\d+)\s+findings/, after) };
        const wrong = Object.keys(cli).filter((k) => shown[k] !== cli[k]);
        if (wrong.length) throw new Error(`the ${label} replay shows ${wrong.map((k) => `${k} ${shown[k]}`).join(', ')} but ${cliFlags} gives ${wrong.map((k) => `${k} ${cli[k]}`).join(', ')} ("${after}")`);
        // The diagnostics are republished after the reply: the Problems counts follow within moments.
        // (Not with two traces open: the status item sums every file, and VS Code caps the total too.)
        const visible = visibleProblems(cliProblems);
        const want = broken(name) ? { ...visible, warnings: visible.warnings + 1 } : visible;
        let problems = await problemsStatus(page);
        for (const deadline = Date.now() + 30_000; checkProblems && !sameCounts(problems, want) && Date.now() < deadline; ) {
          await page.waitForTimeout(300);
          problems = await problemsStatus(page);
        }
        if (checkProblems && !sameCounts(problems, want)) throw new Error(`after the ${label} replay the Problems status item shows ${showCounts(problems)} ("${problems.label}"), ${cliFlags} gives ${showCounts(cliProblems)}${want.hidden ? `, of which the workbench shows ${showCounts(want)} (its 1000-per-file cap)` : ''}`);
        // Our own status bar item carries faults and spurious: they must be the CLI's too.
        let item;
        let bar;
        for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(300)) {
          item = (await extensionStatusItems(page, EXTENSION_ID)).find((i) => /\d+\s+faults/.test(i.text));
          bar = item ? { faults: num(/(\d+)\s+faults/, item.text), spurious: num(/(\d+)\s+spurious/, item.text) } : undefined;
          if (bar && bar.faults === cli.faults && bar.spurious === cli.spurious) break;
        }
        if (mustChange && sameCounts(problems, problemsBefore) && item?.text === barBefore) throw new Error(`the ${label} replay left the Problems counts (${showCounts(problems)}) and the status bar ("${barBefore}") as they were`);
        if (!bar || bar.faults !== cli.faults || bar.spurious !== cli.spurious) throw new Error(`after the ${label} replay the status bar shows "${item?.text ?? 'no counts'}", ${cliFlags} gives ${cli.faults} faults, ${cli.spurious} spurious`);
        if (trace === ctx.trace) {
          ctx.timelineFlags = flags;
          ctx.timelineFindings = cliFindings;
        }
        const delta = changed.length ? `vs as recorded: ${changed.join(', ')}` : `unchanged vs as recorded (${recorded.findings} findings; the engine agrees)`;
        const cap = want.hidden ? ` (CLI ${showCounts(cliProblems)}: VS Code's 1000-per-file cap hides ${want.hidden}, adds its "Not showing" info)` : ' = CLI';
        const shownProblems = checkProblems ? `Problems ${showCounts(problemsBefore)} -> ${showCounts(problems)}${cap}; ` : '';
        return `"${after}" = CLI ${flags.join(' ')}; ${shownProblems}status bar "${barBefore}" -> "${item.text}"; ${delta}`;
      },
      { needs, timeoutMs: 120_000 },
    );
  }

  async function restoreProblemsLayout() {
    if ((page.viewportSize()?.height ?? 900) === 900) return;
    await runCommand(page, 'View: Toggle Maximized Panel').catch(() => undefined);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.locator('.markers-panel .monaco-list').first().focus().catch(() => undefined);
    await page.keyboard.press('Home'); // back to the first rows for the screenshot
    await goToLine(page, 1); // paging the list moved the editor along; the picture starts at the top
    await page.mouse.move(200, 450); // a quiet spot (explorer), so no tooltip is in the picture
    await page.waitForTimeout(300);
  }

  await steps.step(
    'problems',
    async () => {
      const expected = ctx.findings.filter((f) => f.severity !== 'hint'); // hints never show in Problems
      if (broken('problems')) expected.push({ line: 1, code: 'E2E_BREAK-on-purpose', severity: 'warning' });
      const deadline = Date.now() + 30_000;
      let rows = [];
      await openProblems(page);
      // A tall window and a maximized panel: about 170 rows per screen, so a few wheel turns read them all.
      await page.setViewportSize({ width: 1400, height: 4000 });
      await runCommand(page, 'View: Toggle Maximized Panel');
      // Diagnostics arrive when the server has analysed the file: wait for the status bar total, then read the list once.
      const total = async () => ((await page.locator('[id="status.problems"]').first().innerText().catch(() => '')).match(/\d+/g) ?? []).reduce((n, x) => n + Number(x), 0);
      while (Date.now() < deadline && (await total()) < expected.length) await page.waitForTimeout(300);
      const t0 = Date.now();
      rows = await readAllProblems(page);
      const readMs = Date.now() - t0;
      await restoreProblemsLayout();
      const ours = rows.filter((r) => /stage2-lens/.test(r.source) || /stage2-lens/.test(r.text));
      if (ours.length !== rows.length) throw new Error(`${rows.length - ours.length} of ${rows.length} Problems rows are not from source "stage2-lens", e.g. "${rows.find((r) => !ours.includes(r))?.text}"`);
      const { missing, unexpected } = compareFindings(expected, rows);
      if (missing.length || unexpected.length || rows.length !== expected.length) {
        throw new Error(
          `Problems shows ${rows.length} rows, the engine has ${expected.length} findings (line|code|severity): ` +
            `${missing.length} missing e.g. ${missing.slice(0, 3).join(', ') || '-'}; ${unexpected.length} unexpected e.g. ${unexpected.slice(0, 3).map((r) => `${r.line}|${r.code}|${r.severity}`).join(', ') || '-'}`,
        );
      }
      ctx.problemsBefore = rows.length;
      return `${rows.length} rows = ${expected.length} findings (same lines, codes, severities); list read in ${readMs} ms, ${rows.turns} pages of a ${Math.round(rows.listHeight)} px list`;
    },
    { needs: ['open-trace', 'engine-findings'], timeoutMs: 90_000 },
  );
  await restoreProblemsLayout().catch(() => undefined);

  await steps.step(
    'hover',
    async () => {
      await goToLine(page, ctx.faultLine);
      let hit = await locateText(page, faultNeedle(), 'kvm_guest_fault');
      const line = lineOf(ctx.trace, ctx.faultLine);
      const hsr = /hsr 0x([0-9a-f]+)/.exec(line)[1];
      const ipa = /ipa 0x([0-9a-f]+)/.exec(line)[1];
      const ec = (parseInt(hsr, 16) >>> 26) & 0x3f;
      // The editor's hover, not a workbench hover (Problems rows and status items use .monaco-hover too).
      await page.mouse.move(700, 5);
      await page.keyboard.press('Escape');
      // Several hover parts can exist at once (content, glyph margin): read every visible one.
      const hoverText = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('.monaco-editor .monaco-hover:not(.hidden)')]
            .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().height > 0)
            .map((el) => el.innerText)
            .join('\n')
            .trim(),
        );
      const checks = [
        [/ESR|hsr/i, 'the ESR'],
        [ec === 0x24 ? /data abort|DABT/i : /instruction abort|IABT/i, `the decoded exception class (EC 0x${ec.toString(16)} = ${ec === 0x24 ? 'data abort' : 'instruction abort'})`],
        [/\b(level|L[0-3])\b/i, 'the fault/entry level'],
        [new RegExp(`0x0*${ipa.replace(/^0+/, '')}\\b`, 'i'), `the IPA 0x${ipa}`],
        [/\bmodel\b/i, 'the model state ("Model at line ...")'],
        [/\b(page|block|invalid|table|not mapped)\b/i, 'the entry state (page/block/invalid)'],
      ];
      // The diagnostic part shows at once; the server's part can take a few seconds on a loaded machine.
      // A hover that closes (re-render, focus change) is opened again by moving the mouse over the word.
      let text = '';
      let best = '';
      let missing = checks.map(([, what]) => what);
      let moves = 0;
      let polls = 0;
      const deadline = Date.now() + 20_000;
      while (missing.length && Date.now() < deadline) {
        text = (await hoverText()).replace(/\s+/g, ' ');
        if (!text) {
          const dx = (moves++ % 4) * 3;
          await page.mouse.move(hit.x + hit.width / 2 + dx, hit.y + hit.height / 2);
          await page.mouse.move(hit.x + hit.width / 2 + dx + 2, hit.y + hit.height / 2);
          await page.waitForTimeout(400);
          continue;
        }
        if (text.length > best.length) best = text;
        missing = checks.filter(([re]) => !re.test(text)).map(([, what]) => what);
        if (missing.length) await page.waitForTimeout(300);
        // Lines move under a still mouse (the code lenses above findings' lines appear when the
        // analysis ends), leaving the hover of the line above: every few reads, aim at the line again.
        if (missing.length && ++polls % 5 === 0) {
          await page.mouse.move(700, 5);
          hit = await locateText(page, faultNeedle(), 'kvm_guest_fault');
          best = '';
        }
      }
      if (!best) throw new Error(`no hover appeared over kvm_guest_fault on line ${ctx.faultLine} in 20 s (${moves} mouse moves)`);
      text = missing.length ? best : text;
      if (missing.length) throw new Error(`hover on line ${ctx.faultLine} lacks ${missing.join(', ')}; hover text: "${text.slice(0, 300)}"`);
      return `hover: "...${text.slice(Math.max(0, text.search(/ESR/)), Math.max(0, text.search(/ESR/)) + 160)}..."`;
    },
    { needs: ['open-trace'] },
  );
  await page.mouse.move(5, 5).catch(() => undefined);

  await steps.step(
    'status-bar',
    async () => {
      await page.keyboard.press('Escape');
      const deadline = Date.now() + 10_000;
      let items = [];
      while (Date.now() < deadline) {
        items = await extensionStatusItems(page, EXTENSION_ID);
        if (items.some((i) => /\d/.test(i.text))) break;
        await page.waitForTimeout(300);
      }
      const item = items.find((i) => /\d/.test(i.text));
      if (!item) throw new Error(`no status bar item of ${EXTENSION_ID} with counts (items: ${items.map((i) => `${i.id}="${i.text}"`).join(', ') || 'none'})`);
      ctx.statusBefore = item.text;
      if (ctx.findings) {
        const want = replayCounts(ctx.findings);
        const num = (re) => Number((re.exec(item.text) ?? [])[1]);
        const shown = { faults: num(/(\d+)\s+faults/), spurious: num(/(\d+)\s+spurious/) };
        const wrong = Object.keys(shown).filter((k) => shown[k] !== want[k]);
        if (wrong.length) throw new Error(`status bar "${item.text}" shows ${wrong.map((k) => `${k} ${shown[k]}`).join(', ')}, the engine has ${wrong.map((k) => `${k} ${want[k]}`).join(', ')}`);
      }
      return `status bar ${item.id}: "${item.text}"${ctx.findings ? ' = the engine\'s counts' : ''}`;
    },
    { needs: ['open-trace'] },
  );

  // A replay that changes the counts on race4_4k-vhe: kernel 5.13 cleans the D-cache in every fault,
  // so each lost race's fault adds a C3 warning (603 -> 1208 findings). FEAT_BBM level 2 changes
  // nothing there (its lost races are 4 KiB pages: no block, no window) but is checked against the
  // CLI too; "As recorded" then gives the timeline (and its README pictures) the recorded analysis back.
  await replayStep('replay-kernel-5.13', 'Kernel 5.13 behaviour', ['--kernel', '5.13'], { mustChange: true });
  await replayStep('replay-bbm2', 'FEAT_BBM level 2', ['--bbm', '2'], { mustChange: false });
  await replayStep('replay-as-recorded', 'As recorded', [], { mustChange: false });

  await steps.step(
    'timeline-open',
    async () => {
      // The replays' notifications would cover the README picture taken here.
      await runCommand(page, 'Notifications: Clear All Notifications').catch(() => page.keyboard.press('Escape'));
      await runCommand(page, 'Stage-2 Lens: Show Timeline');
      try {
        await page.locator('.tabs-container .tab', { hasText: TIMELINE_TITLE }).first().waitFor({ timeout: 15_000 });
      } catch {
        const toast = await page.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
        throw new Error(`no "${TIMELINE_TITLE}" tab appeared${toast.length ? `; notifications: ${toast.join(' | ').replace(/\s+/g, ' ')}` : ''}`);
      }
      const frame = timelineFrame(page);
      try {
        await frame.locator('canvas#timeline').waitFor({ timeout: 15_000 });
      } catch {
        throw new Error(`the "${TIMELINE_TITLE}" webview has no canvas#timeline`);
      }
      try {
        await frame.locator('#marks-list [data-line]').first().waitFor({ state: 'attached', timeout: 15_000 });
      } catch {
        throw new Error('the timeline webview has no accessible mark list (#marks-list [data-line])');
      }
      const n = await frame.locator('#marks-list [data-line]').count();
      return `"${TIMELINE_TITLE}" open: canvas#timeline and ${n} marks in #marks-list`;
    },
    { needs: ['open-trace'] },
  );

  await steps.step(
    'timeline-reveal',
    async () => {
      const frame = timelineFrame(page);
      const marks = await frame.locator('#marks-list [data-line]').evaluateAll((els) => els.map((e, i) => ({ i, line: Number(e.getAttribute('data-line')) })));
      // A mark far from the top, so revealing it has to scroll the editor.
      const target = marks.filter((m) => m.line > 200).pop() ?? marks[marks.length - 1];
      const text = lineOf(ctx.trace, target.line).trim().slice(0, 50);
      const mark = frame.locator('#marks-list [data-line]').nth(target.i);
      const t0 = Date.now();
      await mark.scrollIntoViewIfNeeded();
      await mark.click();
      const tClick = Date.now() - t0;
      try {
        await page.locator('.editor-instance .view-line', { hasText: text }).first().waitFor({ timeout: 10_000 });
      } catch {
        throw new Error(`after clicking the mark with data-line=${target.line}, no editor shows that line ("${text}")`);
      }
      // The text can show a moment before the status bar reports the new cursor position.
      let ln = await cursorLine(page).catch(() => undefined);
      for (let i = 0; i < 25 && ln !== undefined && ln !== target.line; i++) {
        await page.waitForTimeout(200);
        ln = await cursorLine(page).catch(() => undefined);
      }
      if (ln !== undefined && ln !== target.line) throw new Error(`the editor shows line ${target.line}'s text but its cursor is on line ${ln}`);
      return `mark data-line=${target.line} revealed "${text}"${ln ? ` (cursor Ln ${ln})` : ''}; click ${tClick} ms, reveal ${Date.now() - t0 - tClick} ms`;
    },
    { needs: ['timeline-open'] },
  );

  await steps.step(
    'timeline-range',
    async () => {
      // Shift+drag across part of the canvas selects a time range; the page lists its statistics in
      // #range-stats under a heading "Selection <t0> s – <t1> s (<span>)". The range is only readable
      // from that heading, to the microsecond; trace timestamps are whole microseconds, so a selection
      // is unambiguous when no fault lies within 1 µs of either shown end (else drag a little further).
      // CLI side: `analyze --from t0 --to t1 --format json` with the open analysis's flags.
      const frame = timelineFrame(page);
      const canvas = frame.locator('canvas#timeline');
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      if (!box || box.width < 100) throw new Error(`canvas#timeline is ${box ? `${Math.round(box.width)} px` : 'not'} wide: nothing to drag across`);
      const findings = ctx.timelineFindings ?? ctx.findings;
      const spuriousTs = findings.filter((f) => /^S\d/.test(f.cls ?? f.code)).map((f) => f.ts);
      const faultTs = faultTimestamps(ctx.lines);
      // The engine makes one fault mark per kvm_guest_fault line on this trace; only then can the trace text stand for the CLI's faults.
      const faultsFromText = faultTs.length === replayCounts(findings).faults;
      const heading = frame.locator('#range-stats h3').first();
      const stats = frame.locator('#range-stats li');
      const tried = [];
      for (const [from, to] of [[0.3, 0.6], [0.33, 0.62], [0.27, 0.57], [0.4, 0.7]]) {
        const previous = (await heading.isVisible().catch(() => false)) ? await heading.innerText() : '';
        const y = box.y + box.height * 0.4;
        await page.mouse.move(box.x + box.width * from, y);
        await page.keyboard.down('Shift');
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * to, y, { steps: 10 });
        await page.mouse.up();
        await page.keyboard.up('Shift');
        let text = previous;
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; await page.waitForTimeout(200)) {
          text = (await heading.isVisible().catch(() => false)) ? await heading.innerText() : '';
          if (text && text !== previous) break;
        }
        if (!text || text === previous) throw new Error(`a Shift+drag from ${from * 100}% to ${to * 100}% of canvas#timeline showed no new statistics in #range-stats within 10 s (heading "${text}")`);
        const m = /Selection\s+([\d.]+)\s*s\s*\S\s*([\d.]+)\s*s/.exec(text);
        if (!m) throw new Error(`cannot read the selected range from the statistics heading "${text}"`);
        const t0 = secondsToNs(m[1]);
        const t1 = secondsToNs(m[2]);
        const near = [...faultTs, ...spuriousTs].filter((ts) => Math.abs(ts - t0) <= 1000 || Math.abs(ts - t1) <= 1000);
        if (near.length) {
          tried.push(`${m[1]}-${m[2]} s (${near.length} faults within 1 µs of an end)`);
          continue;
        }
        const lines = await stats.allInnerTexts();
        const fm = lines.map((l) => /^(\d+) faults, (\d+) spurious/.exec(l.trim())).find(Boolean);
        if (!fm) throw new Error(`the statistics of ${m[1]}-${m[2]} s have no "N faults, M spurious" line: ${lines.join(' | ')}`);
        const shown = { faults: Number(fm[1]), spurious: Number(fm[2]) };
        const inRange = (ts) => ts >= t0 && ts <= t1;
        // The CLI's own range statistics (`analyze --from --to`: the timeline's counting rule), and
        // independently the findings and kvm_guest_fault lines in range.
        const cliFlags = `analyze ${[...(ctx.timelineFlags ?? []), '--from', t0, '--to', t1].join(' ')}`.trim();
        const range = engineFindings(join(ctx.extracted, 'dist', 'cli', 'main.js'), ctx.trace, [...(ctx.timelineFlags ?? []), '--from', String(t0), '--to', String(t1)]).analysis?.range;
        if (!range?.stats?.faults) throw new Error(`\`${cliFlags} --format json\` printed no range statistics`);
        const want = { faults: range.stats.faults.total, spurious: range.stats.faults.spurious + (broken('timeline-range') ? 1 : 0) };
        const wrong = Object.keys(want).filter((k) => shown[k] !== want[k]);
        if (wrong.length) throw new Error(`the selection ${m[1]}-${m[2]} s shows ${wrong.map((k) => `${k} ${shown[k]}`).join(', ')}; the CLI (${cliFlags}) has ${wrong.map((k) => `${k} ${want[k]}`).join(', ')} ("${lines.join(' | ')}")`);
        const spuriousInRange = spuriousTs.filter(inRange).length;
        if (spuriousInRange !== range.stats.faults.spurious) throw new Error(`the CLI's range statistics count ${range.stats.faults.spurious} spurious faults in [${t0}, ${t1}] ns but ${spuriousInRange} S findings lie in it`);
        if (faultsFromText && faultTs.filter(inRange).length !== want.faults) throw new Error(`the CLI counts ${want.faults} faults in range, the trace has ${faultTs.filter(inRange).length} kvm_guest_fault lines there`);
        if (spuriousInRange === 0 || spuriousInRange === spuriousTs.length) throw new Error(`the selection ${m[1]}-${m[2]} s holds ${spuriousInRange} of ${spuriousTs.length} spurious faults: a range check needs a part of them`);
        return `Shift+drag ${from * 100}%-${to * 100}%: "${text}" shows ${shown.faults} faults, ${shown.spurious} spurious = CLI \`${cliFlags}\` (${spuriousInRange} of ${spuriousTs.length} S findings${faultsFromText ? `; = kvm_guest_fault lines in range, of ${faultTs.length}` : ''})${tried.length ? `; skipped ${tried.join(', ')}` : ''}`;
      }
      throw new Error(`every selection had a fault within 1 µs of an end, so the µs heading cannot say whether it counts: ${tried.join('; ')}`);
    },
    { needs: ['timeline-open', 'engine-findings'], timeoutMs: 90_000 },
  );

  await steps.step(
    'timeline-wasd',
    async () => {
      // W/S zoom about the centre and A/D pan by a tenth, read off the toolbar's visible range (to a
      // thousandth of the span): the page's own keys, as a Perfetto user presses them.
      const frame = timelineFrame(page);
      const shown = frame.locator('#view-range');
      const read = async () => {
        const text = await shown.innerText();
        const m = /([\d.]+)\s*s\s*\S\s*([\d.]+)\s*s/.exec(text);
        if (!m) throw new Error(`cannot read the visible range from #view-range "${text}"`);
        return { t0: secondsToNs(m[1]), t1: secondsToNs(m[2]), text };
      };
      const after = async (key, before) => {
        await page.keyboard.press(key);
        for (const deadline = Date.now() + 5000; Date.now() < deadline; await page.waitForTimeout(50)) {
          const v = await read();
          if (v.text !== before.text) return v;
        }
        throw new Error(`"${key}" on the focused canvas did not change the visible range "${before.text}"`);
      };
      await frame.locator('canvas#timeline').focus();
      const v0 = await read();
      const span = (v) => v.t1 - v.t0;
      const mid = (v) => (v.t0 + v.t1) / 2;
      // The range is shown to span/1000: a check within 0.3% of the span is within what the page shows.
      const near = (a, b, what) => {
        if (Math.abs(a - b) > span(v0) * 0.003) throw new Error(`${what}: ${a} ns, expected ${b} ns`);
      };
      const w = await after('w', v0);
      near(span(w), span(v0) / 2, `W: the span (${v0.text} -> ${w.text})`);
      near(mid(w), mid(v0), `W: the centre (${v0.text} -> ${w.text})`);
      const d = await after('d', w);
      near(d.t0 - w.t0, span(w) / 10, `D: later by a tenth of the view (${w.text} -> ${d.text})`);
      const a = await after('a', d);
      near(a.t0, w.t0, `A: back (${d.text} -> ${a.text})`);
      const sv = await after('s', a);
      near(span(sv), span(v0), `S: the span back (${a.text} -> ${sv.text})`);
      return `"${v0.text}" -W-> "${w.text}" -D-> "${d.text}" -A-> "${a.text}" -S-> "${sv.text}"`;
    },
    { needs: ['timeline-open'] },
  );

  await steps.step(
    'timeline-legend',
    async () => {
      // The legend names each finding class of the analysis by its catalog title (the docs page's heading, rendered from the catalog).
      const frame = timelineFrame(page);
      const items = await frame.locator('#legend li').evaluateAll((els) => els.map((e) => ({ cls: e.dataset.cls, text: e.textContent, swatch: getComputedStyle(e.querySelector('.swatch')).backgroundColor })));
      const findings = ctx.timelineFindings ?? ctx.findings;
      const want = [...new Set(findings.map((f) => f.cls ?? f.code.split('-')[0]))].sort();
      const shownClasses = items.filter((i) => /^[A-Z]\d+$/.test(i.cls)).map((i) => i.cls).sort();
      if (shownClasses.join() !== want.join()) throw new Error(`the legend shows the finding classes ${shownClasses.join(', ') || 'none'}; the analysis has ${want.join(', ')}`);
      for (const cls of want) {
        const heading = readFileSync(join(repo, 'docs', 'findings', `${cls}.md`), 'utf8').split('\n')[0];
        const title = /^# \S+: (.*) \(`/.exec(heading)?.[1];
        const item = items.find((i) => i.cls === cls);
        if (item.text !== `${cls} ${title}`) throw new Error(`the legend says "${item.text}" for ${cls}; the catalog (docs/findings/${cls}.md) says "${cls} ${title}"`);
        if (!item.swatch || /rgba\(0, 0, 0, 0\)|transparent/.test(item.swatch)) throw new Error(`the legend's ${cls} swatch has no colour (${item.swatch})`);
      }
      return `legend: ${items.map((i) => `${i.text} [${i.swatch}]`).join('; ')}`;
    },
    { needs: ['timeline-open', 'engine-findings'] },
  );

  await steps.step(
    'timeline-reveal-problems',
    async () => {
      // Problems panel -> a finding's row -> Quick Fix (Ctrl+.) -> "Reveal in Timeline": the timeline
      // selects that line's mark (its details panel names the line) and zooms to the fault's time.
      await page.locator('.tabs-container .tab', { hasText: ctx.traceName }).first().click();
      await openProblems(page);
      const findings = ctx.timelineFindings ?? ctx.findings;
      const row = page.locator('.markers-panel .monaco-list-row', { has: page.locator('.marker-code', { hasText: /^S1-/ }) }).first();
      const any = page.locator('.markers-panel .monaco-list-row', { has: page.locator('.marker-code') }).first();
      const target = (await row.count()) ? row : any;
      await target.waitFor({ timeout: 10_000 });
      const lineText = (await target.locator('.marker-line').textContent().catch(() => '')) ?? '';
      const line = Number((/Ln (\d+)/.exec(lineText) ?? /Ln (\d+)/.exec(await target.innerText()) ?? [])[1]);
      const code = (await target.locator('.marker-code').textContent())?.trim();
      const finding = findings.find((f) => f.line === line && f.code === code);
      if (!finding) throw new Error(`the Problems row "${await target.innerText()}" (line ${line}) is no finding of the engine`);
      // The Problems panel shows a row's quick fixes as a context menu (not the editor's action widget).
      // Its code actions are asked for when the row gets focus: on a loaded machine the first Ctrl+.
      // can come before they arrive and open nothing, so the row is focused and asked again.
      const action = page.locator('.context-view .monaco-menu .action-item').filter({ hasText: 'Reveal in Timeline' }).first();
      let offered = [];
      for (let attempt = 1; ; attempt++) {
        await target.click();
        await target.focus();
        await page.keyboard.press('Control+.');
        try {
          await action.waitFor({ timeout: 10_000 });
          break;
        } catch {
          offered = await page.locator('.context-view .monaco-menu').allInnerTexts().catch(() => []);
          await page.keyboard.press('Escape');
          if (attempt === 3) throw new Error(`Ctrl+. on the Problems row of line ${line} offered no "Reveal in Timeline" in 3 tries (menu: ${offered.join(' | ').replace(/\s+/g, ' ') || 'none'})`);
          await page.waitForTimeout(1000);
        }
      }
      // A click right after the menu opens can be dropped (VS Code's menus ignore a release that may
      // be the opening gesture's): choose with Enter on the focused item, then click if it stays open.
      const menu = page.locator('.context-view .monaco-menu');
      const closed = () => menu.waitFor({ state: 'hidden', timeout: 2000 }).then(() => true, () => false);
      await action.locator('.action-menu-item').focus();
      await page.keyboard.press('Enter');
      if (!(await closed())) await action.click();
      if (!(await closed())) {
        await page.keyboard.press('Escape'); // later steps need the workbench unblocked
        throw new Error(`neither Enter nor a click on "Reveal in Timeline" in the quick-fix menu of line ${line} chose it`);
      }
      await page.locator('.tabs-container .tab.active', { hasText: TIMELINE_TITLE }).waitFor({ timeout: 10_000 });
      const frame = timelineFrame(page);
      const link = frame.locator('#details:not([hidden]) .line-link').first();
      await link.waitFor({ timeout: 15_000 });
      const aria = await link.getAttribute('aria-label');
      if (aria !== `Go to trace line ${line}`) throw new Error(`after Reveal in Timeline on line ${line}, the details panel's line link says "${aria}"`);
      const heading = await frame.locator('#details h2').innerText();
      const details = await frame.locator('#details section h3').allInnerTexts();
      if (!details.some((h) => h.startsWith(`${code}:`))) throw new Error(`the details panel of line ${line} does not show its finding ${code} (headings: ${details.join(' | ')})`);
      const text = await frame.locator('#view-range').innerText();
      const m = /([\d.]+)\s*s\s*\S\s*([\d.]+)\s*s/.exec(text);
      const t0 = m ? secondsToNs(m[1]) : NaN;
      const t1 = m ? secondsToNs(m[2]) : NaN;
      // The heading gives the mark's extent (a fault: exit to entry); F-style fit: all of it in view, with a margin of a tenth each side.
      const ext = [...heading.matchAll(/(\d+\.\d+) s/g)].map((x) => secondsToNs(x[1]));
      const [m0, m1] = [ext[0], ext[1] ?? ext[0]];
      if (!(m0 <= finding.ts && finding.ts <= m1)) throw new Error(`the details heading "${heading}" (the mark: the fault's exit to entry) does not hold the finding's time ${finding.ts} ns`);
      if (!(t0 <= m0 && m1 <= t1 && t1 - t0 <= Math.max((m1 - m0) * 1.25, 20_000))) throw new Error(`the timeline shows "${text}": not zoomed to the fault's extent in "${heading}"`);
      // A lost race's cause is the other vCPU's map: the arrow starts on that vCPU's lane at the cause line's time.
      const causes = finding.related ?? [];
      const notes = await frame.locator('#details .arrow-note').allInnerTexts();
      for (const c of causes) {
        const ts = /\s(\d+\.\d+):\s/.exec(lineOf(ctx.trace, c.line))?.[1];
        const vcpu = /^(vCPU \d+ \([^)]*\))/.exec(c.message)?.[1];
        if (ts && vcpu && !notes.some((n) => n.includes(`arrow from ${vcpu} at ${ts} s`))) throw new Error(`no arrow from ${vcpu} at ${ts} s (cause line ${c.line}: "${c.message}"); the panel says: ${notes.join(' | ') || 'no arrow'}`);
      }
      return `Problems row ${code} line ${line} -> Quick Fix "Reveal in Timeline": details "${heading}", ${details.join(' | ')}${notes.join('')}; view "${text}"`;
    },
    { needs: ['timeline-open', 'engine-findings'] },
  );

  /**
   * After a "Reveal in Timeline" on `line`: the timeline's tab is active and its details panel is
   * that line's (its line link names it). Returns the panel's heading.
   */
  async function revealedInTimeline(line, how) {
    await page.locator('.tabs-container .tab.active', { hasText: TIMELINE_TITLE }).waitFor({ timeout: 10_000 });
    const frame = timelineFrame(page);
    const link = frame.locator(`#details:not([hidden]) .line-link[aria-label="Go to trace line ${line}"]`).first();
    try {
      await link.waitFor({ timeout: 15_000 });
    } catch {
      const seen = await frame.locator('#details .line-link').first().getAttribute('aria-label', { timeout: 1000 }).catch(() => 'no details panel');
      throw new Error(`after Reveal in Timeline from ${how} on line ${line}, the details panel says "${seen}"`);
    }
    return frame.locator('#details h2').innerText();
  }

  /** An S1 finding's line other than `not`, the timeline's current selection (so a reveal has to move it). */
  function otherFindingLine(pick, not) {
    const lines = [...new Set((ctx.timelineFindings ?? ctx.findings).filter((f) => f.code.startsWith('S1-') && !not.includes(f.line)).map((f) => f.line))];
    if (!lines.length) throw new Error('the trace has no other S1 finding to reveal');
    return pick(lines);
  }

  /** The unique text of a trace line on screen: its timestamp. */
  const lineNeedle = (line) => `${/\s(\d+\.\d+):\s/.exec(lineOf(ctx.trace, line))?.[1]}:`;

  await steps.step(
    'timeline-reveal-hover',
    async () => {
      // The hover of a finding's line ends in a "Reveal in Timeline" link; VS Code runs it only
      // because the extension trusts that command in hovers.
      const line = otherFindingLine((ls) => ls.at(-1), [ctx.revealedLine ?? -1]);
      await page.locator('.tabs-container .tab', { hasText: ctx.traceName }).first().click();
      await goToLine(page, line);
      const hit = await locateText(page, lineNeedle(line));
      const link = page.locator('.monaco-editor .monaco-hover:not(.hidden) a', { hasText: 'Reveal in Timeline' }).first();
      for (let moves = 0, deadline = Date.now() + 20_000; !(await link.isVisible()) && Date.now() < deadline; moves++) {
        await page.mouse.move(hit.x + hit.width / 2 + (moves % 4) * 3, hit.y + hit.height / 2);
        await page.waitForTimeout(400);
      }
      if (!(await link.isVisible())) throw new Error(`no "Reveal in Timeline" link in the hover of line ${line}`);
      await link.click();
      const heading = await revealedInTimeline(line, 'the hover');
      ctx.revealedLine = line;
      return `hover of line ${line} -> "Reveal in Timeline" link: details "${heading}"`;
    },
    { needs: ['timeline-open', 'engine-findings'] },
  );

  await steps.step(
    'timeline-reveal-codelens',
    async () => {
      // The code lens above a finding's line.
      const line = otherFindingLine((ls) => ls[Math.floor(ls.length / 2)], [ctx.revealedLine ?? -1]);
      await page.mouse.move(700, 5); // no hover over the lens
      await page.keyboard.press('Escape');
      await page.locator('.tabs-container .tab', { hasText: ctx.traceName }).first().click();
      await goToLine(page, line);
      const needle = lineNeedle(line);
      await locateText(page, needle);
      // The lens right above the line (each finding's line has one).
      let at;
      for (const deadline = Date.now() + 15_000; !at && Date.now() < deadline; await page.waitForTimeout(300)) {
        at = await page.evaluate((needle) => {
          const row = [...document.querySelectorAll('.editor-instance .view-line')].find((l) => l.textContent.replace(/\u00a0/g, ' ').includes(needle));
          if (!row) return undefined;
          const top = row.getBoundingClientRect().top;
          const above = [...document.querySelectorAll('.editor-instance .codelens-decoration a')]
            .filter((a) => a.textContent.trim() === 'Reveal in Timeline')
            .map((a) => a.getBoundingClientRect())
            .filter((r) => r.height > 0 && r.bottom <= top + 2 && r.bottom > top - 40)
            .sort((a, b) => b.bottom - a.bottom)[0];
          return above && { x: above.x + above.width / 2, y: above.y + above.height / 2 };
        }, needle);
      }
      if (!at) throw new Error(`no "Reveal in Timeline" code lens above line ${line}`);
      await page.mouse.click(at.x, at.y);
      const heading = await revealedInTimeline(line, 'the code lens');
      return `code lens above line ${line} -> details "${heading}"`;
    },
    { needs: ['timeline-open', 'engine-findings'] },
  );

  await steps.step(
    'timeline-arrows',
    async () => {
      // The Arrows toggle over the whole trace: every finding's cause is an arrow, drawn or (in a
      // dense view) counted as not drawn; together they are the causes of the engine's findings.
      const frame = timelineFrame(page);
      await frame.locator('canvas#timeline').focus();
      await page.keyboard.press('Home');
      const toggle = frame.locator('#arrows-toggle');
      await toggle.click();
      const note = frame.locator('#arrows-note');
      let text = '';
      // "Cause arrows: asking…" until the panel answers, then the count.
      for (const deadline = Date.now() + 15_000; Date.now() < deadline && !/^\d+ cause arrow/.test(text); await page.waitForTimeout(200)) text = await note.innerText();
      const m = /^(\d+) cause arrows?(?:, (\d+) more not drawn: zoom in)?$/.exec(text.trim());
      if (!m) throw new Error(`after the Arrows toggle the note says "${text}"`);
      const [drawn, omitted] = [Number(m[1]), Number(m[2] ?? 0)];
      const findings = ctx.timelineFindings ?? ctx.findings;
      const want = findings.reduce((n, f) => n + (f.related?.length ?? 0), 0);
      if (drawn + omitted !== want) throw new Error(`the note "${text}" counts ${drawn + omitted} cause arrows; the engine's findings have ${want} causes`);
      if (drawn === 0) throw new Error(`no arrow drawn: "${text}"`);
      const pressed = await toggle.getAttribute('aria-pressed');
      await page.waitForTimeout(300); // the screenshot of this step shows them
      await toggle.click();
      return `whole trace: "${text}" (= the ${want} causes of the engine's findings), aria-pressed ${pressed}; toggled off again`;
    },
    { needs: ['timeline-open', 'engine-findings'] },
  );

  await steps.step(
    'timeline-themes',
    async () => {
      // The palette offers our commands only with a trace editor active (the range step left focus in the webview).
      await page.locator('.tabs-container .tab', { hasText: ctx.traceName }).first().click();
      await runCommand(page, 'Stage-2 Lens: Show Timeline');
      await page.locator('.tabs-container .tab.active', { hasText: TIMELINE_TITLE }).waitFor({ timeout: 10_000 });
      // README pictures: the timeline alone, wide, from its top (best effort: the layout commands are the workbench's).
      await page.locator('.tabs-container .tab', { hasText: TIMELINE_TITLE }).first().click(); // its group becomes the active one
      const timings = [];
      let mark = Date.now();
      const lap = (what) => {
        timings.push(`${what} ${((Date.now() - mark) / 1000).toFixed(1)} s`);
        mark = Date.now();
      };
      for (const layout of ['Notifications: Clear All Notifications', 'View: Hide Panel', 'View: Maximize Editor Group and Hide Side Bars']) {
        await runCommand(page, layout).catch(() => page.keyboard.press('Escape'));
        lap(layout.split(': ')[1]);
      }
      await page.waitForTimeout(500);
      await timelineFrame(page).locator('body').evaluate(() => window.scrollTo(0, 0)).catch(() => undefined);
      const shots = [];
      for (const [theme, file] of [
        ['Default Light Modern', 'timeline-light.png'],
        ['Default Dark Modern', 'timeline-dark.png'],
        ['Default High Contrast', 'timeline-high-contrast.png'],
      ]) {
        await setTheme(theme);
        await timelineFrame(page).locator('canvas#timeline').waitFor({ timeout: 10_000 });
        const path = join(resultsDir, file);
        await page.locator(`iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`).first().screenshot({ path, timeout: 10_000 });
        shots.push(path);
        lap(theme);
      }
      await setTheme('Default Light Modern');
      ctx.themeShots = shots.filter(Boolean);
      return `${ctx.themeShots.map((p) => basename(p)).join(', ')} (${timings.join(', ')})`;
    },
    { needs: ['timeline-open'] },
  );

  await steps.step(
    'timeline-large',
    async () => {
      // A trace over 50 MB: VS Code does not sync it, the server reads it from disk. The status bar
      // must reach the CLI's counts, and the timeline's status line the number of marks the CLI keeps.
      const t0 = Date.now();
      const cli = engineFindings(join(ctx.extracted, 'dist', 'cli', 'main.js'), ctx.largeTrace);
      const want = replayCounts(cli);
      const wantMarks = cli.analysis?.timeline?.marks;
      if (!wantMarks) throw new Error(`the CLI's JSON for ${LARGE_TRACE_NAME} has no timeline.marks`);
      const cliMs = Date.now() - t0;
      await runCommand(page, 'View: Close All Editors').catch(() => undefined);
      await quickOpen(page, LARGE_TRACE_NAME);
      const opened = Date.now();
      let item;
      const num = (re) => Number((re.exec(item?.text ?? '') ?? [])[1]);
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await page.waitForTimeout(300)) {
        item = (await extensionStatusItems(page, EXTENSION_ID)).find((i) => /\d+\s+faults/.test(i.text));
        if (num(/(\d+)\s+faults/) === want.faults && num(/(\d+)\s+spurious/) === want.spurious) break;
      }
      if (num(/(\d+)\s+faults/) !== want.faults || num(/(\d+)\s+spurious/) !== want.spurious) throw new Error(`with ${LARGE_TRACE_NAME} open the status bar shows "${item?.text ?? 'no counts'}" after 120 s, the CLI has ${want.faults} faults, ${want.spurious} spurious`);
      const analysedMs = Date.now() - opened;
      // The workbench is slow to answer while it holds a 120 MB text model: a second try for the palette.
      await runCommand(page, 'Notifications: Clear All Notifications').catch(() => page.keyboard.press('Escape'));
      await runCommand(page, 'Stage-2 Lens: Show Timeline').catch(async () => {
        await page.keyboard.press('Escape');
        await page.waitForTimeout(2000);
        await runCommand(page, 'Stage-2 Lens: Show Timeline');
      });
      const frame = timelineFrame(page);
      const status = frame.locator('#status');
      let text = '';
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(300)) {
        text = (await status.textContent({ timeout: 5_000 }).catch(() => '')) ?? '';
        if (/^[\d,]+ marks/.test(text)) break;
      }
      const shown = Number((/^([\d,]+) marks/.exec(text) ?? ['', 'NaN'])[1].replace(/,/g, ''));
      if (shown !== wantMarks) throw new Error(`the timeline of ${LARGE_TRACE_NAME} says "${text}"; the CLI keeps ${wantMarks} marks`);
      // Wheel zooms over the canvas: the page's frame times, measured from outside (the shipped page has
      // no bench hook): each animation-frame callback that draws on the canvas (sets its transform) is timed.
      const canvas = frame.locator('canvas#timeline');
      const box = await canvas.boundingBox();
      await canvas.evaluate((el) => {
        const c = el.getContext('2d');
        const draws = (window.__e2eDrawMs = []);
        let drew = false;
        const setTransform = c.setTransform.bind(c);
        c.setTransform = (...a) => {
          drew = true;
          setTransform(...a);
        };
        const raf = window.requestAnimationFrame.bind(window);
        window.requestAnimationFrame = (cb) =>
          raf((ts) => {
            drew = false;
            const s = performance.now();
            cb(ts);
            if (drew) draws.push(performance.now() - s);
          });
      });
      for (let i = 0; i < 12 && box; i++) {
        await page.mouse.move(box.x + box.width * (0.3 + i * 0.03), box.y + 40);
        await page.mouse.wheel(0, i < 8 ? -240 : 240);
        await page.waitForTimeout(60);
      }
      await page.waitForTimeout(500);
      const draws = await frame.locator('body').evaluate(() => window.__e2eDrawMs.slice());
      const sorted = [...draws].sort((x, y) => x - y);
      const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
      return `${LARGE_TRACE_NAME} (${(ctx.largeTraceInfo.bytes / 1e6).toFixed(0)} MB, ${ctx.largeTraceInfo.copies} copies): status bar "${item.text}" = CLI after ${(analysedMs / 1000).toFixed(1)} s (CLI ${(cliMs / 1000).toFixed(1)} s); timeline "${text}" = the CLI's ${wantMarks} marks; ${draws.length} frames while zooming, median ${median.toFixed(1)} ms, max ${Math.max(...draws).toFixed(1)} ms`;
    },
    { needs: ['workbench', 'engine-findings'], timeoutMs: 240_000 },
  );

  // FEAT_BBM level 2 where it changes something: split_hot-vhe has 90 S2 faults in BBM windows, which BBM 2 removes.
  if (ctx.bbmTrace && existsSync(join(s.workspace, BBM_TRACE_NAME))) {
    await steps.step(
      'open-bbm-trace',
      async () => {
        ctx.bbmFindings = engineFindings(join(ctx.extracted, 'dist', 'cli', 'main.js'), ctx.bbmTrace);
        const want = replayCounts(ctx.bbmFindings);
        await quickOpen(page, BBM_TRACE_NAME);
        let item;
        const num = (re) => Number((re.exec(item?.text ?? '') ?? [])[1]);
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; await page.waitForTimeout(300)) {
          item = (await extensionStatusItems(page, EXTENSION_ID)).find((i) => /\d+\s+faults/.test(i.text));
          if (num(/(\d+)\s+faults/) === want.faults && num(/(\d+)\s+spurious/) === want.spurious) break;
        }
        if (num(/(\d+)\s+faults/) !== want.faults || num(/(\d+)\s+spurious/) !== want.spurious) throw new Error(`with ${BBM_TRACE_NAME} open the status bar shows "${item?.text ?? 'no counts'}" after 60 s, the CLI has ${want.faults} faults, ${want.spurious} spurious`);
        return `${BBM_TRACE_NAME} (from ../shared/traces/arm64-bbm/${BBM_TRACE_NAME}.gz): status bar "${item.text}" = CLI as recorded (${want.findings} findings)`;
      },
      { needs: ['workbench', 'engine-findings'], timeoutMs: 120_000 },
    );
    await replayStep('replay-bbm2-split-hot', 'FEAT_BBM level 2', ['--bbm', '2'], { mustChange: true, trace: ctx.bbmTrace, recordedFindings: ctx.bbmFindings, checkProblems: false, needs: ['open-bbm-trace'] });
    } else console.log(`  (no ${BBM_TRACE_NAME}.gz in ../shared/traces/arm64-bbm: the FEAT_BBM level 2 change is not checked; a skip would fail a run without ../shared)`);

  await diffSteps(page, s);

  if (ctx.consoleErrors?.length) writeFileSync(join(resultsDir, 'console-errors.txt'), ctx.consoleErrors.join('\n'));
  if (ctx.consoleErrors?.length) console.log(`    browser console errors (vsda 404s excluded): ${ctx.consoleErrors.length}, first: ${ctx.consoleErrors[0].slice(0, 160)}`);
  await browser.context.close().catch(() => undefined);
  steps.page = undefined;
  await s.stop();
}

/** The visible range a timeline's toolbar shows (`#view-range`), in ns. */
async function viewRange(frame) {
  const text = await frame.locator('#view-range').innerText();
  const m = /([\d.]+)\s*s\s*\S\s*([\d.]+)\s*s/.exec(text);
  if (!m) throw new Error(`cannot read the visible range from #view-range "${text}"`);
  return { t0: secondsToNs(m[1]), t1: secondsToNs(m[2]), text };
}

/** Each `tracing_mark_write` line's timestamp (ns), in file order: where the diff's phases start. */
function markerTimes(file) {
  const out = [];
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const m = /\s(\d+\.\d+): tracing_mark_write: /.exec(l);
    if (m) out.push(secondsToNs(m[1]));
  }
  return out;
}

/** Each editor group's tabs, `*` before the active one: what a step saw of the layout. */
async function editorGroups(page) {
  const groups = await page.locator('.editor-group-container').evaluateAll((gs) => gs.map((g) => [...g.querySelectorAll('.tab')].map((t) => `${t.classList.contains('active') ? '*' : ''}${t.getAttribute('aria-label')?.split(',')[0]}`).join(' | ')));
  return groups.map((g) => `[${g}]`).join(' ');
}

/**
 * The two timelines of a recording diff, found by the side their bar names ("Diff A: ...",
 * "Diff B: ..."), each with its webview's place on the page; waits until both show a range.
 */
async function diffTimelines(page, timeout = 90_000) {
  const selector = `iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`;
  let found = {};
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await page.waitForTimeout(300)) {
    found = {};
    const n = await page.locator(selector).count();
    for (let i = 0; i < n; i++) {
      const frame = page.frameLocator(selector).nth(i).frameLocator('iframe#active-frame');
      const label = (await frame.locator('#compare-label').textContent({ timeout: 1_000 }).catch(() => '')) ?? '';
      const range = (await frame.locator('#view-range').textContent({ timeout: 1_000 }).catch(() => '')) ?? '';
      const side = /^Diff ([AB]):/.exec(label)?.[1];
      if (side && range) found[side] = { frame, label, box: await page.locator(selector).nth(i).boundingBox() };
    }
    if (found.A && found.B) return found;
  }
  throw new Error(`the diff's two timelines did not both show a range within ${timeout / 1000} s (found: ${Object.keys(found).join(', ') || 'none'}; editor groups: ${await editorGroups(page)})`);
}

/** "Compare with Another Trace..." on the eager0/eager2m pair: the diff view, the two timelines, linked zoom, highlighted classes. */
async function diffSteps(page, s) {
  const [nameA, nameB] = DIFF_PAIR;
  const fileA = join(s.workspace, nameA);
  const fileB = join(s.workspace, nameB);
  const cliDiff = (format) => execFileSync(process.execPath, [join(ctx.extracted, 'dist', 'cli', 'main.js'), 'diff', nameA, nameB, '--format', format], { cwd: s.workspace, encoding: 'utf8', maxBuffer: 64 << 20 });

  await steps.step(
    'diff-open',
    async () => {
      ctx.diffJson = JSON.parse(cliDiff('json'));
      const md = cliDiff('md');
      await runCommand(page, 'View: Close All Editors').catch(() => undefined);
      await runCommand(page, 'Notifications: Clear All Notifications').catch(() => page.keyboard.press('Escape'));
      await quickOpen(page, nameB);
      await quickOpen(page, nameA);
      await runCommand(page, 'Stage-2 Lens: Compare with Another Trace...');
      // The quick pick offers the traces open in editors (and Browse...): the second recording is one.
      await pickQuickItem(page, nameB);
      // The diff's Markdown opens beside the trace: each line the editor renders is a line of `diff --format md`.
      const view = page.locator('.editor-instance', { has: page.locator('.view-line', { hasText: '# Stage-2 Lens diff' }) }).first();
      try {
        await view.waitFor({ timeout: 120_000 });
      } catch {
        const toast = await page.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
        throw new Error(`no editor shows "# Stage-2 Lens diff" within 120 s${toast.length ? `; notifications: ${toast.join(' | ').replace(/\s+/g, ' ')}` : ''}`);
      }
      // Markdown wraps long lines: the rendered lines, top to bottom, run together (white space aside)
      // are a stretch of `diff --format md`, from its first line.
      const squeeze = (t) => t.replace(/\s+/g, '');
      const rendered = await view.locator('.view-line').evaluateAll((els) => els.map((e) => ({ top: parseFloat(e.style.top) || 0, text: e.textContent ?? '' })).sort((x, y) => x.top - y.top).map((x) => x.text));
      const shown = squeeze(rendered.join(''));
      const want = squeeze(md);
      if (!shown || !want.startsWith(shown)) {
        let k = 0;
        while (k < shown.length && shown[k] === want[k]) k++;
        throw new Error(`the diff view is not \`diff --format md\`: they part after "${shown.slice(Math.max(0, k - 60), k)}" (view "${shown.slice(k, k + 40)}", CLI "${want.slice(k, k + 40)}")`);
      }
      const rows = md.split('\n').filter((l) => /^\| faults S\d /.test(l));
      for (const row of ['# Stage-2 Lens diff', `A: \`${nameA}\``, `B: \`${nameB}\``, ...rows]) {
        if (!shown.includes(squeeze(row))) throw new Error(`the diff view does not show "${row}"`);
      }
      // Both timelines, one above the other: B's under A's, over the same columns.
      const { A, B } = await diffTimelines(page);
      if (!(B.box.y >= A.box.y + A.box.height - 2) || Math.abs(A.box.x - B.box.x) > 2) throw new Error(`the timelines are not one above the other: A at ${JSON.stringify(A.box)}, B at ${JSON.stringify(B.box)}`);
      return `editor groups ${await editorGroups(page)}; diff view: ${rendered.length} rendered lines = the first ${shown.length} of ${want.length} non-blank characters of \`diff --format md\` (${rows.map((r) => r.split('|')[1].trim()).join(', ')} rows among them); timelines "${A.label}" above "${B.label}"`;
    },
    { needs: ['workbench', 'vsix'], timeoutMs: 240_000 },
  );

  await steps.step(
    'diff-linked-zoom',
    async () => {
      const { A, B } = await diffTimelines(page, 20_000);
      // The phases the diff aligned: the start of the trace, then one per marker, all in both recordings.
      const phases = ctx.diffJson.phases;
      const [ma, mb] = [markerTimes(fileA), markerTimes(fileB)];
      if (phases.some((p) => p.labelA === undefined || p.labelB === undefined) || phases.length !== ma.length + 1 || ma.length !== mb.length) throw new Error(`expected every phase in both recordings (${phases.length} phases, ${ma.length} and ${mb.length} markers)`);
      // Piecewise linear between the matched markers (the phases inside the trace; the first and last need the timeline's extent).
      const mapAB = (t) => {
        const k = ma.findIndex((x, i) => i + 1 < ma.length && t >= x && t <= ma[i + 1]);
        if (k < 0) return undefined;
        return mb[k] + ((t - ma[k]) / (ma[k + 1] - ma[k])) * (mb[k + 1] - mb[k]);
      };
      const waitChange = async (frame, before, what) => {
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; await page.waitForTimeout(50)) {
          const v = await viewRange(frame);
          if (v.text !== before.text) return v;
        }
        throw new Error(`${what}: the view stayed "${before.text}"`);
      };
      const canvasA = A.frame.locator('canvas#timeline');
      // Outside the phases (panned before the trace's start): the link says it is off, B stays.
      await canvasA.focus();
      await page.keyboard.press('Home');
      await page.waitForTimeout(300);
      const b0 = await viewRange(B.frame);
      const a0 = await viewRange(A.frame);
      await page.keyboard.press('a');
      await waitChange(A.frame, a0, 'A on A');
      const note = B.frame.locator('#link-note');
      await note.filter({ hasText: 'link off' }).waitFor({ timeout: 10_000 }).catch(async () => {
        throw new Error(`B's link note says "${await note.textContent()}" with A's view before the trace's start`);
      });
      const offText = await note.textContent();
      const b1 = await viewRange(B.frame);
      if (b1.text !== b0.text) throw new Error(`B moved with the link off: "${b0.text}" -> "${b1.text}"`);
      // W on A: half the span about its centre; B shows that range mapped through the phases.
      await page.keyboard.press('Home');
      await waitChange(A.frame, await viewRange(A.frame), 'Home on A').catch(() => undefined);
      await page.waitForTimeout(300);
      const aFull = await viewRange(A.frame);
      const bFull = await viewRange(B.frame);
      await page.keyboard.press('w');
      const aw = await waitChange(A.frame, aFull, 'W on A');
      const bw = await waitChange(B.frame, bFull, 'B after W on A');
      const want = { t0: mapAB(aw.t0), t1: mapAB(aw.t1) };
      if (want.t0 === undefined || want.t1 === undefined) throw new Error(`A's zoomed view "${aw.text}" is not inside the markers' phases`);
      // A's range is shown to a thousandth of its span, B's to a thousandth of its own: within 0.5% of B's span.
      const tol = (bw.t1 - bw.t0) * 0.005;
      if (Math.abs(bw.t0 - want.t0) > tol || Math.abs(bw.t1 - want.t1) > tol) throw new Error(`B shows "${bw.text}", the phases map A's "${aw.text}" to ${(want.t0 / 1e9).toFixed(6)} – ${(want.t1 / 1e9).toFixed(6)} s`);
      // Not the whole-trace proportion: the map goes through the phases.
      const naive = bFull.t0 + ((aw.t0 - aFull.t0) / (aFull.t1 - aFull.t0)) * (bFull.t1 - bFull.t0);
      const linkNote = (await note.textContent()) ?? '';
      if (/link off/.test(linkNote)) throw new Error(`B's note still says "${linkNote}" with A inside the phases`);
      return `Home, A: B "${b1.text}" stays, note "${offText}"; W on A: "${aw.text}" -> B "${bw.text}" = the markers' map ${(want.t0 / 1e9).toFixed(6)} – ${(want.t1 / 1e9).toFixed(6)} s (whole-trace proportion would start at ${(naive / 1e9).toFixed(6)} s)`;
    },
    { needs: ['diff-open'], timeoutMs: 120_000 },
  );

  await steps.step(
    'diff-highlight',
    async () => {
      // For the README's picture: the trace's group made small, so that the timelines get its height (a sash dragged up; cosmetic, never fails the step).
      const first = await diffTimelines(page, 20_000);
      await (async () => {
        const sashes = page.locator('.monaco-grid-view .monaco-sash.horizontal');
        const n = await sashes.count();
        for (let i = 0; i < n; i++) {
          const box = await sashes.nth(i).boundingBox();
          if (!box || Math.abs(box.y - (first.A.box.y - 35)) > 40 || box.x > first.A.box.x + first.A.box.width) continue;
          await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
          await page.mouse.down();
          await page.mouse.move(box.x + box.width / 2, 80, { steps: 8 });
          await page.mouse.up();
          break;
        }
      })().catch(() => undefined);
      await page.waitForTimeout(500);
      const { A, B } = await diffTimelines(page, 20_000);
      // The diff's verdict per class (src/core/diff/diffReport.ts): a significant interval, or a change in phases that occur once.
      const changed = ctx.diffJson.totals
        .flatMap((r) => {
          const cls = /^faults ([A-Z]\d+)$/.exec(r.metric)?.[1];
          return cls && (r.repeated?.significant || r.onceDelta || (!r.repeated && r.delta)) ? [cls] : [];
        })
        .sort();
      if (!changed.length) throw new Error('the CLI diff says no class changed: nothing to highlight');
      const notes = [];
      for (const [side, t] of [['A', A], ['B', B]]) {
        const got = (await t.frame.locator('#legend li.changed').evaluateAll((els) => els.map((e) => e.getAttribute('data-cls')))).sort();
        if (got.join() !== changed.join()) throw new Error(`${side}'s legend highlights ${got.join(', ') || 'nothing'}; the diff says ${changed.join(', ')} changed`);
        for (const cls of changed) {
          const r = ctx.diffJson.totals.find((x) => x.metric === `faults ${cls}`);
          const text = (await t.frame.locator(`#legend li.changed[data-cls="${cls}"] .change`).textContent()) ?? '';
          if (!text.includes(`A ${r.a} → B ${r.b}`)) throw new Error(`${side}'s legend says "${text}" for ${cls}; the diff has A ${r.a}, B ${r.b}`);
        }
        const dimmed = await t.frame.locator('#legend li.unchanged').count();
        // The README's picture shows both legends: each page scrolled to its legend, under its sticky toolbar.
        await t.frame.locator('body').evaluate(() => {
          const legend = document.getElementById('legend');
          const bar = document.querySelector('.toolbar');
          if (legend && bar) window.scrollTo(0, legend.getBoundingClientRect().top + window.scrollY - bar.getBoundingClientRect().height - 90);
        });
        notes.push(`${side}: ${got.join(', ')} highlighted, ${dimmed} dimmed`);
      }
      return `${notes.join('; ')} (the diff: ${changed.join(', ')} changed)`;
    },
    { needs: ['diff-open'] },
  );
}

// ---------- layer 2: mocha inside the real extension host ----------
async function exthostLayer() {
  const ready = await steps.step(
    'exthost-code-server',
    async () => {
      const suiteOut = join(stateDir, 'suite-build');
      const suiteFiles = ['test/e2e/suite', 'test/support'].flatMap((d) =>
        readdirSync(join(repo, d))
          .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
          .map((f) => join(repo, d, f)),
      );
      // The same per-file transpile scripts/build.mjs does, limited to the suite (one second, not a whole build).
      await esbuild.build({ entryPoints: suiteFiles, outdir: suiteOut, outbase: repo, bundle: false, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'inline', logLevel: 'warning' });
      ctx.suiteIndex = join(suiteOut, 'test', 'e2e', 'suite', 'index.js');
      ctx.exthostResult = join(stateDir, 'exthost-result.json');
      const srv = await startServer('exthost', {
        env: {
          STAGE2_E2E_TRACE: '', // set below once the workspace path is known
          STAGE2_E2E_EXPECTED: ctx.expectedFile ?? '',
          STAGE2_E2E_RESULT: ctx.exthostResult,
          E2E_BREAK: BREAK ? BREAK : '',
        },
      });
      srv.extraEnv.STAGE2_E2E_TRACE = join(srv.workspace, ctx.traceName);
      await srv.start();
      ctx.exthostServer = srv;
      return `suite ${ctx.suiteIndex.replace(repo + '/', '')}; extension ${ctx.extracted.replace(repo + '/', '')} (from the .vsix); port ${srv.port}`;
    },
    { needs: ['code-server-install', 'vsix', 'trace'], screenshot: false, timeoutMs: 90_000 },
  );
  if (!ready) return;
  await steps.step(
    'exthost-mocha',
    async () => {
      const srv = ctx.exthostServer;
      const b = await launchBrowser(join(stateDir, 'browser-exthost'));
      browser = b;
      steps.page = b.page;
      let resolveExit;
      const exited = new Promise((r) => (resolveExit = r));
      const log = [];
      await b.page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
      await b.page.exposeFunction('codeAutomationLog', async (_level, logArgs) => {
        const { format } = await import('node:util');
        const line = format(...(logArgs ?? []));
        log.push(line);
        // The workbench's own console chatter reaches this hook too: show mocha, not the noise.
        for (const l of line.split('\n')) if (l.trim() && !EXTHOST_NOISE.test(l)) console.log(`    | ${l}`);
      });
      const payload = [
        ['extensionDevelopmentPath', srv.remoteUri(ctx.extracted)],
        ['extensionTestsPath', srv.remoteUri(ctx.suiteIndex)],
      ];
      await b.page.goto(srv.url(payload), { waitUntil: 'domcontentloaded' });
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 150_000))]);
      writeFileSync(join(resultsDir, 'exthost-mocha.log'), log.join('\n'));
      let summary = '';
      if (existsSync(ctx.exthostResult)) {
        const r = JSON.parse(readFileSync(ctx.exthostResult, 'utf8'));
        summary = `${r.passes} passing, ${r.failures} failing${r.pending ? `, ${r.pending} pending` : ''}`;
        ctx.exthost = r;
      }
      if (code === 'timeout') throw new Error(`the extension host did not finish the suite within 150 s (log: ${join(resultsDir, 'exthost-mocha.log').replace(repo + '/', '')}; server log: ${srv.logFile})`);
      if (code !== 0) {
        const failed = (ctx.exthost?.failed ?? []).map((f) => `${f.title}: ${f.error}`).join('\n  ');
        throw new Error(`mocha in the extension host exited ${code}${summary ? ` (${summary})` : ''}${failed ? `:\n  ${failed}` : ''}`);
      }
      return `mocha in the extension host: ${summary || 'exit 0'}`;
    },
    { needs: ['exthost-code-server'], timeoutMs: 180_000 },
  );
  await browser?.context.close().catch(() => undefined);
  steps.page = undefined;
  await ctx.exthostServer.stop();
}

function updateScreenshots() {
  if (process.env.E2E_UPDATE_SCREENSHOTS !== '1') return;
  const dest = join(repo, 'docs', 'screenshots');
  mkdirSync(dest, { recursive: true });
  const pick = { problems: 'problems.png', hover: 'hover.png', 'timeline-open': 'timeline.png', 'timeline-range': 'timeline-range.png', 'timeline-reveal-problems': 'timeline-details.png', 'diff-highlight': 'diff.png' };
  const copied = [];
  for (const r of steps.results) {
    if (r.status === 'pass' && r.screenshot && pick[r.name]) {
      copyFileSync(r.screenshot, join(dest, pick[r.name]));
      copied.push(pick[r.name]);
    }
  }
  for (const p of ctx.themeShots ?? []) {
    copyFileSync(p, join(dest, basename(p)));
    copied.push(basename(p));
  }
  console.log(`  E2E_UPDATE_SCREENSHOTS: copied ${copied.join(', ') || 'nothing (no step with a README screenshot passed)'} into docs/screenshots/`);
}

let ok = false;
let harnessError;
try {
  await main();
} catch (e) {
  harnessError = e;
  console.error(`e2e harness error (not a step): ${e?.stack ?? e}`);
} finally {
  await browser?.context.close().catch(() => undefined);
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  updateScreenshots();
  ok = steps.summary({ vsixBytes: ctx.vsixSize, findings: ctx.findings?.length, exthost: ctx.exthost, break: BREAK ?? null });
}
process.exit(ok && !harnessError ? 0 : 1);

// The timeline page in headless Chromium (the real template, CSP and bundle; see pageHarness.ts):
// hostile task names stay text, the toolkit controls register without a CSP violation, the
// accessible list reveals lines by click and by Enter, the keyboard zooms, the viewport survives a
// reload through setState, a drag selection asks for that range's statistics, and group headers
// collapse their lanes.
import { test } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Mark } from '../../../src/core/domain/types';
import { TimelineQuery } from '../../../src/core/query';
import { repoRoot } from '../../support/shared';
import { chromium } from 'playwright-core';
import { CHROMIUM, chromiumAvailable, openTimelinePage, THEMES } from './pageHarness';
import { MarkStore } from '../../../src/core/marks/markStore';
import { binClassTitle, isFindingClass } from '../../../src/shared/timelineProtocol';
import { classColour, readTheme } from '../../../webview/theme';
import { GROUP_H } from '../../../webview/layout';
import { arrowsToDraw, DEFAULT_MIN_SPAN, describeViewport, fitRange, timeToX } from '../../../webview/viewport';

const EVIL = '<img src=x onerror=alert(1)>';

function query(): TimelineQuery {
  const lane = `vCPU 0 (${EVIL}-306)`;
  const marks: Mark[] = [];
  for (let i = 0; i < 200; i++) marks.push({ ts: 1_000_000 + i * 10_000, lane: i % 2 ? lane : 'vCPU 1 (kvmtest-307)', kind: 'fault', ...(i % 7 === 0 ? { cls: 'S1' as const } : {}), line: 20 + i, ipa: 0x40000000 + i * 4096, size: 4096 });
  marks.push({ ts: 1_500_000, lane: 'host', kind: 'marker', line: 10, label: EVIL });
  marks.push({ ts: 1_200_000, endTs: 1_260_000, lane, kind: 'window', line: 11, ipa: 0x40000000, size: 0x200000 });
  return new TimelineQuery({ a: { lanes: [{ id: lane, label: lane }, { id: 'vCPU 1 (kvmtest-307)', label: 'vCPU 1 (kvmtest-307)' }, { id: 'host', label: 'host' }], marks: MarkStore.from(marks) } });
}

test('timeline page: hostile text stays text, list reveals lines, keyboard, state, selection', { timeout: 60_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  const tp = await openTimelinePage(query());
  try {
    const { page } = tp;
    await page.waitForSelector('#marks-list [data-line]');
    assert.deepEqual(tp.posted[0], { type: 'ready' });
    assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0, 'no <img> ever parsed from trace text');
    assert.deepEqual(tp.dialogs, [], 'no script from trace text ran');
    assert.equal(await page.evaluate(() => !!customElements.get('vscode-button') && !!customElements.get('vscode-dropdown') && !!customElements.get('vscode-text-field')), true);
    // The rows' names beside the canvas: text, the hostile one included.
    const names = () => page.locator('#lane-names .lane-name > span').allTextContents();
    assert.deepEqual(await names(), [`vCPU 0 (${EVIL}-306)`, 'vCPU 1 (kvmtest-307)', 'host', 'faults by class', 'CMO bytes', 'TLB invalidations', 'IPA heat']);
    // Pinning the host lane puts it on top (and in the saved state); unpinning puts it back.
    await page.click('#lane-names button[aria-label="Pin host to the top"]');
    await page.waitForFunction(() => document.querySelector('#lane-names .lane-name > span')?.textContent === 'host');
    assert.deepEqual((await names()).slice(0, 3), ['host', `vCPU 0 (${EVIL}-306)`, 'vCPU 1 (kvmtest-307)']);
    assert.deepEqual((await tp.state())?.pinnedLanes, ['host']);
    assert.equal(await page.getAttribute('#lane-names button[aria-label="Unpin host"]', 'aria-pressed'), 'true');
    await page.click('#lane-names button[aria-label="Unpin host"]');
    await page.waitForFunction(() => document.querySelector('#lane-names .lane-name > span')?.textContent !== 'host');
    assert.equal((await tp.state())?.pinnedLanes, undefined);
    // Tall lanes: the lanes (and their names beside the canvas) grow, the canvas with them.
    const canvasHeight = () => page.evaluate(() => (document.getElementById('timeline') as HTMLCanvasElement).clientHeight);
    const heightBefore = await canvasHeight();
    await page.click('#lane-height');
    await page.click('#lane-height vscode-option[value="72"]');
    await page.waitForFunction(() => (document.querySelector('#lane-names .lane-name') as HTMLElement | null)?.style.height === '72px');
    assert.equal((await tp.state())?.laneHeight, 72);
    assert.equal(await canvasHeight(), heightBefore + 3 * (72 - 30), 'three lanes, 42 px taller each');
    const laneOption = await page.evaluate(() => Array.from(document.querySelectorAll('#lane-filter vscode-option')).map((o) => o.textContent));
    assert.deepEqual(laneOption, ['All lanes', `vCPU 0 (${EVIL}-306)`, 'vCPU 1 (kvmtest-307)', 'host']);
    const marker = page.locator('#marks-list [data-line="10"]');
    assert.equal(await marker.getAttribute('aria-label'), `trace marker at 0.001500 s: ${EVIL}, line 10`);
    const status = await page.textContent('#status');
    assert.equal(status, '202 marks · 3 lanes · A: as traced');

    // Click and Enter on list items reveal their lines.
    const first = page.locator('#marks-list [data-line]').first();
    const line = Number(await first.getAttribute('data-line'));
    await first.click();
    assert.deepEqual(tp.posted.at(-1), { type: 'reveal', line });
    const second = page.locator('#marks-list [data-line]').nth(1);
    await second.focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(tp.posted.at(-1), { type: 'reveal', line: Number(await second.getAttribute('data-line')) });

    // Keyboard zoom on the canvas halves the span and asks for the new window.
    const before = (await tp.state())?.viewport;
    assert.ok(before);
    await page.focus('#timeline');
    await page.keyboard.press('+');
    await page.waitForFunction((span) => {
      const s = (window as unknown as { __state?: { viewport?: { t0: number; t1: number } } }).__state;
      return !!s?.viewport && Math.abs(s.viewport.t1 - s.viewport.t0 - span / 2) < 1;
    }, before.t1 - before.t0);
    const zoomed = (await tp.state())?.viewport;

    // Shift+drag selects a range and asks for its statistics, which are shown as text.
    const box = await page.locator('#timeline').boundingBox();
    assert.ok(box);
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + 100, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + 300, box.y + 40, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.waitForSelector('#range-stats:not([hidden]) li');
    const req = tp.posted.filter((m) => m.type === 'rangeStats').at(-1);
    assert.ok(req && req.type === 'rangeStats' && req.range.t1 > req.range.t0);
    const expected = query().rangeStats(req.range);
    const items = await page.locator('#range-stats li').allTextContents();
    assert.equal(items[0], `${expected?.a.total} marks`);
    // Filters (toolkit dropdowns) and find-IPA (toolkit text field) reach the extension as typed messages.
    await page.click('#class-filter');
    await page.click('#class-filter vscode-option[value="spurious"]');
    await page.waitForFunction(() => (window as unknown as { __state?: { filter?: { classes?: string[] } } }).__state?.filter?.classes?.join() === 'S1');
    const filtered = tp.posted.filter((m) => m.type === 'window').at(-1);
    assert.ok(filtered && filtered.type === 'window');
    assert.deepEqual(filtered.filter, { classes: ['S1'] });
    await page.locator('#find-ipa input').fill('0x40002000');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#find-results [data-line]');
    assert.deepEqual(tp.posted.filter((m) => m.type === 'findIpa').at(-1), { type: 'findIpa', seq: (tp.posted.filter((m) => m.type === 'findIpa').at(-1) as { seq: number }).seq, ipa: 0x40002000 });
    assert.deepEqual(await page.locator('#find-results [data-line]').evaluateAll((els) => els.map((e) => e.getAttribute('data-line'))), ['22', '11'], 'the fault on that page, then the invalid window over its block');
    assert.equal(await page.textContent('#status'), '2 marks touch 0x40002000.');
    assert.deepEqual(tp.problems, [], 'no CSP violation, console error or page error');

    // Reload with the saved state: the viewport comes back.
    const saved = await tp.state();
    assert.ok(saved?.viewport && zoomed);
    assert.equal(saved.viewport.t1 - saved.viewport.t0, zoomed.t1 - zoomed.t0, 'find-IPA centred the hit, keeping the zoom');
    const again = await openTimelinePage(query(), { state: saved });
    try {
      await again.windows(1);
      const w = again.posted.find((m) => m.type === 'window');
      assert.ok(w && w.type === 'window');
      assert.deepEqual(w.range, saved.viewport);
      assert.deepEqual(again.posted[0], { type: 'ready', state: saved });
    } finally {
      await again.close();
    }
  } finally {
    await tp.close();
  }
});

test('timeline page in light, dark and high contrast: canvas drawn in the theme colours; screenshots', { timeout: 90_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  const out = join(repoRoot(), 'test-results', 'timeline');
  mkdirSync(out, { recursive: true });
  const q = query();
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  t.after(() => browser.close());
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    const tp = await openTimelinePage(q, { theme, width: 1100, browser });
    try {
      await tp.windows(1);
      await tp.page.waitForSelector('#marks-list [data-line]');
      await tp.page.waitForTimeout(100);
      const pixel = await tp.page.evaluate(() => {
        const c = document.getElementById('timeline') as HTMLCanvasElement;
        return Array.from((c.getContext('2d') as CanvasRenderingContext2D).getImageData(c.width - 2, 19, 1, 1).data.slice(0, 3));
      });
      assert.deepEqual(pixel, rgb(THEMES[theme].vars['--vscode-editor-background']), `${theme}: the canvas background is the editor background`);
      await tp.page.screenshot({ path: join(out, `timeline-${theme}.png`), fullPage: true });
      assert.deepEqual(tp.problems, []);
    } finally {
      await tp.close();
    }
  }
});

type Vp = { t0: number; t1: number };
const viewportOf = (tp: { state(): Promise<{ viewport?: Vp } | undefined> }) => tp.state().then((s) => s?.viewport);
/** Polls the saved viewport until `pred` holds (the page saves it with every move). */
async function waitViewport(tp: { state(): Promise<{ viewport?: Vp } | undefined> }, pred: (v: Vp) => boolean, what: string): Promise<Vp> {
  const until = Date.now() + 5000;
  for (;;) {
    const v = await viewportOf(tp);
    if (v && pred(v)) return v;
    if (Date.now() > until) throw new Error(`viewport ${JSON.stringify(v)}: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const rgbText = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

test('timeline page: W/A/S/D, a selected mark with its details panel, F, M, Reveal in Timeline, the legend', { timeout: 60_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  const q = query();
  // Line 20 is an S1 fault of vCPU 1 at 1.000 ms; the editor says it lost to line 21's map, vCPU 0 at 1.010 ms.
  const cause = { line: 21, message: 'the map that won', ts: 1_010_000, lane: `vCPU 0 (${EVIL}-306)` };
  const tp = await openTimelinePage(q, {
    findings: (line) => (line === 20 ? [{ code: 'S1-lost-race', message: `lost the race to line 21 ${EVIL}`, causes: [cause] }] : []),
    hover: (line) => [`kvm_guest_fault at line ${line}`, 'Model: mapped 4 KiB by line 21'],
  });
  try {
    const { page } = tp;
    await tp.windows(1);
    await page.focus('#timeline');
    // W: half the span, the same centre; S: back; D: a tenth later; A: back.
    const start = await viewportOf(tp);
    assert.ok(start);
    const mid = (v: Vp) => (v.t0 + v.t1) / 2;
    await page.keyboard.press('w');
    const w = await waitViewport(tp, (v) => Math.abs(v.t1 - v.t0 - (start.t1 - start.t0) / 2) < 1, 'W halves the span');
    assert.ok(Math.abs(mid(w) - mid(start)) < 1, 'W zooms about the centre');
    await page.waitForFunction((text) => document.getElementById('view-range')?.textContent === text, describeViewport(w));
    await page.keyboard.press('d');
    await waitViewport(tp, (v) => Math.abs(v.t0 - (w.t0 + (w.t1 - w.t0) / 10)) < 1 && Math.abs(v.t1 - v.t0 - (w.t1 - w.t0)) < 1, 'D pans a tenth later');
    await page.keyboard.press('a');
    await waitViewport(tp, (v) => Math.abs(v.t0 - w.t0) < 1, 'A pans back');
    await page.keyboard.press('s');
    await waitViewport(tp, (v) => Math.abs(v.t1 - v.t0 - (start.t1 - start.t0)) < 1, 'S doubles the span');

    // The legend: the trace's classes, worst first, by their catalog titles, in the theme's colours.
    const info = q.info();
    const legend = await page.locator('#legend li').evaluateAll((els) => els.map((e) => ({ cls: (e as HTMLElement).dataset.cls, text: e.textContent, colour: getComputedStyle(e.querySelector('.swatch') as Element).backgroundColor })));
    const theme = readTheme((n) => THEMES.dark.vars[n] ?? '', [THEMES.dark.bodyClass]);
    assert.deepEqual(legend, info.classes.map((c) => ({ cls: c, text: isFindingClass(c) ? `${c} ${binClassTitle(c)}` : binClassTitle(c), colour: rgbText(classColour(theme, c)) })));
    assert.deepEqual(legend.map((l) => l.text), ['S1 Lost race', 'Invalid window (break-before-make)', 'Fault', 'Trace marker']);

    // "Reveal in Timeline": the extension says select line 20; the page asks its details, zooms to it, shows the panel.
    await tp.send({ type: 'select', line: 20 });
    await page.waitForSelector('#details:not([hidden]) h2');
    assert.ok(tp.posted.some((m) => m.type === 'details' && m.line === 20));
    const fitted = await viewportOf(tp);
    assert.deepEqual(fitted, fitRange({ t0: 1_000_000, t1: 1_000_000 }, { t0: info.extent.t0, t1: info.extent.t1, minSpan: DEFAULT_MIN_SPAN }), 'zoomed to the fault');
    assert.equal((await tp.state())?.selectedLine, 20, 'the selection survives a reload');
    assert.equal(await page.textContent('#details h2'), 'S1 · vCPU 1 (kvmtest-307) · 0.001000 s');
    assert.deepEqual(await page.locator('#details section h3').allTextContents(), ['S1-lost-race: Lost race']);
    assert.equal(await page.locator('#details section p').first().textContent(), `lost the race to line 21 ${EVIL}`);
    assert.deepEqual(await page.locator('#details .hover-text p').allTextContents(), ['kvm_guest_fault at line 20', 'Model: mapped 4 KiB by line 21']);
    assert.equal(await page.locator('#details .arrow-note').textContent(), ` · arrow from vCPU 0 (${EVIL}-306) at 0.001010 s`, 'the cause arrow, in words');
    assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0, 'trace text in the panel stays text');
    // Keyboard: Tab from the canvas reaches the panel's line link; Enter reveals the line. The cause link reveals the cause.
    await page.focus('#timeline');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Go to trace line 20');
    await page.keyboard.press('Enter');
    assert.deepEqual(tp.posted.at(-1), { type: 'reveal', line: 20 });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), `Go to the cause, trace line 21: the map that won`);
    await page.keyboard.press('Enter');
    assert.deepEqual(tp.posted.at(-1), { type: 'reveal', line: 21 });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Open the class page of S1-lost-race');
    await page.keyboard.press('Enter');
    assert.deepEqual(tp.posted.at(-1), { type: 'openFindingPage', line: 20, code: 'S1-lost-race' }, 'by line and code: the extension opens only the page its diagnostic links to');
    assert.equal(mid((await viewportOf(tp)) as Vp), cause.ts, 'the timeline centres the cause');

    // M marks the selected mark's range (an instant: one rule in the focus colour across the lanes); M again clears it.
    await tp.send({ type: 'select', line: 20 });
    await waitViewport(tp, (v) => Math.abs(v.t1 - v.t0 - (fitted!.t1 - fitted!.t0)) < 1, 'zoomed to the fault again');
    await page.focus('#timeline');
    await page.keyboard.press('m');
    await page.waitForFunction(() => (window as unknown as { __state?: { markedRange?: unknown } }).__state?.markedRange !== undefined);
    assert.deepEqual((await tp.state())?.markedRange, { t0: 1_000_000, t1: 1_000_000 });
    await page.waitForTimeout(50);
    const ruleX = Math.round(timeToX(fitted!, await page.evaluate(() => (document.getElementById('timeline') as HTMLCanvasElement).clientWidth), 1_000_000));
    const ruleColour = await page.evaluate((x) => {
      const c = document.getElementById('timeline') as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(x, c.height - 3, 1, 1).data;
      return `rgb(${d[0]}, ${d[1]}, ${d[2]})`;
    }, ruleX);
    assert.equal(ruleColour, rgbText(THEMES.dark.vars['--vscode-focusBorder']), 'the marked instant is a rule in the focus colour');
    await page.keyboard.press('m');
    await page.waitForFunction(() => (window as unknown as { __state?: { markedRange?: unknown } }).__state?.markedRange === undefined);

    // Reveal in Timeline on a line without a mark (a comment line) says so and selects nothing.
    await tp.send({ type: 'select', line: 3 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Line 3 has no mark on the timeline.');
    await page.waitForSelector('#details', { state: 'hidden' });
    assert.equal((await tp.state())?.selectedLine, undefined);
    await tp.send({ type: 'select', line: 20 });
    await page.waitForSelector('#details:not([hidden]) h2');

    // Escape clears the selection; a click on the fault's bin selects it again (and reveals its line); F fits it.
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details', { state: 'hidden' });
    assert.equal((await tp.state())?.selectedLine, undefined);
    await page.keyboard.press('s');
    await page.keyboard.press('s');
    const box = await page.locator('#timeline').boundingBox();
    assert.ok(box);
    const zoomedOut = (await viewportOf(tp)) as Vp;
    const lane1Y = 22 + GROUP_H + 30 + 15; // the axis, the vCPUs' header, vCPU 0's lane, the middle of vCPU 1's lane (webview/layout.ts)
    await page.mouse.click(box.x + timeToX(zoomedOut, box.width, 1_000_000), box.y + lane1Y);
    await page.waitForSelector('#details:not([hidden]) h2');
    assert.ok(tp.posted.some((m) => m.type === 'reveal' && m.line === 20));
    assert.equal((await tp.state())?.selectedLine, 20);
    await page.keyboard.press('f');
    await waitViewport(tp, (v) => Math.abs(v.t1 - v.t0 - (fitted!.t1 - fitted!.t0)) < 1, 'F fits the fault');
    assert.deepEqual(await viewportOf(tp), fitted, 'F fits the selected fault');
    assert.deepEqual(tp.problems, []);
  } finally {
    await tp.close();
  }
});

test('timeline page: the Arrows toggle draws the cause arrow of every finding in view, thinned when dense, and survives a reload', { timeout: 60_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  const q = query();
  // Every S1 fault (lines 20 + 7k, vCPU 1 or vCPU 0) lost to a map 4 µs before it on the other vCPU.
  const lanes = [`vCPU 0 (${EVIL}-306)`, 'vCPU 1 (kvmtest-307)'];
  const causes = Array.from({ length: 29 }, (_, k) => {
    const i = 7 * k;
    return { from: { lane: lanes[(i + 1) % 2], ts: 1_000_000 + i * 10_000 - 4000 }, to: { lane: lanes[i % 2], ts: 1_000_000 + i * 10_000 }, line: 20 + i, code: 'S1-lost-race' };
  });
  const tp = await openTimelinePage(q, { causes, width: 1000 });
  try {
    const { page } = tp;
    await tp.windows(1);
    assert.equal(tp.posted.some((m) => m.type === 'causes'), false, 'nothing asked while the toggle is off');
    await page.click('#arrows-toggle');
    await page.waitForFunction(() => /^\d+ cause arrows/.test(document.getElementById('arrows-note')?.textContent ?? ''));
    const asked = tp.posted.filter((m) => m.type === 'causes').at(-1);
    assert.ok(asked && asked.type === 'causes');
    const vp = (await tp.state())?.viewport;
    assert.deepEqual(asked.range, vp, 'the arrows of the findings in view');
    assert.equal(await page.getAttribute('#arrows-toggle', 'aria-pressed'), 'true');
    assert.equal((await tp.state())?.allArrows, true);
    const expected = arrowsToDraw(causes, vp as Vp, await page.evaluate(() => (document.getElementById('timeline') as HTMLCanvasElement).clientWidth));
    assert.equal(await page.textContent('#arrows-note'), `${expected.drawn.length} cause arrows${expected.omitted ? `, ${expected.omitted} more not drawn: zoom in` : ''}`);
    assert.equal(expected.drawn.length, 29, 'the whole trace at 1000 px: every one of the 29 drawn (70 µs apart)');

    // A reload keeps the toggle on and asks again.
    const again = await openTimelinePage(q, { causes, state: await tp.state() });
    try {
      await again.page.waitForFunction(() => /29 cause arrows/.test(document.getElementById('arrows-note')?.textContent ?? ''));
      assert.equal(await again.page.getAttribute('#arrows-toggle', 'aria-pressed'), 'true');
    } finally {
      await again.close();
    }
    await page.click('#arrows-toggle');
    await page.waitForFunction(() => document.getElementById('arrows-note')?.textContent === '');
    assert.equal((await tp.state())?.allArrows, undefined);
    assert.deepEqual(tp.problems, []);
  } finally {
    await tp.close();
  }
});

test('timeline page: a reload restores the zoom, the selected mark with its details and the pinned lanes', { timeout: 60_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  // What VS Code hands back to the serializer after a reload: the state the page last saved.
  const viewport = { t0: 1_100_000, t1: 1_300_000 };
  const saved = { uri: 'file:///trace/race.trace', viewport, selectedLine: 20, pinnedLanes: ['host'] };
  const tp = await openTimelinePage(query(), { state: saved, hover: (line) => [`kvm_guest_fault at line ${line}`] });
  try {
    const { page } = tp;
    await tp.windows(1);
    const w = tp.posted.find((m) => m.type === 'window');
    assert.ok(w && w.type === 'window');
    assert.deepEqual(w.range, viewport, 'the first window asked is the saved zoom');
    await page.waitForSelector('#details:not([hidden]) h2');
    assert.ok(tp.posted.some((m) => m.type === 'details' && m.line === 20), 'the selected mark\'s details are asked for again');
    assert.equal(await page.textContent('#details h2'), 'S1 · vCPU 1 (kvmtest-307) · 0.001000 s');
    assert.deepEqual(await viewportOf(tp), viewport, 'the details arriving do not move a restored view');
    assert.deepEqual((await page.locator('#lane-names .lane-name > span').allTextContents()).slice(0, 3), ['host', `vCPU 0 (${EVIL}-306)`, 'vCPU 1 (kvmtest-307)'], 'the pinned lane is on top again');
    assert.equal(await page.getAttribute('#lane-names button[aria-label="Unpin host"]', 'aria-pressed'), 'true');
    assert.deepEqual(tp.problems, []);
  } finally {
    await tp.close();
  }
});

test('timeline page: group headers collapse and expand the vCPUs, the host and the summary tracks, from the keyboard too; a reload keeps them', { timeout: 60_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  const tp = await openTimelinePage(query());
  try {
    const { page } = tp;
    await tp.windows(1);
    const names = () => page.locator('#lane-names .lane-name > span').allTextContents();
    const headers = () => page.locator('#lane-names .lane-group button').evaluateAll((els) => els.map((e) => `${e.textContent} ${e.getAttribute('aria-expanded')}`));
    const canvasHeight = () => page.evaluate(() => (document.getElementById('timeline') as HTMLCanvasElement).clientHeight);
    await page.waitForSelector('#lane-names .lane-group button');
    assert.deepEqual(await headers(), ['▾ vCPUs (2) true', '▾ Host (1) true', '▾ Summary tracks (4) true']);
    const tall = await canvasHeight();
    // Tab to the vCPUs header, Enter: its two lanes go, the canvas is two lanes shorter, the keyboard stays on the header.
    await page.focus('#lane-names button[data-group="vcpus"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#lane-names button[data-group="vcpus"]')?.getAttribute('aria-expanded') === 'false');
    assert.deepEqual(await names(), ['host', 'faults by class', 'CMO bytes', 'TLB invalidations', 'IPA heat']);
    assert.equal(await canvasHeight(), tall - 2 * 30);
    assert.deepEqual((await tp.state())?.collapsedGroups, ['vcpus']);
    await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset.group === 'vcpus');
    // Space on the summary header: the summary tracks go too.
    await page.focus('#lane-names button[data-group="summary"]');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('#lane-names button[data-group="summary"]')?.getAttribute('aria-expanded') === 'false');
    assert.deepEqual(await names(), ['host']);
    assert.deepEqual(await headers(), ['▸ vCPUs (2) false', '▾ Host (1) true', '▸ Summary tracks (4) false']);
    const saved = await tp.state();
    assert.deepEqual(saved?.collapsedGroups, ['vcpus', 'summary']);
    // A pinned lane stays in sight above the collapsed groups.
    await page.click('#lane-names button[aria-label="Pin host to the top"]');
    await page.waitForFunction(() => document.querySelector('#lane-names .lane-name > span')?.textContent === 'host');
    assert.deepEqual(await names(), ['host']);
    assert.deepEqual(await headers(), ['▸ vCPUs (2) false', '▸ Summary tracks (4) false'], 'no Host group left: its one lane is pinned');
    assert.deepEqual(tp.problems, []);

    const again = await openTimelinePage(query(), { state: saved });
    try {
      await again.windows(1);
      await again.page.waitForSelector('#lane-names .lane-group button');
      assert.deepEqual(await again.page.locator('#lane-names .lane-group button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-expanded'))), ['false', 'true', 'false'], 'collapsed again after a reload');
      // Expanding by click brings the lanes back.
      await again.page.click('#lane-names button[data-group="vcpus"]');
      await again.page.waitForFunction(() => document.querySelectorAll('#lane-names .lane-name').length === 3);
      assert.deepEqual(await again.page.locator('#lane-names .lane-name > span').allTextContents(), [`vCPU 0 (${EVIL}-306)`, 'vCPU 1 (kvmtest-307)', 'host']);
    } finally {
      await again.close();
    }
  } finally {
    await tp.close();
  }
});

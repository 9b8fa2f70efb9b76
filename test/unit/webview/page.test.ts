// The timeline page in headless Chromium (the real template, CSP and bundle; see pageHarness.ts):
// hostile task names stay text, the toolkit controls register without a CSP violation, the
// accessible list reveals lines by click and by Enter, the keyboard zooms, the viewport survives a
// reload through setState, and a drag selection asks for that range's statistics.
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

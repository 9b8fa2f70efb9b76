// The timeline page as one side of a recording diff (headless Chromium, the real template and
// bundle; pageHarness.ts): the bar names both traces, the legend marks the classes the diff says
// changed (with its words, those the trace lacks listed too) and dims the rest, the canvas dims the
// unchanged classes' marks, a zoom tells the extension the new view while linked and not after the
// toggle unlinks, and a linked view from the other side moves this one without being echoed back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mark } from '../../../src/core/domain/types';
import { TimelineQuery } from '../../../src/core/query';
import { MarkStore } from '../../../src/core/marks/markStore';
import type { CompareViewState } from '../../../src/shared/timelineProtocol';
import { chromiumAvailable, openTimelinePage } from './pageHarness';
import { describeViewport } from '../../../webview/viewport';

function query(): TimelineQuery {
  const marks: Mark[] = [];
  for (let i = 0; i < 200; i++) marks.push({ ts: 1_000_000 + i * 10_000, lane: 'vCPU 0 (kvmtest-306)', kind: 'fault', ...(i % 5 === 0 ? { cls: 'S5' as const } : {}), line: 20 + i, ipa: 0x40000000 + i * 4096, size: 4096 });
  return new TimelineQuery({ a: { lanes: [{ id: 'vCPU 0 (kvmtest-306)', label: 'vCPU 0 (kvmtest-306)' }], marks: MarkStore.from(marks) } });
}

const state = (linked: boolean): CompareViewState => ({
  side: 'A',
  self: 'eager0.trace',
  other: 'eager2m.trace',
  linked,
  classes: [
    { cls: 'S5', changed: true, text: 'changed: A 4088 → B 0; -4088 in phases that occur once (spread unknown)' },
    { cls: 'S1', changed: true, text: 'changed: A 0 → B 4; +4 in phases that occur once (spread unknown)' },
  ],
});

test('timeline page in a recording diff: legend highlight, dimming, linked zoom out and in, unlink', { timeout: 60_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  const tp = await openTimelinePage(query());
  try {
    const { page } = tp;
    await page.waitForSelector('#legend li[data-cls="S5"]');
    assert.equal(await page.isHidden('#compare-bar'), true, 'no bar outside a diff');
    assert.equal(await page.locator('#legend li.changed, #legend li.unchanged').count(), 0);
    await tp.send({ type: 'compare', state: state(true) });
    await page.waitForSelector('#compare-bar:not([hidden])');
    assert.equal(await page.textContent('#compare-label'), 'Diff A: eager0.trace (before) · B: eager2m.trace');
    assert.equal(await page.getAttribute('#link-toggle', 'aria-pressed'), 'true');
    assert.match((await page.textContent('#link-note')) ?? '', /zoom and pan move eager2m\.trace's timeline/);
    assert.deepEqual(await page.locator('#legend li.changed').evaluateAll((els) => els.map((e) => [e.getAttribute('data-cls'), e.querySelector('.change')?.textContent])), [
      ['S5', 'changed: A 4088 → B 0; -4088 in phases that occur once (spread unknown)'],
      ['S1', 'none in this trace; changed: A 0 → B 4; +4 in phases that occur once (spread unknown)'],
    ]);
    assert.deepEqual(await page.locator('#legend li.unchanged').evaluateAll((els) => els.map((e) => e.getAttribute('data-cls'))), ['fault']);

    // A zoom posts the new view for the other side; a linked view moves this one and is not echoed.
    const posted = () => tp.posted.filter((m) => m.type === 'viewport').length;
    await page.focus('canvas#timeline');
    await page.keyboard.press('w');
    for (let i = 0; i < 50 && posted() === 0; i++) await page.waitForTimeout(20);
    const zoomed = tp.posted.filter((m) => m.type === 'viewport').at(-1);
    assert.ok(zoomed && zoomed.type === 'viewport');
    // the page posts the view as it zooms and draws the range text on its next frame: wait for it
    await page.waitForFunction((want) => document.getElementById('view-range')?.textContent === want, describeViewport(zoomed.range), { timeout: 5000 });
    const n = posted();
    const range = { t0: 1_200_000, t1: 1_400_000 };
    await tp.send({ type: 'linkedViewport', range });
    await page.waitForFunction((want) => document.getElementById('view-range')?.textContent === want, describeViewport(range));
    await page.waitForTimeout(100);
    assert.equal(posted(), n, 'a view that came from the other side is not sent back');

    // Unlink: the toggle asks; once told, zooms stay here.
    await page.click('#link-toggle');
    assert.deepEqual(tp.posted.at(-1), { type: 'link', on: false });
    await tp.send({ type: 'compare', state: state(false) });
    await page.waitForFunction(() => document.getElementById('link-toggle')?.getAttribute('aria-pressed') === 'false');
    assert.equal(await page.textContent('#link-note'), 'zoom and pan are not linked');
    await page.focus('canvas#timeline');
    await page.keyboard.press('s');
    await page.waitForTimeout(150);
    assert.equal(posted(), n, 'no view sent while unlinked');
    // Out of the diff: no bar, no highlight.
    await tp.send({ type: 'compare', state: undefined });
    await page.waitForSelector('#compare-bar[hidden]', { state: 'attached' });
    assert.equal(await page.locator('#legend li.changed, #legend li.unchanged').count(), 0);
    assert.deepEqual(tp.problems, []);
  } finally {
    await tp.close();
  }
});

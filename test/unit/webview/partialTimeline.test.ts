// A replay whose mark store filled up: the timeline page says so in its status line (how many
// ordinary marks are missing and from when), in headless Chromium through the real page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MarkStore } from '../../../src/core/marks/markStore';
import { TimelineQuery } from '../../../src/core/query';
import { chromiumAvailable, openTimelinePage } from './pageHarness';

test('timeline page: a full mark store shows in the status line', { timeout: 60_000 }, async (t) => {
  if (!chromiumAvailable()) return t.skip('no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
  const store = new MarkStore(100);
  for (let i = 0; i < 150; i++) store.push({ ts: 1_000_000 + i * 10_000, lane: 'vCPU 0', kind: 'fault', line: 10 + i });
  const tp = await openTimelinePage(new TimelineQuery({ a: { lanes: [{ id: 'vCPU 0', label: 'vCPU 0' }, { id: 'host', label: 'host' }], marks: store } }));
  try {
    await tp.page.waitForFunction(() => /marks ·/.test(document.getElementById('status')?.textContent ?? ''));
    assert.equal(await tp.page.textContent('#status'), '100 marks · 2 lanes · A: as traced · 50 ordinary marks not kept from 0.002000 s');
  } finally {
    await tp.close();
  }
});

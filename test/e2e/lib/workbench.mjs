// Driving the VS Code 1.100 web workbench with Playwright and Debian's Chromium: a hermetic browser,
// "fully started" detection, quick open, the command palette, editor lines and status bar items.
// Selectors are the ones verified in ../shared/docs/vscode-e2e.md §3.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './install.mjs';

export async function launchBrowser(dir) {
  for (const d of ['chrome-profile', 'home', 'xdg', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  const context = await chromium.launchPersistentContext(join(dir, 'chrome-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--no-default-browser-check',
    ],
    // Debian's wrapper and crashpad write under $HOME: keep them in the run dir.
    env: { ...process.env, HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'xdg'), TMPDIR: join(dir, 'tmp') },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Workbench shell, explorer row, then the last startup phase ("Eventually"), so quick open is not starved. */
export async function waitForWorkbench(page, fileName, timeout = 45_000) {
  await page.locator('.monaco-workbench').waitFor({ timeout });
  if (fileName) await page.locator('.explorer-folders-view .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout });
  await page.waitForFunction(() => performance.getEntriesByName('code/didCreateWorkbenchContributions/4').length > 0, undefined, { timeout });
}

export async function quickOpen(page, fileName) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(fileName);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ timeout: 15_000 });
}

/**
 * Runs a command through F1 by its full title ("Stage-2 Lens: Show Timeline"). Fails with the
 * titles the palette did offer when the command is not there.
 */
export async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  // The row whose label is exactly the title ("Preferences: Color Theme", not "...Browse Color Themes...").
  const exact = (label) => label === title || label.startsWith(`${title},`) || label.startsWith(`${title} `);
  // The palette closes when focus moves away right after it opened (a webview or editor taking focus
  // late, an editor that just opened): open it again rather than wait for an input that is gone.
  for (let attempt = 1; attempt <= 3; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5_000 }); // fill() replaces the '>' F1 typed
    } catch (e) {
      if (attempt === 3) throw new Error(`the command palette did not stay open for "${title}" (3 tries): ${e.message.split('\n')[0]}`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);
      continue;
    }
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && (await input.isVisible())) {
      const labels = await rows.evaluateAll((r) => r.map((x) => x.getAttribute('aria-label') ?? ''));
      const index = labels.findIndex(exact);
      if (index >= 0) {
        await rows.nth(index).click();
        return;
      }
      await page.waitForTimeout(200);
    }
    if (await input.isVisible()) break; // open, and the command is not offered: say which are
    await page.waitForTimeout(300); // closed before offering it: open it again
  }
  if (!(await input.isVisible())) throw new Error(`the command palette closed before it offered "${title}" (3 tries)`);
  await input.fill('>Stage-2 Lens');
  await page.waitForTimeout(500);
  const offered = (await rows.evaluateAll((r) => r.map((x) => x.getAttribute('aria-label') ?? ''))).filter((l) => l.startsWith('Stage-2 Lens'));
  await page.keyboard.press('Escape');
  throw new Error(`command "${title}" is not in the palette; "Stage-2 Lens" commands offered: ${offered.length ? offered.join(' | ') : 'none'}`);
}

/** Picks a row of an open quick pick by its label text; fails listing the rows offered. */
export async function pickQuickItem(page, label, timeout = 10_000) {
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  try {
    await rows.first().waitFor({ timeout });
  } catch {
    throw new Error(`no quick pick appeared (expected one offering "${label}")`);
  }
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(label);
  const match = rows.filter({ hasText: label }).first();
  try {
    await match.waitFor({ timeout: 5_000 });
  } catch {
    await input.fill('');
    await page.waitForTimeout(300);
    const offered = await rows.evaluateAll((r) => r.map((x) => x.getAttribute('aria-label')));
    throw new Error(`quick pick has no item "${label}"; offered: ${offered.join(' | ') || 'none'}`);
  }
  await page.keyboard.press('Enter');
}

export async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
}

/**
 * The rendered line whose text contains `lineNeedle` (unique text of that line, e.g. its
 * timestamp), with the viewport rectangle of `needle` within it.
 */
export async function locateText(page, lineNeedle, needle = lineNeedle, timeout = 10_000) {
  await page.locator('.editor-instance .view-line', { hasText: lineNeedle }).first().waitFor({ timeout });
  return page.evaluate(([lineNeedle, needle]) => {
    for (const line of document.querySelectorAll('.editor-instance .view-line')) {
      const text = line.textContent.replace(/\u00a0/g, ' ');
      if (!text.includes(lineNeedle)) continue;
      const at = text.indexOf(needle);
      if (at < 0) continue;
      // Walk text nodes to the substring so the rectangle is right whatever the tokenization.
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      let seen = 0;
      const range = document.createRange();
      let startSet = false;
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const len = n.textContent.length;
        if (!startSet && seen + len > at) {
          range.setStart(n, at - seen);
          startSet = true;
        }
        if (startSet && seen + len >= at + needle.length) {
          range.setEnd(n, at + needle.length - seen);
          break;
        }
        seen += len;
      }
      const r = range.getBoundingClientRect();
      const spans = [...line.querySelectorAll('span > span')].map((s) => ({ text: s.textContent, color: getComputedStyle(s).color, cls: s.className }));
      return { text, x: r.x, y: r.y, width: r.width, height: r.height, spans };
    }
    return undefined;
  }, [lineNeedle, needle]);
}

export async function statusText(page, selector) {
  const el = page.locator(selector).first();
  if ((await el.count()) === 0) return undefined;
  return ((await el.getAttribute('aria-label')) || (await el.innerText())).trim();
}

/** All extension status bar items of this extension: id attribute starts with the extension id. */
export async function extensionStatusItems(page, extensionId) {
  return page.evaluate((extId) => {
    return [...document.querySelectorAll('.statusbar-item')]
      .filter((el) => (el.id || '').toLowerCase().startsWith(extId.toLowerCase()))
      .map((el) => ({ id: el.id, text: el.innerText.trim(), label: el.querySelector('a')?.getAttribute('aria-label') ?? el.getAttribute('aria-label') ?? '' }));
  }, extensionId);
}

export async function cursorLine(page) {
  const t = await page.locator('[id="status.editor.selection"]').first().innerText();
  const m = /Ln (\d+)/.exec(t);
  return m ? Number(m[1]) : undefined;
}

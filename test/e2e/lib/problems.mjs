// Reading the Problems panel completely: its list is virtualized (only visible rows exist in the
// DOM), so rows are collected by data-index while wheel-scrolling. Each marker row yields
// severity, message, source, code and line, compared with the engine's findings as multisets.

export async function openProblems(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible().catch(() => false))) await page.keyboard.press('Control+Shift+M');
  await panel.waitFor({ timeout: 10_000 });
}

function collectVisible(page) {
  return page.evaluate(() => {
    const rows = [];
    for (const row of document.querySelectorAll('.markers-panel .monaco-list-row')) {
      const icon = row.querySelector('.marker-icon');
      if (!icon) continue; // file node or related-information row
      const cls = icon.className;
      const severity = /\berror\b/.test(cls) ? 'error' : /\bwarning\b/.test(cls) ? 'warning' : /\binfo\b/.test(cls) ? 'information' : 'hint';
      const text = row.textContent.replace(/\s+/g, ' ').trim();
      const lineText = row.querySelector('.marker-line')?.textContent ?? '';
      const lm = /Ln (\d+), Col (\d+)/.exec(lineText) ?? /Ln (\d+), Col (\d+)/.exec(text);
      rows.push({
        index: Number(row.getAttribute('data-index')),
        severity,
        message: row.querySelector('.marker-message')?.textContent?.trim() ?? '',
        source: row.querySelector('.marker-source')?.textContent?.trim() ?? '',
        code: row.querySelector('.marker-code')?.textContent?.trim() ?? '',
        line: lm ? Number(lm[1]) : undefined,
        text,
      });
    }
    const scroll = document.querySelector('.markers-panel .monaco-list .monaco-scrollable-element');
    const slider = scroll?.querySelector('.scrollbar.vertical .slider');
    return { rows, sliderTop: slider ? slider.style.top : '' };
  });
}

/** Every marker row of the Problems panel (pages through the whole list once). */
export async function readAllProblems(page, limit = 20_000) {
  await openProblems(page);
  const list = page.locator('.markers-panel .monaco-list').first();
  await list.waitFor({ timeout: 10_000 });
  const box = await list.boundingBox();
  if (box) {
    await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 60));
    await page.mouse.wheel(0, -1e7); // start from the top
    await page.waitForTimeout(100);
  }
  // Focus the list itself (a click on a row would open that marker in the editor).
  await list.focus();
  await page.keyboard.press('Home');
  const byIndex = new Map();
  let turns = 0;
  let still = 0;
  let lastSlider = '';
  for (let i = 0; i < 2000 && byIndex.size < limit; i++) {
    const { rows, sliderTop } = await collectVisible(page);
    const before = byIndex.size;
    for (const r of rows) byIndex.set(r.index, r);
    if (byIndex.size === before && sliderTop === lastSlider) still++;
    else still = 0;
    if (still >= 3) break;
    lastSlider = sliderTop;
    // PageDown moves the list's focus a screen at a time (the wheel scrolls only ~60 px a turn, whatever the delta).
    await page.keyboard.press('PageDown');
    turns++;
    await page.waitForTimeout(30);
  }
  const rows = [...byIndex.values()].sort((a, b) => a.index - b.index);
  return Object.assign(rows, { turns, listHeight: box?.height });
}

/** Multiset difference of findings (from the CLI) and Problems rows, keyed by line, code and severity. */
export function compareFindings(findings, rows) {
  const key = (line, code, severity) => `${line}|${code}|${severity}`;
  const want = new Map();
  for (const f of findings) {
    const k = key(f.line, f.code, f.severity);
    want.set(k, (want.get(k) ?? 0) + 1);
  }
  const unexpected = [];
  for (const r of rows) {
    const k = key(r.line, r.code, r.severity);
    const n = want.get(k) ?? 0;
    if (n > 0) want.set(k, n - 1);
    else unexpected.push(r);
  }
  const missing = [];
  for (const [k, n] of want) for (let i = 0; i < n; i++) missing.push(k);
  return { missing, unexpected };
}

// The rendering path with hostile trace text: a task name `<img src=x onerror=alert(1)>` reaches
// the canvas only through fillText and the accessible list only through textContent/attributes;
// the page template never contains trace text, and its CSP is the strict one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mark } from '../../../src/core/analysis/types';
import { TimelineQuery } from '../../../src/core/query';
import { contentSecurityPolicy, newNonce, timelineHtml } from '../../../src/client/timelineHtml';
import { drawFrame, pushRect } from '../../../webview/draw';
import { computeLayout, hitBin } from '../../../webview/layout';
import { marksListEntries, renderMarksList, type ListDom, type ListElement } from '../../../webview/marksList';
import { describeStats } from '../../../webview/statsText';
import { classColour, fallbackTheme, readTheme } from '../../../webview/theme';
import { stubCanvas } from './stubCanvas';
import { MarkStore } from '../../../src/core/analysis/markStore';

const EVIL = '<img src=x onerror=alert(1)>';

function hostileQuery(): TimelineQuery {
  const lane = `vCPU 0 (${EVIL}-306)`;
  const marks: Mark[] = [
    { ts: 100, lane, kind: 'fault', cls: 'S1', line: 20, ipa: 0x40001000, size: 4096 },
    { ts: 150, lane, kind: 'fault', line: 21, ipa: 0x40002000, size: 4096 },
    { ts: 200, lane: 'host', kind: 'marker', line: 30, label: EVIL },
    { ts: 250, endTs: 400, lane, kind: 'window', line: 31, ipa: 0x40000000, size: 0x200000 },
  ];
  return new TimelineQuery({ a: { lanes: [{ id: lane, label: lane }, { id: 'host', label: 'host' }], marks: MarkStore.from(marks) } });
}

class FakeElement implements ListElement {
  textContent: string | null = null;
  className = '';
  attrs: Record<string, string> = {};
  children: FakeElement[] = [];
  listeners: Record<string, ((e: { key?: string }) => void)[]> = {};
  constructor(readonly tag: string) {}
  set innerHTML(_v: string) {
    throw new Error('innerHTML must never be used');
  }
  setAttribute(n: string, v: string): void {
    this.attrs[n] = v;
  }
  append(...nodes: ListElement[]): void {
    this.children.push(...(nodes as FakeElement[]));
  }
  replaceChildren(...nodes: ListElement[]): void {
    this.children = nodes as FakeElement[];
  }
  addEventListener(type: string, fn: (e: { key?: string }) => void): void {
    (this.listeners[type] ??= []).push(fn);
  }
}

test('canvas: hostile lane and marker text reach fillText verbatim and nowhere else', () => {
  const q = hostileQuery();
  const info = q.info();
  const data = q.window({ t0: 0, t1: 500 }, 400);
  assert.ok(data);
  const ctx = stubCanvas();
  const rows = computeLayout(info.lanes, data.summary.heat.rows.length);
  drawFrame(ctx, { width: 400, height: 300, rows, vp: { t0: 0, t1: 500 }, data, theme: fallbackTheme });
  assert.ok(ctx.texts.includes(EVIL), 'the marker label is drawn as text');
  assert.ok(ctx.texts.some((t) => t.startsWith('vCPU 0 (<img')), 'the lane label is drawn as text');
  assert.ok(ctx.rects > 0);
});

test('marks list: buttons with data-line and aria-labels, built with textContent; activation reveals the line', () => {
  const q = hostileQuery();
  const info = q.info();
  const data = q.window({ t0: 0, t1: 500 }, 5);
  const { entries, omitted } = marksListEntries(data ?? undefined, info.lanes, { t0: 0, t1: 500 }, 5);
  assert.equal(omitted, 0);
  // Bin 1 holds both faults (100 and 150 ns); the marker and the window have entries of their own
  // (their bin is not listed twice).
  assert.deepEqual(entries.map((e) => e.line), [20, 30, 31]);
  const fault = entries[0];
  assert.match(fault.aria, /2 marks, worst S1 \(1 S1, 1 fault\), line 20$/);
  assert.ok(fault.aria.includes(EVIL), 'the label keeps the task name as plain text');
  const doc: ListDom = { createElement: (tag) => new FakeElement(tag) };
  const list = new FakeElement('ul');
  const revealed: number[] = [];
  renderMarksList(doc, list, entries, (e) => revealed.push(e.line));
  const buttons = list.children.map((li) => li.children[0]);
  assert.deepEqual(buttons.map((b) => [b.tag, b.attrs['data-line'], b.attrs.type]), [['button', '20', 'button'], ['button', '30', 'button'], ['button', '31', 'button']]);
  assert.equal(buttons[1].textContent, `0.0000002 s marker: ${EVIL}`);
  assert.equal(buttons[1].attrs['aria-label'], `trace marker at 0.0000002 s: ${EVIL}, line 30`);
  for (const l of buttons[2].listeners.click) l({});
  assert.deepEqual(revealed, [31]);
});

test('marks list: over the limit, the worst bins are kept and the rest counted', () => {
  const lanes = [{ id: 'v0', label: 'v0' }];
  const marks: Mark[] = Array.from({ length: 50 }, (_, i) => ({ ts: i * 10, lane: 'v0', kind: 'fault' as const, line: i + 1, ...(i === 33 ? { cls: 'S2' as const } : {}) }));
  const q = new TimelineQuery({ a: { lanes, marks: MarkStore.from(marks) } });
  const data = q.window({ t0: 0, t1: 500 }, 50);
  const { entries, omitted } = marksListEntries(data ?? undefined, q.info().lanes, { t0: 0, t1: 500 }, 50, 5);
  assert.equal(omitted, 45);
  assert.equal(entries.length, 5);
  assert.ok(entries.some((e) => e.line === 34), 'the S2 bin survives the cut');
});

test('hit test: the bin under the pointer, within 3 px', () => {
  const q = hostileQuery();
  const data = q.window({ t0: 0, t1: 500 }, 500);
  assert.ok(data);
  const lane = data.lanes[0];
  assert.equal(hitBin(data, lane, 101, { t0: 0, t1: 500 }, 500)?.bin, 100);
  assert.equal(lane.line[hitBin(data, lane, 101, { t0: 0, t1: 500 }, 500)?.k ?? -1], 20);
  assert.equal(hitBin(data, lane, 125, { t0: 0, t1: 500 }, 500), undefined);
});

test('page template: strict CSP with a nonce and the empty-style hash, no inline or remote code', () => {
  const nonce = newNonce();
  assert.match(nonce, /^[A-Za-z0-9]{20,}$/);
  assert.notEqual(nonce, newNonce());
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', nonce);
  assert.equal(
    csp,
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src https://x.vscode-cdn.net 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net`,
  );
  const html = timelineHtml({ cspSource: 'https://x.vscode-cdn.net', nonce, scriptUri: 'https://x.vscode-cdn.net/dist/webview/main.js', styleUri: 'https://x.vscode-cdn.net/dist/webview/main.css' });
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp.replace(/'/g, "'")}">`));
  assert.ok(!/unsafe-(inline|eval)/.test(html));
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.deepEqual(scripts, [`<script defer nonce="${nonce}" src="https://x.vscode-cdn.net/dist/webview/main.js">`]);
  assert.ok(!/\sstyle=|<style|\son[a-z]+=/.test(html), 'no inline styles or handlers');
  assert.ok(!/https?:\/\/(?!x\.vscode-cdn\.net)/.test(html), 'nothing remote');
  for (const id of ['timeline', 'marks-list', 'range-stats', 'find-ipa', 'class-filter', 'lane-filter']) assert.ok(html.includes(`id="${id}"`), id);
  // Attribute values are escaped, so even a strange URI cannot break out of the markup.
  assert.ok(!timelineHtml({ cspSource: 'a', nonce: 'n', scriptUri: `"><img src=x onerror=alert(1)>`, styleUri: 's' }).includes('<img'));
});

test('theme from --vscode-* variables, spurious faults in the error colour, stats in words', () => {
  const vars: Record<string, string> = { '--vscode-charts-red': '#ff0000', '--vscode-editor-background': '#ffffff', '--vscode-contrastBorder': '#6fc3df' };
  const t = readTheme((n) => vars[n] ?? '', ['vscode-high-contrast']);
  assert.equal(t.background, '#ffffff');
  assert.equal(t.highContrast, true);
  assert.equal(t.contrastBorder, '#6fc3df');
  assert.equal(classColour(t, 'S1'), '#ff0000');
  assert.equal(classColour(t, 'S2'), '#ff0000');
  assert.notEqual(classColour(t, 'fault'), '#ff0000');
  const st = hostileQuery().rangeStats({ t0: 0, t1: 500 });
  assert.ok(st);
  assert.deepEqual(describeStats(st.a).slice(0, 3), ['4 marks', '2 faults, 1 spurious (1 S1, 1 fault)', '1 invalid windows, 150 ns in total']);
});

test('rect runs: touching rects of equal top and height merge, others stay apart', () => {
  const g: number[] = [];
  pushRect(g, 0, 10.2, 1, 5);
  pushRect(g, 1, 10, 1, 5.1);
  pushRect(g, 2.2, 10, 1, 5);
  pushRect(g, 5, 10, 1, 5); // gap
  pushRect(g, 6, 11, 1, 5); // other top
  assert.deepEqual(g, [0, 10, 3.2, 5, 5, 10, 1, 5, 6, 11, 1, 5]);
});

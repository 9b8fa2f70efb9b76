// The rendering path with hostile trace text: a task name `<img src=x onerror=alert(1)>` reaches
// the canvas only through fillText and the accessible list only through textContent/attributes;
// the page template never contains trace text, and its CSP is the strict one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mark } from '../../../src/core/domain/types';
import { TimelineQuery } from '../../../src/core/query';
import { contentSecurityPolicy, newNonce, timelineHtml } from '../../../src/client/timelineHtml';
import { drawFrame } from '../../../webview/draw';
import { computeLayout, hitBin } from '../../../webview/layout';
import { parseColour, PixelLayer, type PixelSink } from '../../../webview/pixels';
import { marksListEntries, renderMarksList, type ListDom, type ListElement } from '../../../webview/marksList';
import { describeStats } from '../../../webview/statsText';
import { classColour, fallbackTheme, readTheme } from '../../../webview/theme';
import { stubCanvas } from './stubCanvas';
import { BIN_CLASS_ORDER } from '../../../src/shared/timelineProtocol';
import { MarkStore } from '../../../src/core/marks/markStore';

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
  const rects = drawFrame(ctx, { width: 400, height: 300, rows, vp: { t0: 0, t1: 500 }, data, theme: fallbackTheme });
  assert.ok(ctx.texts.includes(EVIL), 'the marker label is drawn as text');
  assert.ok(ctx.texts.some((t) => t.startsWith('vCPU 0 (<img')), 'the lane label is drawn as text');
  assert.ok(rects > 0);
  assert.equal(ctx.calls.putImageData, 1, 'the marks reach the canvas in one call');
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
  assert.equal(classColour(t, 'X1'), '#ff0000');
  // A break-before-make window fault is by design (the architecture requires it): not drawn as spurious.
  assert.notEqual(classColour(t, 'S2'), '#ff0000');
  assert.notEqual(classColour(t, 'fault'), '#ff0000');
  const st = hostileQuery().rangeStats({ t0: 0, t1: 500 });
  assert.ok(st);
  assert.deepEqual(describeStats(st.a).slice(0, 3), ['4 marks', '2 faults, 1 spurious (1 S1, 1 fault)', '1 invalid window, 150 ns in total']);
});

function sink(): PixelSink & { put: number } {
  return {
    put: 0,
    createImageData: (width, height) => ({ width, height, data: new Uint8ClampedArray(width * height * 4), colorSpace: 'srgb' }) as ImageData,
    putImageData(): void {
      this.put++;
    },
  };
}

/** RGB of device pixel (x, y). */
function pixel(img: ImageData, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return Array.from(img.data.slice(i, i + 3));
}

test('colours: the forms theme variables and fillStyle come in', () => {
  const rgb = (css: string) => {
    const c = parseColour(css);
    return c && [c.r, c.g, c.b, Math.round(c.a * 100) / 100];
  };
  assert.deepEqual(rgb('#abc'), [0xaa, 0xbb, 0xcc, 1]);
  assert.deepEqual(rgb('#1E1E1E'), [30, 30, 30, 1]);
  assert.deepEqual(rgb('#80808059'), [128, 128, 128, 0.35]);
  assert.deepEqual(rgb('rgba(1, 2, 3, 0.5)'), [1, 2, 3, 0.5]);
  assert.deepEqual(rgb('rgb(10 20 30 / 25%)'), [10, 20, 30, 0.25]);
  assert.equal(parseColour('var(--x)'), undefined);
});

test('pixel layer: rects snap to whole pixels, blend with alpha, clip, scale with dpr; dashed outlines', () => {
  const s = sink();
  const layer = new PixelLayer();
  const bg = parseColour('#000000');
  const red = parseColour('#ff0000');
  assert.ok(bg && red);
  const img = () => {
    const data = (layer as unknown as { image: ImageData }).image;
    assert.ok(data);
    return data;
  };
  layer.begin(s, 20, 10, 1, bg);
  layer.fill(red, 1, 2.4, 1.6, 2.2, 3); // x 2..5 (rounded 2..5), y 2..5
  assert.deepEqual(pixel(img(), 1, 3), [0, 0, 0]);
  assert.deepEqual(pixel(img(), 2, 3), [255, 0, 0]);
  assert.deepEqual(pixel(img(), 4, 4), [255, 0, 0]);
  assert.deepEqual(pixel(img(), 5, 3), [0, 0, 0]);
  assert.deepEqual(pixel(img(), 3, 1), [0, 0, 0]);
  layer.fill(red, 0.5, 10, 0, 0.2, 1); // thinner than a pixel: still one pixel, half red
  assert.ok(Math.abs(pixel(img(), 10, 0)[0] - 128) <= 1);
  layer.fill(red, 1, -50, -50, 10, 10); // off the canvas
  layer.fill(red, 1, Number.NaN, 0, 1, 1);
  assert.equal(layer.rects, 2);
  layer.outline(red, 1, 0, 6, 8, 3, 2);
  const top = Array.from({ length: 9 }, (_, x) => pixel(img(), x, 6)[0]);
  assert.deepEqual(top, [255, 255, 0, 0, 255, 255, 0, 0, 255], 'dashes of 2 px on the top edge');
  assert.equal(pixel(img(), 0, 9)[0], 255, 'bottom-left corner');
  assert.equal(pixel(img(), 3, 7)[0], 0, 'the inside stays clear');
  layer.put(s);
  assert.equal(s.put, 1);
  // At dpr 2 a CSS pixel is 2 x 2 device pixels.
  layer.begin(s, 20, 10, 2, bg);
  assert.equal(img().width, 40);
  layer.fill(red, 1, 1, 1, 1, 1);
  assert.deepEqual([pixel(img(), 1, 2)[0], pixel(img(), 2, 2)[0], pixel(img(), 3, 3)[0], pixel(img(), 4, 2)[0]], [0, 255, 255, 0]);
});

test('canvas: the bins of a lane are painted in their class colour where they are, nothing elsewhere', () => {
  const q = hostileQuery();
  const data = q.window({ t0: 0, t1: 500 }, 500);
  assert.ok(data);
  const ctx = stubCanvas();
  const rows = computeLayout(q.info().lanes, data.summary.heat.rows.length);
  drawFrame(ctx, { width: 500, height: 300, rows, vp: { t0: 0, t1: 500 }, data, theme: fallbackTheme });
  const img = ctx.image;
  assert.ok(img);
  const lane = rows.find((r) => r.kind === 'lane');
  assert.ok(lane);
  const foot = lane.y + lane.h - 5;
  const hex = (c: number[]) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  assert.equal(hex(pixel(img, 150, foot)), classColour(fallbackTheme, 'fault'), 'the plain fault at 150 ns');
  assert.equal(hex(pixel(img, 125, foot)), fallbackTheme.background, 'no bin at 125 ns');
});

test('canvas: the selected mark is boxed in its lane, a cause arrow runs from the cause\'s lane and time to the finding\'s, ending in a head', () => {
  const q = hostileQuery();
  const info = q.info();
  const rows = computeLayout(info.lanes, 4);
  const vp = { t0: 0, t1: 500 };
  const width = 500;
  const lane = info.lanes[0].id;
  const laneRow = rows.find((r) => r.lane?.id === lane);
  const hostRow = rows.find((r) => r.lane?.id === 'host');
  assert.ok(laneRow && hostRow);
  const theme = fallbackTheme;
  const frame = { width, height: 300, rows, vp, data: q.window(vp, width) ?? undefined, theme };
  // The S1 fault of line 20 (vCPU 0, ts 100) selected; its cause on the host lane at ts 200.
  const fault = { lane, ts: 100 };
  const ctx = stubCanvas();
  drawFrame(ctx, { ...frame, selectedMark: fault, arrows: [{ from: { lane: 'host', ts: 200 }, to: fault }] });
  const box = ctx.geometry.find((g) => g.op === 'strokeRect' && g.colour === theme.focus);
  assert.ok(box?.w !== undefined && box.h !== undefined, 'a box in the focus colour');
  assert.ok(box.x <= 100 && box.x + box.w >= 100, 'around the fault\'s time');
  assert.ok(box.y >= laneRow.y && box.y + box.h <= laneRow.y + laneRow.h, 'inside its lane');
  const start = ctx.geometry.findIndex((g) => g.op === 'moveTo' && g.colour === theme.foreground);
  assert.deepEqual([ctx.geometry[start].x, ctx.geometry[start].y], [200, hostRow.y + hostRow.h / 2], 'from the cause, mid-lane');
  const curve = ctx.geometry[start + 1];
  assert.deepEqual([curve.op, curve.x, curve.y], ['bezierCurveTo', 100, laneRow.y + laneRow.h / 2], 'to the finding, mid-lane');
  const head = ctx.geometry[start + 2];
  assert.deepEqual([head.op, head.x, head.y], ['moveTo', 100, laneRow.y + laneRow.h / 2], 'a head at the finding');
  assert.equal(ctx.calls.fill, 1, 'the head is filled');

  // A cause on a lane the view does not show (filtered out) draws no arrow.
  const none = stubCanvas();
  drawFrame(none, { ...frame, selectedMark: fault, arrows: [{ from: { lane: 'vCPU 9', ts: 200 }, to: fault }] });
  assert.equal(none.calls.bezierCurveTo ?? 0, 0);
});

test('a recording diff\'s unchanged classes are drawn dimmed, the changed ones as before', () => {
  const lanes = [{ id: 'v0', label: 'v0' }];
  const marks: Mark[] = [
    { ts: 100, lane: 'v0', kind: 'fault', cls: 'S5', line: 1 },
    { ts: 300, lane: 'v0', kind: 'fault', line: 2 },
  ];
  const q = new TimelineQuery({ a: { lanes, marks: MarkStore.from(marks) } });
  const data = q.window({ t0: 0, t1: 500 }, 400);
  assert.ok(data);
  const rows = computeLayout(q.info().lanes, data.summary.heat.rows.length);
  const render = (dimmed: boolean[] | undefined) => {
    const ctx = stubCanvas();
    drawFrame(ctx, { width: 400, height: 300, rows, vp: { t0: 0, t1: 500 }, data, theme: fallbackTheme, dimmed });
    assert.ok(ctx.image);
    return ctx.image;
  };
  /** Sum over the canvas's pixels in columns [x0, x1) of how far two frames differ. */
  const differ = (a: ImageData, b: ImageData, x0: number, x1: number) => {
    let d = 0;
    for (let y = 0; y < a.height; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) d += Math.abs(a.data[(y * a.width + x) * 4 + c] - b.data[(y * a.width + x) * 4 + c]);
    return d;
  };
  const plain = render(undefined);
  // Only S5 changed: every other class is dimmed.
  const dimmed = render(BIN_CLASS_ORDER.map((c) => c !== 'S5'));
  assert.equal(differ(plain, dimmed, 76, 84), 0, 'the S5 fault (x = 80) is drawn as without a diff');
  assert.ok(differ(plain, dimmed, 236, 244) > 0, 'the unchanged plain fault (x = 240) is dimmed');
});

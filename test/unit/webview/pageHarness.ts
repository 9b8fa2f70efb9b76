// Runs the real timeline page (the production template with its CSP, the esbuild IIFE bundle of
// webview/main.ts, main.css) in headless Chromium, with a stub `acquireVsCodeApi` whose messages a
// fake extension answers from a TimelineQuery: what the panel does, minus VS Code. Used by the page
// test and the page-side frame bench; skipped where no Chromium is installed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TimelineQuery } from '../../../src/core/query';
import { timelineHtml } from '../../../src/client/timelineHtml';
import { assertNever, markOfLine, type CauseArrow, type ExtensionToWebview, type MarkFinding, type TimelineViewState, type WebviewToExtension } from '../../../src/shared/timelineProtocol';
import { repoRoot } from '../../support/shared';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

const ORIGIN = 'https://webview.test';
let bundle: string | undefined;

function webviewBundle(): string {
  // The same options as scripts/build.mjs's webview entry: one minified browser IIFE.
  bundle ??= esbuild.buildSync({ entryPoints: [join(repoRoot(), 'webview', 'main.ts')], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, write: false, logLevel: 'silent' }).outputFiles[0].text;
  return bundle;
}

/** VS Code's theme classes and a few of its variables, enough to tell the themes apart. */
export const THEMES: Record<'light' | 'dark' | 'high-contrast', { bodyClass: string; vars: Record<string, string> }> = {
  light: { bodyClass: 'vscode-light', vars: { '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#3b3b3b', '--vscode-foreground': '#3b3b3b', '--vscode-charts-red': '#e51400', '--vscode-charts-blue': '#1a85ff', '--vscode-focusBorder': '#005fb8' } },
  dark: { bodyClass: 'vscode-dark', vars: { '--vscode-editor-background': '#1f1f1f', '--vscode-editor-foreground': '#cccccc', '--vscode-foreground': '#cccccc', '--vscode-charts-red': '#f14c4c', '--vscode-charts-blue': '#3794ff', '--vscode-focusBorder': '#0078d4' } },
  'high-contrast': { bodyClass: 'vscode-high-contrast', vars: { '--vscode-editor-background': '#000000', '--vscode-editor-foreground': '#ffffff', '--vscode-foreground': '#ffffff', '--vscode-charts-red': '#f48771', '--vscode-charts-blue': '#3794ff', '--vscode-focusBorder': '#f38518', '--vscode-contrastBorder': '#6fc3df' } },
};

export interface TimelinePage {
  page: Page;
  /** Every message the page posted, in order. */
  posted: WebviewToExtension[];
  /** CSP violations, page errors and console errors seen so far. */
  problems: string[];
  dialogs: string[];
  /** The webview state as last saved with setState. */
  state(): Promise<TimelineViewState | undefined>;
  /** Resolves when the page has answered `n` window requests in total. */
  windows(n: number): Promise<void>;
  send(m: ExtensionToWebview): Promise<void>;
  close(): Promise<void>;
}

export interface PageOptions {
  theme?: keyof typeof THEMES;
  state?: TimelineViewState;
  width?: number;
  browser?: Browser;
  /** The findings the editor's diagnostics hold for a line (the details panel's findings and causes). */
  findings?: (line: number) => MarkFinding[];
  /** The line's hover as plain text. */
  hover?: (line: number) => string[];
  /** Every finding's cause arrow (the panel builds them from the diagnostics). */
  causes?: CauseArrow[];
}

export async function openTimelinePage(q: TimelineQuery, opts: PageOptions = {}): Promise<TimelinePage> {
  const browser = opts.browser ?? (await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] }));
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1000, height: 800 } });
  const posted: WebviewToExtension[] = [];
  const problems: string[] = [];
  const dialogs: string[] = [];
  const uri = 'file:///trace/race.trace';
  let windowsAnswered = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const theme = THEMES[opts.theme ?? 'dark'];

  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const send = async (m: ExtensionToWebview) => {
    await page.evaluate((data) => window.dispatchEvent(new MessageEvent('message', { data })), m as unknown as Record<string, unknown>);
  };
  await page.exposeFunction('__toExtension', async (m: WebviewToExtension) => {
    posted.push(m);
    switch (m.type) {
      case 'ready':
        return send({ type: 'info', uri, info: q.info() });
      case 'window':
        await send({ type: 'window', seq: m.seq, result: q.window(m.range, m.width, m.filter) });
        windowsAnswered++;
        for (const w of waiters.filter((x) => windowsAnswered >= x.n)) w.resolve();
        return;
      case 'rangeStats':
        return send({ type: 'rangeStats', seq: m.seq, result: q.rangeStats(m.range, m.filter) });
      case 'marks':
        return send({ type: 'marks', seq: m.seq, result: q.marks(m.range, m.filter, 8) });
      case 'findIpa':
        return send({ type: 'findIpa', seq: m.seq, result: q.findIpa(m.ipa, 50) });
      case 'reveal':
      case 'openFindingPage':
      case 'viewport':
      case 'link':
        return;
      case 'causes':
        return send({ type: 'causes', seq: m.seq, result: (opts.causes ?? []).filter((a) => a.to.ts >= m.range.t0 && a.to.ts <= m.range.t1) });
      case 'details': {
        // As the panel answers (timelinePanel.ts): locate the line, take its mark, add what the editor knows.
        const at = q.locate(m.line);
        const mark = at && at.line === m.line ? markOfLine(q.marks({ t0: at.ts, t1: at.ts }, { lanes: [at.lane] }, 50), m.line) : undefined;
        return send({ type: 'details', seq: m.seq, result: mark ? { mark, hover: opts.hover?.(m.line) ?? [], findings: opts.findings?.(m.line) ?? [] } : null });
      }
      default:
        assertNever(m);
    }
  });
  await page.addInitScript(
    ({ state, bodyClass, vars }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__state = state;
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__toExtension as (m: unknown) => void)(m),
        getState: () => w.__state,
        setState: (s: unknown) => (w.__state = s),
      });
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
      // What VS Code does to a webview: theme class on <body>, --vscode-* variables on <html>.
      document.addEventListener('DOMContentLoaded', () => {
        document.body.classList.add(bodyClass);
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      });
    },
    { state: opts.state, bodyClass: theme.bodyClass, vars: theme.vars },
  );
  const html = timelineHtml({ cspSource: ORIGIN, nonce: 'testnonce0123456789AB', scriptUri: `${ORIGIN}/main.js`, styleUri: `${ORIGIN}/main.css` });
  const css = readFileSync(join(repoRoot(), 'webview', 'main.css'), 'utf8');
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (path === '/main.js') return route.fulfill({ contentType: 'text/javascript', body: webviewBundle() });
    if (path === '/main.css') return route.fulfill({ contentType: 'text/css', body: css });
    problems.push(`unexpected request ${path}`);
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/index.html`);
  return {
    page,
    posted,
    problems,
    dialogs,
    state: () => page.evaluate(() => (window as unknown as { __state?: TimelineViewState }).__state),
    windows: (n) => (windowsAnswered >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    send,
    close: async () => {
      await page.close();
      if (!opts.browser) await browser.close();
    },
  };
}

/** Frame times measured by timeFrames, ms. */
export interface FrameTimes {
  /** The page's draw of each frame (its requestAnimationFrame callback). */
  draws: number[];
  /** The draw plus the canvas's raster of that frame (read back one pixel), which the compositor would otherwise pay out of sight. */
  frames: number[];
}

/**
 * Times the page's frames from outside, as a bench or an e2e run needs them (the production page
 * carries no bench hook): from now on, every requestAnimationFrame callback that draws on the
 * timeline canvas (its draw sets the canvas transform once per frame) is timed. `read` returns the
 * times so far.
 */
export async function timeFrames(page: Page): Promise<{ read(): Promise<FrameTimes> }> {
  await page.evaluate(() => {
    const w = window as unknown as { __frameTimes: { draws: number[]; frames: number[] } };
    w.__frameTimes = { draws: [], frames: [] };
    const c = (document.getElementById('timeline') as HTMLCanvasElement).getContext('2d');
    if (!c) return;
    let drew = false;
    const setTransform = c.setTransform.bind(c) as (...a: unknown[]) => void;
    c.setTransform = ((...a: unknown[]) => {
      drew = true;
      setTransform(...a);
    }) as typeof c.setTransform;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) =>
      raf((ts) => {
        drew = false;
        const s = performance.now();
        cb(ts);
        if (!drew) return;
        const drawn = performance.now() - s;
        c.getImageData(0, 0, 1, 1);
        w.__frameTimes.draws.push(drawn);
        w.__frameTimes.frames.push(performance.now() - s);
      });
  });
  return {
    read: () => page.evaluate(() => (window as unknown as { __frameTimes: FrameTimes }).__frameTimes),
  };
}

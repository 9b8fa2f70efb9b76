// The timeline webview's page: static markup only (no trace text ever goes in here; the webview
// fills lanes, labels and lists with textContent), the strict CSP with a per-load nonce, and the
// one bundled script and stylesheet. Pure, so a unit test can check the CSP and the markup.
import { randomBytes } from 'node:crypto';

/** SHA-256 of the empty string: admits only the empty <style> the toolkit's FAST base probes with. */
export const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} ${EMPTY_STYLE_HASH}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface TimelineHtmlParams {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function timelineHtml(p: TimelineHtmlParams): string {
  const csp = attr(contentSecurityPolicy(p.cspSource, p.nonce));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>Stage-2 Timeline</title>
</head>
<body>
<header class="toolbar" role="toolbar" aria-label="Timeline controls">
  <vscode-button id="zoom-in" appearance="secondary" aria-label="Zoom in (+)">Zoom in</vscode-button>
  <vscode-button id="zoom-out" appearance="secondary" aria-label="Zoom out (-)">Zoom out</vscode-button>
  <vscode-button id="zoom-fit" appearance="secondary" aria-label="Show the whole trace (Home)">Fit</vscode-button>
  <vscode-button id="arrows-toggle" appearance="secondary" aria-pressed="false" aria-label="Show the cause arrow of every finding in view">Arrows</vscode-button>
  <span id="arrows-note" aria-live="polite"></span>
  <vscode-dropdown id="class-filter" aria-label="Filter by class"><vscode-option value="">All classes</vscode-option></vscode-dropdown>
  <vscode-dropdown id="lane-filter" aria-label="Filter by vCPU"><vscode-option value="">All lanes</vscode-option></vscode-dropdown>
  <vscode-dropdown id="lane-height" aria-label="Lane height"></vscode-dropdown>
  <vscode-text-field id="find-ipa" placeholder="IPA, e.g. 0x40001000" aria-label="Find an IPA" size="18"></vscode-text-field>
  <vscode-button id="find-go" aria-label="Find the IPA">Find</vscode-button>
  <span id="view-range" aria-label="Visible time range"></span>
  <span id="status" role="status" aria-live="polite"></span>
  <div id="compare-bar" role="group" aria-label="Recording diff" hidden>
    <span id="compare-label"></span>
    <vscode-button id="link-toggle" appearance="primary" aria-pressed="true" aria-label="Link zoom and pan with the other recording's timeline">Linked</vscode-button>
    <span id="link-note" role="status" aria-live="polite"></span>
  </div>
</header>
<main>
  <div id="canvas-wrap">
    <div id="lane-names" aria-label="Lanes"></div>
    <canvas id="timeline" tabindex="0" role="img" aria-label="Stage-2 timeline. W and S (or plus and minus) zoom, A and D (or the arrow keys) pan, Home shows everything, a click selects a mark, F fits the selection, M marks its range, Escape clears, Shift+drag selects a range. The list below names every visible mark."></canvas>
    <div id="tooltip" role="tooltip" hidden></div>
  </div>
  <ul id="legend" aria-label="Legend: mark classes and their colours"></ul>
  <section id="details" tabindex="-1" aria-labelledby="details-heading" aria-live="polite" hidden></section>
  <section id="range-stats" aria-live="polite" aria-label="Selection statistics" hidden></section>
  <ul id="find-results" aria-label="IPA search results"></ul>
  <h2 id="marks-heading">Visible marks</h2>
  <p id="marks-omitted"></p>
  <ul id="marks-list" aria-labelledby="marks-heading"></ul>
</main>
<script defer nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}

// Colours of the timeline, read from VS Code's `--vscode-*` CSS variables (charts.*, editor.*,
// focusBorder, contrastBorder) so light, dark and high-contrast themes all work; re-read when the
// body's theme class changes. Spurious fault classes get the error colour so they stand out.
import { isRedundantCmoClass, isSpuriousClass, type BinClass } from '../src/shared/timelineProtocol';

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  focus: string;
  selection: string;
  /** Set in high-contrast themes: outline marks instead of relying on colour and alpha alone. */
  contrastBorder: string | undefined;
  highContrast: boolean;
  red: string;
  orange: string;
  yellow: string;
  blue: string;
  green: string;
  purple: string;
  font: string;
}

const FALLBACK = {
  background: '#1e1e1e',
  foreground: '#cccccc',
  muted: '#9d9d9d',
  grid: '#3c3c3c',
  focus: '#007fd4',
  selection: '#264f78',
  red: '#f14c4c',
  orange: '#d18616',
  yellow: '#cca700',
  blue: '#3794ff',
  green: '#89d185',
  purple: '#b180d7',
};

/** Build the theme from a CSS variable reader (getComputedStyle(document.body).getPropertyValue). */
export function readTheme(getVar: (name: string) => string, bodyClasses: readonly string[]): Theme {
  const v = (name: string, fallback: string) => getVar(`--vscode-${name}`).trim() || fallback;
  const highContrast = bodyClasses.includes('vscode-high-contrast') || bodyClasses.includes('vscode-high-contrast-light');
  const border = getVar('--vscode-contrastBorder').trim();
  return {
    background: v('editor-background', FALLBACK.background),
    foreground: v('editor-foreground', FALLBACK.foreground),
    muted: v('descriptionForeground', FALLBACK.muted),
    grid: v('editorWidget-border', v('panel-border', FALLBACK.grid)),
    focus: v('focusBorder', FALLBACK.focus),
    selection: v('editor-selectionBackground', FALLBACK.selection),
    contrastBorder: border || undefined,
    highContrast,
    red: v('charts-red', FALLBACK.red),
    orange: v('charts-orange', FALLBACK.orange),
    yellow: v('charts-yellow', FALLBACK.yellow),
    blue: v('charts-blue', FALLBACK.blue),
    green: v('charts-green', FALLBACK.green),
    purple: v('charts-purple', FALLBACK.purple),
    font: `${getVar('--vscode-font-size').trim() || '12px'} ${getVar('--vscode-font-family').trim() || 'sans-serif'}`,
  };
}

export const fallbackTheme: Theme = readTheme(() => '', []);

export function classColour(t: Theme, c: BinClass): string {
  if (isSpuriousClass(c)) return t.red;
  if (isRedundantCmoClass(c)) return t.yellow;
  switch (c) {
    case 'P1':
    case 'H1':
    case 'L1':
    case 'window':
      return t.orange;
    case 'S7':
    case 'S8':
    case 'S9':
    case 'marker':
      return t.purple;
    case 'split':
    case 'coalesce':
      return t.green;
    case 'tlbi':
      return t.green;
    case 'cmo':
      return t.yellow;
    case 'host':
      return t.muted;
    default:
      return t.blue;
  }
}

/** Human name of a class for labels and the legend. */
export function className(c: BinClass): string {
  switch (c) {
    case 'fault':
      return 'fault';
    case 'window':
      return 'invalid window';
    case 'tlbi':
      return 'TLBI';
    case 'cmo':
      return 'CMO';
    case 'host':
      return 'host action';
    default:
      return c;
  }
}

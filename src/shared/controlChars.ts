// Trace text is untrusted: a task may name itself with terminal escapes (ESC]0;title BEL, ESC[31m)
// and a damaged file may hold NUL or other control bytes. Every text output (the CLI's text and
// Markdown, hovers, diagnostics) passes trace-derived strings through escapeControls, so that what
// reaches a terminal or an editor is printable: C0 controls (except tab), DEL, the C1 controls
// U+0080-U+009F (which some terminals act on as ESC sequences), and the Unicode line and paragraph
// separators become visible escapes. JSON output needs nothing: JSON.stringify escapes C0 itself.

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\u001b': '\\e', '\u0000': '\\0' };

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`);
}

/** `s` with every control character written as a visible escape (`\e`, `\0`, `\x07`, `\u2028`); tab is kept. */
export function escapeControls(s: string): string {
  return s.replace(CONTROL, escapeOne);
}

/** The same, keeping line breaks: for multi-line text whose lines each come from a trace. */
export function escapeControlsKeepLines(s: string): string {
  return s.split('\n').map(escapeControls).join('\n');
}

// The paste-tolerant front end's rules (issue #20): what mail clients do to trace text and how it
// is undone. Mail wraps long lines at spaces (60-80 columns), quotes replies with `> `, and encodes
// bodies as quoted-printable (RFC 2045 6.7: `=XX` for a byte, `=` at the end of a line for a soft
// line break). The line parser calls these only for lines that fail to parse, and readTrace puts
// the quoted-printable decoder in front of it only for a file whose head is recognisably such
// mail: clean input pays nothing.
import type { LineConsumer } from './lineFramer';
import type { ReaderRepairs } from './types';

/** Pieces one wrapped event may be joined from (a 200-column event wrapped at 60 is four). */
export const MAX_PIECES = 6;

/**
 * The columns a wrapped line's first piece can have: mail wraps at 60-80 columns (RFC 5322 2.1.1
 * recommends 78), at a space, so the piece is shorter than the limit by up to a word. A line longer
 * than `max` was not wrapped; the next bare line is not its tail.
 */
export const WRAPPED_PIECE = { min: 40, max: 100 } as const;

/**
 * The head of another event line, cut or damaged, is never a tail: a cut `comm-pid` (`kvmtest-3`,
 * `CPU 0/KVM-4101`; a comm is at most 15 characters, TASK_COMM_LEN), a `comm-pid` followed by its
 * `[cpu]` or `(tgid)` column, a `<seconds>.<usecs>:` timestamp anywhere (no event's fields print
 * one), or a context prefix with a few bytes damaged: two of its columns (`comm-pid`, `[cpu]`, the
 * irq-flags, a timestamp) in its first 64 characters.
 */
export function looksLikeEventHead(tail: string): boolean {
  if (/^.{0,15}[^\s=]-\d*$/.test(tail) || /^.{0,15}[^\s=]-\S*\s+[[(]/.test(tail) || /\d\.\d{6}:(\s|$)/.test(tail)) return true;
  const head = tail.slice(0, 64);
  let columns = 0;
  for (const column of PREFIX_COLUMNS) if (column.test(head)) columns++;
  return columns >= 2;
}

const PREFIX_COLUMNS = [/\S-\d+\s/, /\[\d{3}\]/, /\s[.dDnNhHsSbBX]{4,5}\s/, /\s\d+\.\d{4,}/];

/**
 * Whether a bare line can be the wrapped tail of a trace event: trace payloads are fields (`rip
 * 0x1`, `error_code 0x181`, `[reinjected]`, `addr=0x4000`), each with a digit, `_`, `=`, a bracket
 * or another punctuation mark that prose lacks; a sentence (`  and so on.`) has none of them, or
 * ends with a word and a full stop. A marker's free text is continued by any line that does not
 * end a sentence.
 */
export function looksLikeContinuation(tail: string, freeText = false): boolean {
  if (tail.length === 0) return false;
  if (looksLikeEventHead(tail)) return false;
  if (/[A-Za-z][.?!]$/.test(tail) && !/\.\.\.$/.test(tail)) return false;
  // a marker's text (tracing_mark_write) is the user's own words: any line not ending a sentence
  return freeText || /[0-9_=[\]()<>|/!+-]/.test(tail);
}

/** The text after mail quote marks (`> `, `>> `, `> > `), or undefined when the line is not quoted. */
export function unquote(s: string): string | undefined {
  const m = /^\s*(?:>\s?)+/.exec(s);
  return m ? s.slice(m[0].length) : undefined;
}

/**
 * A file (its first bytes) is quoted-printable mail: a `Content-Transfer-Encoding:
 * quoted-printable` header, or encoded `=` signs (`=3D`, upper case as RFC 2045 requires), which
 * trace text never holds: ftrace prints `=` only before a value, and a value is `0x3d` or `61`,
 * never `3D` (`level=20` is a value, so `=20` alone is no evidence).
 */
export function looksQuotedPrintable(head: string): boolean {
  if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(head)) return true;
  const encoded = head.match(/=3D/g)?.length ?? 0;
  return encoded >= 2 || (encoded >= 1 && /=\r?\n/.test(head));
}

function decodeQp(s: string): string {
  return s.replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** Longest logical line joined from soft line breaks (the framer's line limit applies to each piece). */
const MAX_QP_LINE = 64 * 1024;

/**
 * Decodes quoted-printable lines in front of a LineConsumer: soft line breaks join physical lines
 * into one (numbered as its first), `=XX` become their byte. (Multi-byte UTF-8 sequences encoded
 * byte by byte come out as Latin-1 characters: trace fields are ASCII.)
 */
export class QuotedPrintableLines implements LineConsumer {
  private carry = '';
  private carryLine = 0;
  private carryOffset = 0;

  constructor(
    private readonly out: LineConsumer,
    private readonly repairs: ReaderRepairs,
  ) {}

  lineBytes(): boolean {
    return false;
  }

  line(text: string, line: number, offset: number, unterminated: boolean): void {
    if (this.carry.length === 0) {
      this.carryLine = line;
      this.carryOffset = offset;
    }
    if (text.endsWith('=') && !unterminated && this.carry.length + text.length < MAX_QP_LINE) {
      this.carry += text.slice(0, -1);
      return;
    }
    const whole = this.carry + text;
    const soft = this.carry.length > 0;
    this.carry = '';
    const decoded = whole.includes('=') ? decodeQp(whole) : whole;
    if (soft || decoded !== whole) this.repairs.quotedPrintable++;
    this.out.line(decoded, this.carryLine, this.carryOffset, unterminated);
  }

  tooLong(line: number, offset: number, head: string, length: number): void {
    this.end();
    this.out.tooLong(line, offset, head, length);
  }

  nulLine(text: string, line: number, offset: number): void {
    this.end();
    this.out.nulLine(text, line, offset);
  }

  /** A soft break on the last line: what was carried is a line of its own. */
  end(): void {
    if (this.carry.length === 0) return;
    const whole = this.carry;
    this.carry = '';
    this.repairs.quotedPrintable++;
    this.out.line(decodeQp(whole), this.carryLine, this.carryOffset, true);
  }
}

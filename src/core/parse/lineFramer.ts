// Line framing over byte chunks: LF and CRLF endings, a last line without newline, lines split
// across chunks (joined once, so long lines cost linear time), and a hard length limit beyond
// which a line is skipped (reported `too-long`) without being held in memory.

/** Longer lines cannot be trace lines (the kernel's trace_seq is one page); only their head is kept. */
export const MAX_LINE_BYTES = 64 * 1024;
const HEAD_BYTES = 200;

// Buffer#utf8Slice skips toString()'s encoding dispatch (a measurable share per line); it is
// not in Node's typings, hence the cast, and toString is the fallback.
type Utf8Slicer = { utf8Slice?: (start: number, end: number) => string };
const hasUtf8Slice = typeof (Buffer.prototype as unknown as Utf8Slicer).utf8Slice === 'function';

export function utf8(buf: Buffer, start: number, end: number): string {
  return hasUtf8Slice ? (buf as unknown as Required<Utf8Slicer>).utf8Slice(start, end) : buf.toString('utf8', start, end);
}

export interface LineConsumer {
  /** A terminated line as bytes buf[start, end) (no end-of-line); false when it wants it as text (line()). */
  lineBytes(buf: Buffer, start: number, end: number, line: number, offset: number): boolean;
  line(text: string, line: number, offset: number, unterminated: boolean): void;
  tooLong(line: number, offset: number, head: string, length: number): void;
  /**
   * A line holding a NUL byte: never ftrace text (trace_seq prints no NULs), and a NUL inside an
   * event name would otherwise make a valid-looking event of an unknown name (its fault lost).
   */
  nulLine(text: string, line: number, offset: number): void;
}

export class LineFramer {
  private carry: Uint8Array[] = [];
  private carryLen = 0;
  /** Length of the current over-long line (0 when not in one). */
  private longLen = 0;
  private longHead = '';
  private offset: number;
  private lineNo: number;

  /** `from`: where the bytes start in the whole input (a range of a file, read on its own), so that lines keep their numbers and offsets. */
  constructor(private readonly out: LineConsumer, from: { line: number; offset: number } = { line: 1, offset: 0 }) {
    this.lineNo = from.line - 1;
    this.offset = from.offset;
  }

  get lines(): number {
    return this.lineNo;
  }

  get bytes(): number {
    return this.offset + this.carryLen + this.longLen;
  }

  /** Position of the next NUL byte in the chunk being framed at or after the current line (-1: none). */
  private nul = -1;

  private emit(buf: Buffer, start: number, end: number, lineBytes: number, unterminated: boolean, nul = buf.indexOf(0, start)): void {
    let e = end;
    if (e > start && buf[e - 1] === 13) e--;
    this.lineNo++;
    if (nul >= 0 && nul < e) this.out.nulLine(utf8(buf, start, e), this.lineNo, this.offset);
    else if (unterminated || !this.out.lineBytes(buf, start, e, this.lineNo, this.offset)) this.out.line(utf8(buf, start, e), this.lineNo, this.offset, unterminated);
    this.offset += lineBytes;
  }

  private emitLong(extra: number, terminated: boolean): void {
    this.lineNo++;
    const total = this.longLen + extra;
    this.out.tooLong(this.lineNo, this.offset, this.longHead, total);
    this.offset += total + (terminated ? 1 : 0);
    this.longLen = 0;
    this.longHead = '';
  }

  /** Add bytes to the unterminated tail, switching to skip mode past the limit. */
  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.longLen > 0) {
      this.longLen += piece.length;
      return;
    }
    if (this.carryLen + piece.length > MAX_LINE_BYTES) {
      const joined = Buffer.concat([...this.carry, piece.subarray(0, Math.max(0, HEAD_BYTES - this.carryLen))]);
      this.longHead = joined.toString('utf8', 0, Math.min(joined.length, HEAD_BYTES));
      this.longLen = this.carryLen + piece.length;
      this.carry = [];
      this.carryLen = 0;
      return;
    }
    // copy: the caller may reuse its chunk buffer
    this.carry.push(Buffer.from(piece));
    this.carryLen += piece.length;
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let pos = 0;
    if (this.carryLen > 0 || this.longLen > 0) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.append(buf);
        return;
      }
      if (this.longLen > 0) this.emitLong(nl, true);
      else if (this.carryLen + nl > MAX_LINE_BYTES) {
        this.append(buf.subarray(0, nl));
        this.emitLong(0, true);
      } else {
        const joined = Buffer.concat([...this.carry, buf.subarray(0, nl)]);
        this.carry = [];
        this.carryLen = 0;
        this.emit(joined, 0, joined.length, joined.length + 1, false);
      }
      pos = nl + 1;
    }
    // one memchr per chunk finds NULs; a line is checked against the next one's position only
    this.nul = buf.indexOf(0, pos);
    while (pos < n) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        this.append(buf.subarray(pos));
        return;
      }
      if (this.nul >= 0 && this.nul < pos) this.nul = buf.indexOf(0, pos);
      if (nl - pos > MAX_LINE_BYTES) {
        this.longHead = buf.toString('utf8', pos, pos + HEAD_BYTES);
        this.longLen = nl - pos;
        this.emitLong(0, true);
      } else this.emit(buf, pos, nl, nl - pos + 1, false, this.nul);
      pos = nl + 1;
    }
  }

  /** Flush a last line without newline. */
  end(): void {
    if (this.longLen > 0) this.emitLong(0, false);
    else if (this.carryLen > 0) {
      const joined = Buffer.concat(this.carry);
      this.carry = [];
      this.carryLen = 0;
      this.emit(joined, 0, joined.length, joined.length, true);
    }
  }
}

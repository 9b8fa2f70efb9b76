// Compiles an event's `print fmt:` (the TP_printk format string and its C argument expressions)
// into a renderer that prints a record exactly as the kernel's own `trace` file would: kernel
// vsnprintf rules (`%#x` of 0 is `0x0`), `__print_symbolic`/`__print_flags`/`__get_str`, ternaries,
// casts and arithmetic. Unknown constructs fall back to a raw `field=value` dump, never a throw.

import type { EventFormat, FieldFormat } from './eventFormat';

export type Val = number | bigint | string | undefined;

/** One record's bytes: data from `start` (after the ring-buffer header) for `size` bytes. */
export interface RecordView {
  buf: Uint8Array;
  dv: DataView;
  start: number;
  size: number;
}

export interface PrintEnv {
  little: boolean;
  /** `sym` or `sym+0x10/0x40` (withOffset) for a kernel address, undefined when unknown. */
  symbol(addr: bigint | number, withOffset: boolean): string | undefined;
  /** A `const char *` field: the string the kernel pointer refers to, when the file's printk table knows it. */
  pointerString(addr: bigint | number): string | undefined;
}

export type Renderer = (r: RecordView) => string;
export type Expr = (r: RecordView) => Val;

const TWO32 = 4294967296;

export function fieldReader(f: FieldFormat, little: boolean): Expr {
  const off = f.offset;
  if (f.dataLoc) {
    return (r) => {
      if (off + 4 > r.size) return undefined;
      const loc = r.dv.getUint32(r.start + off, little);
      let o = loc & 0xffff;
      const len = loc >>> 16;
      if (f.relLoc) o += off + 4;
      return f.isString ? cString(r, o, len) : o;
    };
  }
  if (f.isString) {
    const max = f.arrayLength ? f.size : undefined;
    return (r) => cString(r, off, max ?? r.size - off);
  }
  if (f.arrayLength !== undefined) return () => off; // arrays are reached through REC->f[i]
  return scalarReader(off, f.size, f.signed, little);
}

function scalarReader(off: number, size: number, signed: boolean, little: boolean): Expr {
  switch (size) {
    case 1:
      return signed ? (r) => (off < r.size ? r.dv.getInt8(r.start + off) : undefined) : (r) => (off < r.size ? r.buf[r.start + off] : undefined);
    case 2:
      return signed
        ? (r) => (off + 2 <= r.size ? r.dv.getInt16(r.start + off, little) : undefined)
        : (r) => (off + 2 <= r.size ? r.dv.getUint16(r.start + off, little) : undefined);
    case 4:
      return signed
        ? (r) => (off + 4 <= r.size ? r.dv.getInt32(r.start + off, little) : undefined)
        : (r) => (off + 4 <= r.size ? r.dv.getUint32(r.start + off, little) : undefined);
    case 8:
      return (r) => {
        if (off + 8 > r.size) return undefined;
        const p = r.start + off;
        const lo = r.dv.getUint32(little ? p : p + 4, little);
        const hi = r.dv.getUint32(little ? p + 4 : p, little);
        if (hi < 0x200000) return hi * TWO32 + lo;
        if (signed && hi >= 0x80000000) {
          const neg = r.dv.getBigInt64(p, little);
          return neg >= -9007199254740991n ? Number(neg) : neg;
        }
        return r.dv.getBigUint64(p, little);
      };
    default:
      return () => undefined;
  }
}

function cString(r: RecordView, off: number, maxLen: number): string {
  const begin = r.start + off;
  const end = Math.min(r.start + r.size, begin + Math.max(0, maxLen));
  let s = '';
  for (let i = begin; i < end; i++) {
    const c = r.buf[i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

// ---------------------------------------------------------------- tokenizer

type Tok = { t: 'num'; v: bigint } | { t: 'str'; v: string } | { t: 'chr'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

const OPS = ['->', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '?', ':', '(', ')', '{', '}', '[', ']', ',', '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '!', '~', '.'];

function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'x':
        return String.fromCharCode(Number.parseInt(e.slice(1), 16));
      default:
        if (/[0-7]/.test(e[0])) return String.fromCharCode(Number.parseInt(e, 8));
        return e;
    }
  });
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      const v = unescape(src.slice(i + 1, j));
      const last = toks[toks.length - 1];
      if (last && last.t === 'str') last.v += v; // adjacent literals concatenate
      else toks.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== "'") j += src[j] === '\\' ? 2 : 1;
      toks.push({ t: 'chr', v: unescape(src.slice(i + 1, j)).charCodeAt(0) || 0 });
      i = j + 1;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*/.exec(src.slice(i, i + 40));
    if (num && /[0-9]/.test(c)) {
      const digits = num[1];
      toks.push({ t: 'num', v: /^0\d/.test(digits) ? BigInt('0o' + digits.slice(1)) : BigInt(digits) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_]\w*/.exec(src.slice(i, i + 200));
    if (id) {
      toks.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new Error(`unexpected '${c}' in print fmt`);
    toks.push({ t: 'op', v: op });
    i += op.length;
  }
  return toks;
}

// ---------------------------------------------------------------- expressions

const TYPE_WORDS = new Set(['unsigned', 'signed', 'int', 'long', 'short', 'char', 'void', 'const', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', '__u8', '__u16', '__u32', '__u64', 'bool', 'size_t', 'struct', 'phys_addr_t', 'gfn_t', 'gpa_t', 'uint64_t', 'uint32_t']);

interface Cast {
  bits: number;
  signed: boolean;
}

function toBig(v: Val): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : BigInt(Math.trunc(v));
  return undefined;
}

function norm(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function truthy(v: Val): boolean {
  if (v === undefined) return false;
  if (typeof v === 'string') return true; // a non-null pointer
  return v !== 0 && v !== 0n;
}

function arith(op: string, a: Val, b: Val): Val {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+':
        if (Number.isSafeInteger(a + b)) return a + b;
        break;
      case '-':
        if (Number.isSafeInteger(a - b)) return a - b;
        break;
      case '==':
        return a === b ? 1 : 0;
      case '!=':
        return a !== b ? 1 : 0;
      case '<':
        return a < b ? 1 : 0;
      case '>':
        return a > b ? 1 : 0;
      case '<=':
        return a <= b ? 1 : 0;
      case '>=':
        return a >= b ? 1 : 0;
    }
  }
  const x = toBig(a);
  const y = toBig(b);
  if (x === undefined || y === undefined) {
    if (op === '==') return a === b ? 1 : 0;
    if (op === '!=') return a !== b ? 1 : 0;
    return undefined;
  }
  switch (op) {
    case '+':
      return norm(x + y);
    case '-':
      return norm(x - y);
    case '*':
      return norm(x * y);
    case '/':
      return y === 0n ? undefined : norm(x / y);
    case '%':
      return y === 0n ? undefined : norm(x % y);
    case '<<':
      return norm(BigInt.asUintN(64, x << y));
    case '>>':
      return norm(x >> y);
    case '&':
      return norm(x & y);
    case '|':
      return norm(x | y);
    case '^':
      return norm(x ^ y);
    case '==':
      return x === y ? 1 : 0;
    case '!=':
      return x !== y ? 1 : 0;
    case '<':
      return x < y ? 1 : 0;
    case '>':
      return x > y ? 1 : 0;
    case '<=':
      return x <= y ? 1 : 0;
    case '>=':
      return x >= y ? 1 : 0;
  }
  return undefined;
}

const BINARY_PREC: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

class ExprParser {
  private i = 0;
  constructor(
    private toks: Tok[],
    private fmt: EventFormat,
    private env: PrintEnv,
  ) {}

  atEnd(): boolean {
    return this.i >= this.toks.length;
  }
  peek(): Tok | undefined {
    return this.toks[this.i];
  }
  isOp(v: string): boolean {
    const t = this.toks[this.i];
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  expectOp(v: string): void {
    if (!this.isOp(v)) throw new Error(`expected '${v}' in print fmt`);
    this.i++;
  }

  /** The leading format string. */
  formatString(): string {
    const t = this.toks[this.i];
    if (!t || t.t !== 'str') throw new Error('print fmt has no format string');
    this.i++;
    return t.v;
  }

  args(): Expr[] {
    const out: Expr[] = [];
    while (this.isOp(',')) {
      this.i++;
      out.push(this.ternary());
    }
    if (!this.atEnd()) throw new Error('trailing tokens in print fmt');
    return out;
  }

  ternary(): Expr {
    const cond = this.binary(1);
    if (!this.isOp('?')) return cond;
    this.i++;
    if (this.isOp(':')) {
      // GNU `a ?: b`
      this.i++;
      const other = this.ternary();
      return (r) => {
        const v = cond(r);
        return truthy(v) ? v : other(r);
      };
    }
    const yes = this.ternary();
    this.expectOp(':');
    const no = this.ternary();
    return (r) => (truthy(cond(r)) ? yes(r) : no(r));
  }

  binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (!t || t.t !== 'op') return left;
      const prec = BINARY_PREC[t.v];
      if (prec === undefined || prec < minPrec) return left;
      this.i++;
      const right = this.binary(prec + 1);
      const l = left;
      const op = t.v;
      if (op === '&&') left = (r) => (truthy(l(r)) && truthy(right(r)) ? 1 : 0);
      else if (op === '||') left = (r) => (truthy(l(r)) || truthy(right(r)) ? 1 : 0);
      else left = (r) => arith(op, l(r), right(r));
    }
  }

  private tryCast(): Cast | undefined {
    // `(unsigned long)`, `(void *)`, `(u64)`: a parenthesised list of type words and stars
    const start = this.i;
    if (!this.isOp('(')) return undefined;
    let j = this.i + 1;
    const words: string[] = [];
    let stars = 0;
    while (j < this.toks.length) {
      const t = this.toks[j];
      if (t.t === 'id' && (TYPE_WORDS.has(t.v) || (words[0] === 'struct' && words.length === 1))) words.push(t.v);
      else if (t.t === 'op' && t.v === '*') stars++;
      else break;
      j++;
    }
    const close = this.toks[j];
    if (words.length === 0 || !close || close.t !== 'op' || close.v !== ')') return undefined;
    this.i = j + 1;
    if (start === this.i) return undefined;
    if (stars > 0) return { bits: 64, signed: false };
    const w = words.join(' ');
    const signed = !/unsigned|u8|u16|u32|u64|size_t|bool|uint|phys|gfn|gpa/.test(w);
    const bits = /char|8/.test(w) ? 8 : /short|16/.test(w) ? 16 : /long|64|size_t|phys|gfn|gpa/.test(w) ? 64 : 32;
    return { bits, signed };
  }

  unary(): Expr {
    const t = this.peek();
    if (t && t.t === 'op') {
      if (t.v === '-' || t.v === '!' || t.v === '~' || t.v === '+') {
        this.i++;
        const inner = this.unary();
        if (t.v === '-') return (r) => arith('-', 0, inner(r));
        if (t.v === '+') return inner;
        if (t.v === '!') return (r) => (truthy(inner(r)) ? 0 : 1);
        return (r) => {
          const b = toBig(inner(r));
          return b === undefined ? undefined : norm(BigInt.asUintN(64, ~b));
        };
      }
      if (t.v === '(') {
        const cast = this.tryCast();
        if (cast) {
          const inner = this.unary();
          return (r) => {
            const v = inner(r);
            const b = typeof v === 'string' ? undefined : toBig(v);
            if (b === undefined) return v;
            return norm(cast.signed ? BigInt.asIntN(cast.bits, b) : BigInt.asUintN(cast.bits, b));
          };
        }
      }
    }
    return this.postfix(this.primary());
  }

  private postfix(e: Expr): Expr {
    while (this.isOp('[')) {
      // REC->caller[3]: element i of an array field
      this.i++;
      const idx = this.ternary();
      this.expectOp(']');
      const arrayField = this.lastField;
      if (!arrayField) return () => undefined;
      const elem = arrayField.arrayLength ? arrayField.size / arrayField.arrayLength : arrayField.size;
      const f = arrayField;
      e = (r) => {
        const n = idx(r);
        if (typeof n !== 'number') return undefined;
        return scalarReader(f.offset + n * elem, elem, f.signed, this.env.little)(r);
      };
    }
    return e;
  }

  private lastField: FieldFormat | undefined;

  primary(): Expr {
    const t = this.toks[this.i++];
    if (!t) throw new Error('print fmt ends early');
    switch (t.t) {
      case 'num': {
        const v = norm(t.v);
        return () => v;
      }
      case 'str': {
        const v = t.v;
        return () => v;
      }
      case 'chr': {
        const v = t.v;
        return () => v;
      }
      case 'op':
        if (t.v === '(') {
          if (this.isOp(')')) throw new Error('empty parentheses');
          // `(REC)->field` appears in some formats
          const rec = this.toks[this.i];
          if (rec && rec.t === 'id' && rec.v === 'REC' && this.toks[this.i + 1]?.t === 'op' && (this.toks[this.i + 1] as { v: string }).v === ')') {
            this.i += 2;
            return this.recField();
          }
          const e = this.ternary();
          this.expectOp(')');
          return e;
        }
        throw new Error(`unexpected '${t.v}' in print fmt`);
      case 'id':
        if (t.v === 'REC') return this.recField();
        if (this.isOp('(')) return this.call(t.v);
        return () => undefined; // an enum name the file does not resolve
    }
  }

  private recField(): Expr {
    if (this.isOp('->') || this.isOp('.')) this.i++;
    else throw new Error('expected -> after REC');
    const name = this.toks[this.i++];
    if (!name || name.t !== 'id') throw new Error('expected a field name after REC->');
    const f = this.fmt.byName.get(name.v);
    this.lastField = f;
    if (!f) return () => undefined;
    return fieldReader(f, this.env.little);
  }

  private callArgs(): Expr[] {
    this.expectOp('(');
    const out: Expr[] = [];
    if (this.isOp(')')) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.ternary());
      if (this.isOp(',')) {
        this.i++;
        continue;
      }
      this.expectOp(')');
      return out;
    }
  }

  /** `{ value, "name" }, ...` tables of __print_symbolic / __print_flags. */
  private table(): { value: Expr; name: string }[] {
    const out: { value: Expr; name: string }[] = [];
    while (this.isOp(',')) {
      this.i++;
      this.expectOp('{');
      const value = this.ternary();
      this.expectOp(',');
      const name = this.toks[this.i++];
      if (!name || name.t !== 'str') throw new Error('expected a string in a symbol table');
      this.expectOp('}');
      out.push({ value, name: name.v });
    }
    this.expectOp(')');
    return out;
  }

  private call(fn: string): Expr {
    if (fn === '__print_symbolic' || fn === '__print_symbolic_u64') {
      this.expectOp('(');
      const val = this.ternary();
      const entries = this.table();
      const empty: RecordView = { buf: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), start: 0, size: 0 };
      const map = new Map<string, string>();
      for (const e of entries) {
        const k = e.value(empty);
        if (k !== undefined && !map.has(String(k))) map.set(String(k), e.name);
      }
      return (r) => {
        const v = val(r);
        const hit = map.get(String(v));
        if (hit !== undefined) return hit;
        return v === undefined ? '' : '0x' + hexOf(v);
      };
    }
    if (fn === '__print_flags' || fn === '__print_flags_u64') {
      this.expectOp('(');
      const val = this.ternary();
      this.expectOp(',');
      const delimTok = this.toks[this.i++];
      const delim = delimTok && delimTok.t === 'str' ? delimTok.v : '|';
      const entries = this.table();
      const empty: RecordView = { buf: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), start: 0, size: 0 };
      const flags = entries.map((e) => ({ bit: toBig(e.value(empty)) ?? 0n, name: e.name }));
      return (r) => {
        let v = toBig(val(r));
        if (v === undefined) return '';
        const parts: string[] = [];
        for (const f of flags) {
          if (f.bit === 0n) {
            if (v === 0n) parts.push(f.name);
            continue;
          }
          if ((v & f.bit) === f.bit) {
            parts.push(f.name);
            v &= ~f.bit;
          }
        }
        if (v !== 0n) parts.push('0x' + v.toString(16));
        return parts.join(delim);
      };
    }
    // `__get_str(name)` names the field bare, without REC->
    const t1 = this.toks[this.i + 1];
    const t2 = this.toks[this.i + 2];
    if (fn.startsWith('__get_') && t1?.t === 'id' && t2?.t === 'op' && t2.v === ')' && this.fmt.byName.has(t1.v)) {
      this.i += 3;
      const f = this.fmt.byName.get(t1.v)!;
      this.lastField = f;
      if (fn === '__get_dynamic_array_len') {
        const off = f.offset;
        const little = this.env.little;
        return (r) => (off + 4 <= r.size ? r.dv.getUint32(r.start + off, little) >>> 16 : undefined);
      }
      return fieldReader(f, this.env.little);
    }
    const args = this.callArgs();
    switch (fn) {
      case '__get_str':
      case '__get_rel_str':
      case '__get_dynamic_array':
      case '__get_rel_dynamic_array':
        return args[0] ?? (() => undefined);
      case '__get_dynamic_array_len':
        return () => undefined;
      case '__print_hex':
      case '__print_hex_str': {
        const [ptr, len] = args;
        const sep = fn === '__print_hex' ? ' ' : '';
        return (r) => {
          const o = ptr?.(r);
          const n = len?.(r);
          if (typeof o !== 'number' || typeof n !== 'number') return '';
          const bytes: string[] = [];
          for (let k = 0; k < n && o + k < r.size; k++) bytes.push(r.buf[r.start + o + k].toString(16).padStart(2, '0'));
          return bytes.join(sep);
        };
      }
      case '__print_array': {
        const [ptr, count, elSize] = args;
        return (r) => {
          const o = ptr?.(r);
          const n = count?.(r);
          const sz = elSize?.(r);
          if (typeof o !== 'number' || typeof n !== 'number' || typeof sz !== 'number') return '{}';
          const out: string[] = [];
          for (let k = 0; k < n && o + (k + 1) * sz <= r.size; k++) out.push('0x' + hexOf(scalarReader(o + k * sz, sz, false, this.env.little)(r)));
          return `{${out.join(',')}}`;
        };
      }
      default:
        throw new Error(`unsupported helper ${fn}() in print fmt`);
    }
  }
}

/**
 * `v.toString(16)`, faster for values of 2^24 and more: Number#toString with a radix takes a slow
 * generic path for values outside the small-integer range (a few hundred ns, and trace fields are
 * mostly such addresses), so those print as 24-bit pieces. Non-integers keep toString's own output.
 */
export function hexDigits(v: number): string {
  if (v < 0x1000000 || !Number.isSafeInteger(v)) return v.toString(16);
  const hi = Math.floor(v / 0x1000000);
  const low = (v - hi * 0x1000000).toString(16);
  const lowPadded = '000000'.slice(low.length) + low;
  if (hi < 0x1000000) return hi.toString(16) + lowPadded;
  const top = Math.floor(hi / 0x1000000);
  const mid = (hi - top * 0x1000000).toString(16);
  return top.toString(16) + '000000'.slice(mid.length) + mid + lowPadded;
}

function hexOf(v: Val): string {
  if (typeof v === 'number') return v >= 0 ? hexDigits(v) : BigInt.asUintN(64, BigInt(v)).toString(16);
  if (typeof v === 'bigint') return BigInt.asUintN(64, v).toString(16);
  return '0';
}

// ---------------------------------------------------------------- printf

interface Spec {
  left: boolean;
  plus: boolean;
  space: boolean;
  alt: boolean;
  zero: boolean;
  width: number | '*';
  precision: number | '*' | undefined;
  bits: number;
  conv: string;
  /** %pS, %ps, %px ...: the extension letters. */
  ptrExt: string;
}

type Piece = string | Spec;

function parseFormat(f: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  let i = 0;
  while (i < f.length) {
    const c = f[i];
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    if (f[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|L|z|j|t|q)?([diouxXcspn])/.exec(f.slice(i, i + 24));
    if (!m) {
      lit += c;
      i++;
      continue;
    }
    if (lit) out.push(lit);
    lit = '';
    const flags = m[1];
    const len = m[4] ?? '';
    const spec: Spec = {
      left: flags.includes('-'),
      plus: flags.includes('+'),
      space: flags.includes(' '),
      alt: flags.includes('#'),
      zero: flags.includes('0'),
      width: m[2] === '*' ? '*' : m[2] ? Number(m[2]) : 0,
      precision: m[3] === undefined ? undefined : m[3] === '*' ? '*' : Number(m[3] || '0'),
      bits: len === 'hh' ? 8 : len === 'h' ? 16 : len === '' ? 32 : 64,
      conv: m[5],
      ptrExt: '',
    };
    i += m[0].length;
    if (spec.conv === 'p') {
      const ext = /^[A-Za-z0-9]*/.exec(f.slice(i, i + 8))?.[0] ?? '';
      // only the letters the kernel's pointer() consumes; the rest is literal text
      const known = /^(S|s|B|F|f|x|K|R|r|b|M|m|I4|I6|i4|i6|U|E|d|D|h|V|a|g|t|n|e|C|G|OF)/.exec(ext);
      spec.ptrExt = known ? known[0] : '';
      i += spec.ptrExt.length;
    }
    out.push(spec);
  }
  if (lit) out.push(lit);
  return out;
}

function pad(s: string, width: number, left: boolean): string {
  if (s.length >= width) return s;
  return left ? s + ' '.repeat(width - s.length) : ' '.repeat(width - s.length) + s;
}

/** Kernel lib/vsprintf.c number(): `#` always prefixes 0x (also for 0), width counts the prefix. */
export function formatInt(v: Val, spec: Spec, width: number, precision: number | undefined): string {
  let n: number | bigint;
  if (typeof v === 'string' || v === undefined) n = 0;
  else n = v;
  const conv = spec.conv;
  const signedConv = conv === 'd' || conv === 'i';
  let neg = false;
  let digits: string;
  const base = conv === 'x' || conv === 'X' ? 16 : conv === 'o' ? 8 : 10;
  if (typeof n === 'number' && n >= 0 && n < 2147483648 && Number.isInteger(n)) {
    digits = base === 16 ? hexDigits(n) : n.toString(base); // fast path: fits every width
  } else if (typeof n === 'number' && Number.isSafeInteger(n) && (spec.bits === 64 || (signedConv ? n >= -2147483648 && n < 2147483648 : n >= 0 && n < 4294967296)) && (signedConv || n >= 0)) {
    // no wrap-around at this width: skip the bigint conversion
    neg = n < 0;
    const abs = neg ? -n : n;
    digits = base === 16 ? hexDigits(abs) : abs.toString(base);
  } else {
    let b = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
    b = signedConv ? BigInt.asIntN(spec.bits, b) : BigInt.asUintN(spec.bits, b);
    if (b < 0n) {
      neg = true;
      b = -b;
    }
    digits = b.toString(base);
  }
  if (conv === 'X') digits = digits.toUpperCase();
  let prefix = '';
  if (signedConv) {
    if (neg) prefix = '-';
    else if (spec.plus) prefix = '+';
    else if (spec.space) prefix = ' ';
  }
  if (spec.alt) {
    if (base === 16) prefix += conv === 'X' ? '0X' : '0x';
    else if (base === 8 && digits[0] !== '0') prefix += '0';
  }
  if (precision !== undefined && digits.length < precision) digits = '0'.repeat(precision - digits.length) + digits;
  if (precision === 0 && digits === '0') digits = '';
  const total = prefix.length + digits.length;
  if (total >= width) return prefix + digits;
  if (spec.left) return prefix + digits + ' '.repeat(width - total);
  if (spec.zero && precision === undefined) return prefix + '0'.repeat(width - total) + digits;
  return ' '.repeat(width - total) + prefix + digits;
}

function compileFormat(pieces: Piece[], args: Expr[], env: PrintEnv): Renderer {
  const steps = compileSteps(pieces, args, env);
  if (steps.length === 1) return steps[0];
  return (r) => {
    let s = '';
    for (let k = 0; k < steps.length; k++) s += steps[k](r);
    return s;
  };
}

/**
 * An integer conversion without `*` width or precision, as a function of the value: the common
 * `%x`/`%u`/`%d` and `%#x`/`%#016lx` of non-negative values skip formatInt's general path.
 */
function numberFormat(p: Spec): (v: Val) => string {
  const format = numberFormatOf(p);
  // fields often repeat the previous record's value (sizes, levels, a vCPU's PC): reuse its text
  let lastValue: Val = undefined;
  let lastText = format(undefined);
  return (v) => {
    if (v !== lastValue) {
      lastValue = v;
      lastText = format(v);
    }
    return lastText;
  };
}

function numberFormatOf(p: Spec): (v: Val) => string {
  const width = typeof p.width === 'number' ? p.width : 0;
  const precision = typeof p.precision === 'number' ? p.precision : undefined;
  const wide = p.bits === 64;
  if (width === 0 && precision === undefined && !p.alt && !p.plus && !p.space && (p.conv === 'x' || p.conv === 'u' || p.conv === 'd')) {
    if (p.conv === 'x') return (v) => (typeof v === 'number' && v >= 0 && (v < 2147483648 || (wide && v <= 9007199254740991)) ? hexDigits(v) : formatInt(v, p, 0, undefined));
    return (v) => (typeof v === 'number' && v >= 0 && (v < 2147483648 || (wide && v <= 9007199254740991)) ? v.toString(10) : formatInt(v, p, 0, undefined));
  }
  if (p.conv === 'x' && p.alt && precision === undefined && !p.left) {
    // `%#x`, `%#08lx`: 0x, then zeros (with the 0 flag) or spaces before it, up to the width
    const zero = p.zero;
    return (v) => {
      if (!(typeof v === 'number' && v >= 0 && (v < 2147483648 || (wide && v <= 9007199254740991)) && Number.isInteger(v))) return formatInt(v, p, width, precision);
      const digits = hexDigits(v);
      const total = digits.length + 2;
      if (total >= width) return '0x' + digits;
      return zero ? '0x' + '0'.repeat(width - total) + digits : ' '.repeat(width - total) + '0x' + digits;
    };
  }
  return (v) => formatInt(v, p, width, precision);
}

/** One renderer per piece (literal or conversion); `%n` pieces print nothing and get none. */
function compileSteps(pieces: Piece[], args: Expr[], env: PrintEnv): Renderer[] {
  const steps: ((r: RecordView) => string)[] = [];
  let argi = 0;
  const next = (): Expr => args[argi++] ?? (() => undefined);
  for (const p of pieces) {
    if (typeof p === 'string') {
      steps.push(() => p);
      continue;
    }
    const widthArg = p.width === '*' ? next() : undefined;
    const precArg = p.precision === '*' ? next() : undefined;
    const arg = next();
    const staticWidth = typeof p.width === 'number' ? p.width : 0;
    const staticPrec = typeof p.precision === 'number' ? p.precision : undefined;
    const dyn = widthArg !== undefined || precArg !== undefined;
    const widthOf = (r: RecordView): number => (widthArg ? Number(widthArg(r) ?? 0) : staticWidth);
    const precOf = (r: RecordView): number | undefined => (precArg ? Number(precArg(r) ?? 0) : staticPrec);
    switch (p.conv) {
      case 's':
        steps.push((r) => {
          const v = arg(r);
          let s: string;
          if (typeof v === 'string') s = v;
          else if (v === undefined) s = '(null)';
          else s = v === 0 ? '(null)' : (env.pointerString(v) ?? hexOf(v));
          const prec = precOf(r);
          if (prec !== undefined) s = s.slice(0, prec);
          return pad(s, widthOf(r), p.left);
        });
        break;
      case 'c':
        steps.push((r) => {
          const v = arg(r);
          return pad(typeof v === 'number' ? String.fromCharCode(v & 0xff) : '', widthOf(r), p.left);
        });
        break;
      case 'p':
        steps.push((r) => {
          const v = arg(r);
          const addr = typeof v === 'string' ? 0 : (v ?? 0);
          let s: string;
          const e = p.ptrExt;
          if (e === 'S' || e === 'B' || e === 'F') s = env.symbol(addr, true) ?? '0x' + hexOf(addr);
          else if (e === 's' || e === 'f') s = env.symbol(addr, false) ?? '0x' + hexOf(addr);
          else s = hexOf(addr).padStart(16, '0');
          return pad(s, widthOf(r), p.left);
        });
        break;
      case 'n':
        break;
      default:
        if (!dyn) {
          const format = numberFormat(p);
          steps.push((r) => format(arg(r)));
        } else steps.push((r) => formatInt(arg(r), p, widthOf(r), precOf(r)));
    }
  }
  return steps;
}

/**
 * A kprobe's fetchargs after its location, when the print fmt is a plain list of ` key=<number>`
 * (` addr=0x%Lx size=%u`): the keys, the literal each value starts with (`0x`) and the value
 * renderers. The values then print without spaces or quotes, so `args` built from them equals what
 * the text parser reads back from the rendered line. Undefined for any other shape.
 */
export interface ProbeArgSteps {
  keys: string[];
  valuePrefixes: string[];
  /** The argument each value prints (read once per record)... */
  raws: Expr[];
  /** ...its text from that value... */
  formats: ((v: Val) => string)[];
  /** ...and whether its text is exactly that value (`0x` + hex, or decimal) when the value is a safe non-negative integer (or, 64-bit hex/unsigned, any non-negative bigint). */
  plain: ('num' | 'wide' | undefined)[];
}

export function compileProbeArgs(fmt: EventFormat, env: PrintEnv, strip: { prefix: string; args: number }): ProbeArgSteps | undefined {
  try {
    const p = new ExprParser(tokenize(fmt.printFmt), fmt, env);
    const f = p.formatString();
    const args = p.args();
    if (!f.startsWith(strip.prefix)) return undefined;
    const pieces = parseFormat(f.slice(strip.prefix.length));
    if (pieces.length % 2 !== 0) return undefined;
    const keys: string[] = [];
    const valuePrefixes: string[] = [];
    const plain: ('num' | 'wide' | undefined)[] = [];
    for (let i = 0; i < pieces.length; i += 2) {
      const lit = pieces[i];
      const spec = pieces[i + 1];
      if (typeof lit !== 'string' || typeof spec === 'string') return undefined;
      const m = /^ ([^ ="]+)=([^ ="]*)$/.exec(lit);
      if (!m || !'diuxXo'.includes(spec.conv) || spec.width !== 0 || spec.precision !== undefined || spec.space) return undefined;
      keys.push(m[1]);
      valuePrefixes.push(m[2]);
      const hexText = spec.conv === 'x' && m[2] === '0x' && !spec.alt;
      const decText = (spec.conv === 'u' || spec.conv === 'd' || spec.conv === 'i') && m[2] === '' && !spec.plus && !spec.alt;
      plain.push(hexText || decText ? (spec.bits === 64 && spec.conv !== 'd' && spec.conv !== 'i' ? 'wide' : 'num') : undefined);
    }
    const valueArgs = args.slice(strip.args);
    if (valueArgs.length < keys.length) return undefined;
    // no `*` width or precision: value i is printed from argument i alone
    const formats = pieces.filter((_p, i) => i % 2 === 1).map((spec) => numberFormat(spec as Spec));
    return { keys, valuePrefixes, raws: valueArgs.slice(0, keys.length), formats, plain };
  } catch {
    return undefined;
  }
}

/** Renders `name=value` for every non-common field: what a record prints when its print fmt cannot be compiled. */
export function rawFieldsRenderer(fmt: EventFormat, env: PrintEnv): Renderer {
  const fields = fmt.fields.filter((f) => !f.name.startsWith('common_'));
  const readers = fields.map((f) => fieldReader(f, env.little));
  return (r) =>
    fields
      .map((f, k) => {
        const v = readers[k](r);
        return `${f.name}=${typeof v === 'string' ? v : v === undefined ? '' : f.isPointer || f.size === 8 ? '0x' + hexOf(v) : String(v)}`;
      })
      .join(' ');
}

export interface CompiledPrint {
  render: Renderer;
  /** Why the print fmt could not be used (the renderer then dumps raw fields). */
  error: string | undefined;
}

/** Compile a print fmt; `skipLeading` drops that many leading characters of the format and that many arguments (kprobe prefixes). */
export function compilePrintFmt(fmt: EventFormat, env: PrintEnv, strip?: { prefix: string; args: number }): CompiledPrint {
  try {
    const p = new ExprParser(tokenize(fmt.printFmt), fmt, env);
    let f = p.formatString();
    let args = p.args();
    if (strip) {
      if (!f.startsWith(strip.prefix)) throw new Error(`print fmt does not start with ${strip.prefix}`);
      f = f.slice(strip.prefix.length);
      args = args.slice(strip.args);
    }
    return { render: compileFormat(parseFormat(f), args, env), error: undefined };
  } catch (e) {
    return { render: rawFieldsRenderer(fmt, env), error: (e as Error).message };
  }
}

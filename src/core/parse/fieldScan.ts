// Small scanners over payload text used by the table-driven decoders: find a labelled field
// (`ipa 0x40000000`, `ipa=0x40000000`, `PC: 0x...`) and read hex/decimal numbers without regexes.
// Numbers above 52 bits come back as bigint so that no bits are lost.

/** Character code helpers (kept as plain functions: V8 inlines them). */
export function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c <= 57) return c - 48;
  if (c >= 97) return c - 87;
  return c - 55;
}

function isLabelBoundaryBefore(c: number): boolean {
  // start, space, comma, '(' , '[' , '{' , tab
  return c === 32 || c === 44 || c === 40 || c === 91 || c === 123 || c === 9;
}

/**
 * Index of the value after `label` (followed by one of ` `, `=`, `: `), or -1. The label must
 * start at a word boundary so that `pc` does not match inside `vcpu_pc`.
 */
export function findField(s: string, label: string, from = 0): number {
  let i = s.indexOf(label, from);
  while (i >= 0) {
    const end = i + label.length;
    if (i === 0 || isLabelBoundaryBefore(s.charCodeAt(i - 1))) {
      const c = s.charCodeAt(end);
      if (c === 61 /* = */) return end + 1;
      if (c === 32) {
        let j = end + 1;
        while (s.charCodeAt(j) === 32) j++;
        return j;
      }
      if (c === 58 /* : */) {
        let j = end + 1;
        while (s.charCodeAt(j) === 32) j++;
        return j;
      }
    }
    i = s.indexOf(label, end);
  }
  return -1;
}

/** findField over alternative spellings (`hsr`/`esr`). */
export function findFieldAny(s: string, labels: readonly string[]): number {
  for (const l of labels) {
    const i = findField(s, l);
    if (i >= 0) return i;
  }
  return -1;
}

// Span of the last hex scan, kept in module variables: no object per call on the hot path.
let spanStart = 0;
let spanEnd = 0;

/** Scan hex digits at i (after an optional 0x); sets spanStart/spanEnd (leading zeros skipped). */
function scanHex(s: string, i: number): void {
  let start = i;
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) === 120 || s.charCodeAt(i + 1) === 88)) start = i + 2;
  let end = start;
  const n = s.length;
  while (end < n && isHexDigit(s.charCodeAt(end))) end++;
  spanEnd = end;
  if (end === start) {
    spanStart = end + 1; // marks "no digits"
    return;
  }
  while (start < end - 1 && s.charCodeAt(start) === 48) start++;
  spanStart = start;
}

function valueOf(s: string, from: number, to: number): number {
  let v = 0;
  for (let k = from; k < to; k++) v = v * 16 + hexValue(s.charCodeAt(k));
  return v;
}

/** A hex number (with or without 0x) at i as a JS number, or undefined when there is none or it exceeds 53 bits. */
export function hexNumberAt(s: string, i: number): number | undefined {
  if (i < 0) return undefined;
  scanHex(s, i);
  const start = spanStart;
  const end = spanEnd;
  if (start > end) return undefined;
  const digits = end - start;
  if (digits <= 13) return valueOf(s, start, end);
  if (digits === 14 && hexValue(s.charCodeAt(start)) < 2) return valueOf(s, start, end); // < 2^53
  return undefined;
}

/** A hex number at i as a bigint (no bits lost), or undefined. */
export function hexBigAt(s: string, i: number): bigint | undefined {
  if (i < 0) return undefined;
  scanHex(s, i);
  const start = spanStart;
  const end = spanEnd;
  if (start > end) return undefined;
  const digits = end - start;
  if (digits <= 13) return BigInt(valueOf(s, start, end));
  if (digits <= 16) {
    // two exact halves: cheaper than parsing a string into a BigInt
    const split = end - 8;
    return (BigInt(valueOf(s, start, split)) << 32n) | BigInt(valueOf(s, split, end));
  }
  return BigInt('0x' + s.slice(start, end));
}

/** A signed decimal integer at i, or undefined. */
export function decNumberAt(s: string, i: number): number | undefined {
  if (i < 0 || i >= s.length) return undefined;
  let neg = false;
  let k = i;
  if (s.charCodeAt(k) === 45) {
    neg = true;
    k++;
  }
  const start = k;
  let v = 0;
  while (k < s.length) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    k++;
  }
  if (k === start || k - start > 16) return undefined;
  return neg ? -v : v;
}

/** A number written as decimal or as 0x-hex (kprobe args, -R fields). */
export function intAt(s: string, i: number): number | undefined {
  if (i < 0) return undefined;
  if (s.charCodeAt(i) === 48 && s.charCodeAt(i + 1) === 120) return hexNumberAt(s, i);
  return decNumberAt(s, i);
}

/** The word (up to a space, comma or closing paren) at i. */
export function wordAt(s: string, i: number): string | undefined {
  if (i < 0 || i >= s.length) return undefined;
  let k = i;
  while (k < s.length) {
    const c = s.charCodeAt(k);
    if (c === 32 || c === 44 || c === 41 || c === 9) break;
    k++;
  }
  return k > i ? s.slice(i, k) : undefined;
}

/** Parse a numeric kprobe/field value text: `0x..` hex or (signed) decimal; undefined otherwise. */
export function parseIntText(v: string): number | undefined {
  const n = v.length;
  if (n === 0) return undefined;
  if (n > 2 && v.charCodeAt(0) === 48 && v.charCodeAt(1) === 120) {
    for (let k = 2; k < n; k++) if (!isHexDigit(v.charCodeAt(k))) return undefined;
    return hexNumberAt(v, 0);
  }
  let k = v.charCodeAt(0) === 45 ? 1 : 0;
  if (k === n || n - k > 16) return undefined;
  for (; k < n; k++) if (!isDigit(v.charCodeAt(k))) return undefined;
  return Number(v);
}

/** As parseIntText but keeps all 64 bits. */
export function parseBigText(v: string): bigint | undefined {
  if (v.length === 0) return undefined;
  if (v.charCodeAt(0) === 48 && v.charCodeAt(1) === 120) {
    const b = hexBigAt(v, 0);
    return b !== undefined && spanEnd === v.length ? b : undefined;
  }
  let k = v.charCodeAt(0) === 45 ? 1 : 0;
  if (k === v.length) return undefined;
  let dec = true;
  for (let j = k; j < v.length; j++) if (!isDigit(v.charCodeAt(j))) dec = false;
  if (dec) return BigInt(v);
  for (k = 0; k < v.length; k++) if (!isHexDigit(v.charCodeAt(k))) return undefined;
  return hexBigAt(v, 0);
}

// The context prefix `comm-pid [cpu] [flags] secs.usecs: ` scanned straight from the line's bytes,
// for the common fixed-column layouts only (kernel CPU bracket at column 25, trace-cmd at 23, no
// TGID column). Anything else returns false and the caller takes the string path (contextPrefix.ts),
// which this must agree with field for field whenever it returns true.
import type { PrefixScan } from './contextPrefix';

function digit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function bracketAt(b: Buffer, i: number): boolean {
  return b[i] === 91 && b[i - 1] === 32 && b[i + 4] === 93 && digit(b[i + 1]) && digit(b[i + 2]) && digit(b[i + 3]);
}

/** Same arithmetic as contextPrefix's scanTimestamp, so both paths give identical ns values. */
function scanTimestamp(b: Buffer, i: number, n: number, out: PrefixScan): number {
  let k = i;
  let secs = 0;
  while (k < n) {
    const c = b[k];
    if (c < 48 || c > 57) break;
    secs = secs * 10 + (c - 48);
    k++;
  }
  if (k === i || k - i > 15) return -1;
  if (b[k] === 46 /* . */) {
    k++;
    const fs = k;
    let frac = 0;
    while (k < n) {
      const c = b[k];
      if (c < 48 || c > 57) break;
      if (k - fs < 9) frac = frac * 10 + (c - 48);
      k++;
    }
    const digits = k - fs;
    if (digits === 0) return -1;
    let scale = 1;
    for (let d = digits < 9 ? digits : 9; d < 9; d++) scale *= 10;
    out.ts = secs * 1e9 + frac * scale;
  } else {
    out.ts = secs;
  }
  return k < n && b[k] === 58 /* : */ ? k : -1;
}

/**
 * Fills out (positions are absolute indices into b) for a well-formed line b[s, n); false when the
 * line needs the string path: another layout, a TGID column, a quoted or cut line, a header.
 */
export function scanBytePrefix(b: Buffer, s: number, n: number, out: PrefixScan): boolean {
  if (n - s < 34 || b[s] === 35 /* # */) return false;
  let br = s + 25;
  if (!bracketAt(b, br)) {
    br = s + 23;
    if (!bracketAt(b, br)) return false;
  }
  let j = br - 1;
  while (j >= s && b[j] === 32) j--;
  const pidEnd = j + 1;
  let pid = 0;
  let mult = 1;
  while (j >= s && digit(b[j])) {
    pid += (b[j] - 48) * mult;
    mult *= 10;
    j--;
  }
  if (j + 1 === pidEnd || j < s || b[j] !== 45 /* - */ || pidEnd - j > 9) return false;
  let cs = s;
  while (cs < j && b[cs] === 32) cs++;
  if (b[cs] === 62 /* > quoted */) return false;
  out.pid = pid;
  out.tgid = -1;
  out.commStart = cs;
  out.commEnd = j;
  out.cpu = (b[br + 1] - 48) * 100 + (b[br + 2] - 48) * 10 + (b[br + 3] - 48);
  let k = br + 5;
  while (k < n && b[k] === 32) k++;
  if (k >= n) return false;
  out.flagsStart = out.flagsEnd = -1;
  out.prefixEnd = br + 5;
  let colon = scanTimestamp(b, k, n, out);
  if (colon < 0) {
    let sp = k;
    while (sp < n && b[sp] !== 32) sp++;
    if (sp >= n || sp - k > 10) return false;
    out.flagsStart = k;
    out.flagsEnd = sp;
    out.prefixEnd = sp;
    k = sp;
    while (k < n && b[k] === 32) k++;
    if (k >= n) return false;
    colon = scanTimestamp(b, k, n, out);
    if (colon < 0) return false;
  }
  return afterColon(b, colon, n, out);
}

function afterColon(b: Buffer, colon: number, n: number, out: PrefixScan): boolean {
  let r = colon + 1;
  if (r >= n) return false;
  if (b[r] === 32) r++;
  if (r >= n) return false;
  out.rest = r;
  out.status = 0;
  return true;
}

/**
 * For a line whose bytes up to k (a space) equal those of the line out was filled from (its
 * prefixEnd), scan only the timestamp: the task, pid, CPU and flags are the same. False when the
 * caller must run scanBytePrefix (which then decides exactly as for any line).
 */
export function resumeBytePrefix(b: Buffer, k: number, n: number, out: PrefixScan): boolean {
  while (k < n && b[k] === 32) k++;
  if (k >= n) return false;
  const colon = scanTimestamp(b, k, n, out);
  return colon >= 0 && afterColon(b, colon, n, out);
}

// The kernel symbol table stored in a trace.dat (its /proc/kallsyms): resolves addresses to
// `sym` or `sym+0x1c/0x140` the way the kernel's sprint_symbol does (size = distance to the next
// symbol, module symbols suffixed ` [mod]`), with a bounded cache for the hot addresses of a trace.
// The reader defers the parse to the first lookup: a trace that prints no symbol never builds it.

const TWO32 = 4294967296;
const CACHE_LIMIT = 1 << 16;

export class Kallsyms {
  private baseHi = 0;
  private baseLo = 0;
  /** Addresses relative to the lowest one, ascending (exact: kernel addresses span far less than 2^53). */
  private rel: Float64Array = new Float64Array(0);
  /** Names stay bytes until looked up (150k+ symbols, a handful ever printed). */
  private text: Buffer = Buffer.alloc(0);
  private nameStart: Uint32Array = new Uint32Array(0);
  private nameEnd: Uint32Array = new Uint32Array(0);
  private count = 0;
  private cacheOff = new Map<number, string | null>();
  private cacheNoOff = new Map<number, string | null>();
  private kretTrampoline = -1;
  /** Bytes not parsed yet (deferred): parsed at the first lookup, so a trace that prints no symbol never pays for the index. */
  private pending: Uint8Array | undefined;

  get size(): number {
    this.ensureParsed();
    return this.count;
  }

  /** A table whose bytes are parsed only when a symbol is first needed (parsing never throws, so nothing is lost by waiting). */
  static deferred(bytes: Uint8Array): Kallsyms {
    const k = new Kallsyms();
    k.pending = bytes;
    return k;
  }

  private ensureParsed(): void {
    const bytes = this.pending;
    if (bytes === undefined) return;
    this.pending = undefined;
    this.fill(bytes);
  }

  private nameAt(j: number): string {
    const name = this.text.toString('latin1', this.nameStart[j], this.nameEnd[j]);
    const tab = name.indexOf('\t');
    return tab < 0 ? name : `${name.slice(0, tab)} ${name.slice(tab + 1).trim()}`;
  }

  static parse(text: string): Kallsyms {
    return Kallsyms.parseBytes(Buffer.from(text, 'latin1'));
  }

  /**
   * Parse /proc/kallsyms bytes (`ffffb009f9c9f3e0 t name\t[module]` lines) without building a
   * string per line: a trace.dat carries 150k+ symbols and this keeps the peak memory small.
   * Each pass is its own small function: a loop run once starts interpreted, and a small function
   * reaches optimised code (and is compiled) sooner than one big one with several such loops.
   */
  static parseBytes(bytes: Uint8Array): Kallsyms {
    const k = new Kallsyms();
    k.fill(bytes);
    return k;
  }

  private fill(bytes: Uint8Array): void {
    const lines = readLines(bytes);
    const n = lines.count;
    if (n === 0) return;
    let order: Uint32Array | undefined;
    if (!lines.sorted) {
      order = new Uint32Array(n);
      for (let j = 0; j < n; j++) order[j] = j;
      // stable: the first alias of an address wins
      sortByAddress(order, lines.his, lines.los);
    }
    const first = order ? order[0] : 0;
    this.baseHi = lines.his[first];
    this.baseLo = lines.los[first];
    this.count = n;
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.rel = relativeAddresses(lines, order, this.baseHi, this.baseLo);
    this.nameStart = gather(lines.nameStart, n, order);
    this.nameEnd = gather(lines.nameEnd, n, order);
    for (const t of ['__kretprobe_trampoline', 'kretprobe_trampoline']) {
      for (let at = this.text.indexOf(t); at >= 0 && this.kretTrampoline < 0; at = this.text.indexOf(t, at + 1)) {
        if (this.text[at - 1] !== 32) continue;
        const j = this.nameStart.indexOf(at);
        if (j >= 0 && this.nameAt(j) === t) this.kretTrampoline = this.rel[j];
      }
      if (this.kretTrampoline >= 0) break;
    }
  }

  /** Address as (high, low) 32-bit halves: the hot path of the record decoders, no bigint. */
  lookupHiLo(hi: number, lo: number, withOffset: boolean): string | undefined {
    if (this.pending !== undefined) this.ensureParsed();
    if (this.count === 0) return undefined;
    const r = (hi - this.baseHi) * TWO32 + (lo - this.baseLo);
    const cache = withOffset ? this.cacheOff : this.cacheNoOff;
    const hit = cache.get(r);
    if (hit !== undefined) return hit ?? undefined;
    const s = this.resolve(r, withOffset);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(r, s ?? null);
    return s;
  }

  lookup(addr: bigint | number, withOffset: boolean): string | undefined {
    const a = typeof addr === 'bigint' ? BigInt.asUintN(64, addr) : BigInt.asUintN(64, BigInt(Math.trunc(addr)));
    return this.lookupHiLo(Number(a >> 32n), Number(a & 0xffffffffn), withOffset);
  }

  /** True when the address is the kretprobe trampoline (the kernel prints `[unknown/kretprobe'd]` for it). */
  isKretprobeTrampoline(hi: number, lo: number): boolean {
    if (this.pending !== undefined) this.ensureParsed();
    return this.kretTrampoline >= 0 && (hi - this.baseHi) * TWO32 + (lo - this.baseLo) === this.kretTrampoline;
  }

  private resolve(r: number, withOffset: boolean): string | undefined {
    const rel = this.rel;
    if (r < 0 || r > rel[rel.length - 1] + 0x100000) return undefined;
    let lo = 0;
    let hi = rel.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (rel[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    if (rel[lo] > r) return undefined;
    // the first alias at this address
    let i = lo;
    while (i > 0 && rel[i - 1] === rel[lo]) i--;
    let next = lo + 1;
    while (next < rel.length && rel[next] === rel[lo]) next++;
    const full = this.nameAt(i);
    const sp = full.indexOf(' ');
    const name = sp < 0 ? full : full.slice(0, sp);
    const mod = sp < 0 ? '' : full.slice(sp);
    if (!withOffset) return name + mod;
    const offset = r - rel[lo];
    const size = next < rel.length ? rel[next] - rel[lo] : 0;
    if (next >= rel.length && offset > 0x10000) return undefined;
    return `${name}+0x${offset.toString(16)}/0x${size.toString(16)}${mod}`;
  }
}

const HEX_VALUE = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[48 + c] = c;
  for (let c = 0; c < 6; c++) t[97 + c] = t[65 + c] = 10 + c;
  return t;
})();

interface SymbolLines {
  count: number;
  /** Address halves and name byte ranges, in file order. */
  his: Uint32Array;
  los: Uint32Array;
  nameStart: Uint32Array;
  nameEnd: Uint32Array;
  /** The addresses ascend in file order (no sort needed). */
  sorted: boolean;
}

function grown(a: Uint32Array, cap: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}

/** The symbol lines worth keeping (absolute and undefined symbols never hold code). */
function readLines(bytes: Uint8Array): SymbolLines {
  // 24 bytes is about the shortest line (`<16 hex> t x\n` and more): few lines are that short
  let cap = (bytes.length >>> 5) + 16;
  let his = new Uint32Array(cap);
  let los = new Uint32Array(cap);
  let nameStart = new Uint32Array(cap);
  let nameEnd = new Uint32Array(cap);
  let n = 0;
  let sorted = true;
  let prevHi = 0;
  let prevLo = 0;
  const len = bytes.length;
  let i = 0;
  while (i < len) {
    let hi = 0;
    let lo = 0;
    let digits = 0;
    for (; i < len; i++) {
      const v = HEX_VALUE[bytes[i]];
      if (v < 0) break;
      hi = ((hi << 4) | (lo >>> 28)) >>> 0;
      lo = ((lo << 4) | v) >>> 0;
      digits++;
    }
    let ok = digits > 0 && digits <= 16 && bytes[i] === 32;
    const type = bytes[i + 1];
    if (type === 97 || type === 65 || type === 85 || bytes[i + 2] !== 32) ok = false;
    const start = i + 3;
    // the name runs to the end of the line (indexOf is a native scan)
    let end = start < len ? bytes.indexOf(10, start) : len;
    if (end < 0) end = len;
    if (ok && (hi !== 0 || lo !== 0) && end > start) {
      if (n === cap) {
        cap *= 2;
        his = grown(his, cap);
        los = grown(los, cap);
        nameStart = grown(nameStart, cap);
        nameEnd = grown(nameEnd, cap);
      }
      if (hi < prevHi || (hi === prevHi && lo < prevLo)) sorted = false;
      prevHi = hi;
      prevLo = lo;
      his[n] = hi;
      los[n] = lo;
      nameStart[n] = start;
      nameEnd[n] = end;
      n++;
    }
    i = end + 1;
  }
  return { count: n, his, los, nameStart, nameEnd, sorted };
}

/** Addresses relative to the lowest, in address order (exact: kernel addresses span far less than 2^53). */
function relativeAddresses(lines: SymbolLines, order: Uint32Array | undefined, baseHi: number, baseLo: number): Float64Array {
  const n = lines.count;
  const { his, los } = lines;
  const rel = new Float64Array(n);
  if (order === undefined) for (let j = 0; j < n; j++) rel[j] = (his[j] - baseHi) * TWO32 + (los[j] - baseLo);
  else
    for (let j = 0; j < n; j++) {
      const o = order[j];
      rel[j] = (his[o] - baseHi) * TWO32 + (los[o] - baseLo);
    }
  return rel;
}

function gather(values: Uint32Array, n: number, order: Uint32Array | undefined): Uint32Array {
  if (order === undefined) return values.slice(0, n);
  const out = new Uint32Array(n);
  for (let j = 0; j < n; j++) out[j] = values[order[j]];
  return out;
}

/**
 * Stable sort of symbol indices by address: a natural merge sort, because /proc/kallsyms is a few
 * ascending runs (core kernel, then each module), so merging the runs beats a comparator sort.
 */
function sortByAddress(order: Uint32Array, his: Uint32Array, los: Uint32Array): void {
  const n = order.length;
  const less = (a: number, b: number): boolean => his[a] < his[b] || (his[a] === his[b] && los[a] < los[b]);
  let runs: number[] = [0];
  for (let j = 1; j < n; j++) if (less(order[j], order[j - 1])) runs.push(j);
  runs.push(n);
  let src: Uint32Array = order;
  let dst: Uint32Array = new Uint32Array(n);
  while (runs.length > 2) {
    const next: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r];
      const mid = runs[r + 1];
      const hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let i = lo;
      let j = mid;
      let o = lo;
      // ties take the left run first: the first alias of an address stays first
      while (i < mid && j < hi) dst[o++] = less(src[j], src[i]) ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
      next.push(hi);
    }
    if (next[next.length - 1] !== n) next.push(n);
    runs = next;
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== order) order.set(src);
}


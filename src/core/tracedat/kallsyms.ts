// The kernel symbol table stored in a trace.dat (its /proc/kallsyms): resolves addresses to
// `sym` or `sym+0x1c/0x140` the way the kernel's sprint_symbol does (size = distance to the next
// symbol, module symbols suffixed ` [mod]`), with a bounded cache for the hot addresses of a trace.

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

  get size(): number {
    return this.count;
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
   */
  static parseBytes(bytes: Uint8Array): Kallsyms {
    const k = new Kallsyms();
    let lines = 1;
    for (let j = bytes.indexOf(10); j >= 0; j = bytes.indexOf(10, j + 1)) lines++;
    let cap = lines;
    let his = new Uint32Array(cap);
    let los = new Uint32Array(cap);
    let nameStart = new Uint32Array(cap);
    let nameEnd = new Uint32Array(cap);
    let n = 0;
    const len = bytes.length;
    let i = 0;
    while (i < len) {
      let hi = 0;
      let lo = 0;
      let digits = 0;
      let ok = true;
      for (; i < len; i++) {
        const c = bytes[i];
        let v: number;
        if (c >= 48 && c <= 57) v = c - 48;
        else if (c >= 97 && c <= 102) v = c - 87;
        else if (c >= 65 && c <= 70) v = c - 55;
        else break;
        hi = ((hi << 4) | (lo >>> 28)) >>> 0;
        lo = ((lo << 4) | v) >>> 0;
        digits++;
      }
      if (digits === 0 || digits > 16 || bytes[i] !== 32) ok = false;
      const type = bytes[i + 1];
      // absolute and undefined symbols never hold code
      if (type === 97 || type === 65 || type === 85 || bytes[i + 2] !== 32) ok = false;
      const start = i + 3;
      // the name runs to the end of the line (indexOf is a native scan)
      let end = start < len ? bytes.indexOf(10, start) : len;
      if (end < 0) end = len;
      if (ok && (hi !== 0 || lo !== 0) && end > start) {
        if (n === cap) {
          cap *= 2;
          const grow = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
            const b2 = new Uint32Array(cap);
            b2.set(a);
            return b2;
          };
          his = grow(his);
          los = grow(los);
          nameStart = grow(nameStart);
          nameEnd = grow(nameEnd);
        }
        his[n] = hi;
        los[n] = lo;
        nameStart[n] = start;
        nameEnd[n] = end;
        n++;
      }
      i = end + 1;
    }
    if (n === 0) return k;
    const order = new Uint32Array(n);
    for (let j = 0; j < n; j++) order[j] = j;
    let sorted = true;
    for (let j = 1; j < n && sorted; j++) if (his[j] < his[j - 1] || (his[j] === his[j - 1] && los[j] < los[j - 1])) sorted = false;
    // stable: the first alias of an address wins
    if (!sorted) sortByAddress(order, his, los);
    k.baseHi = his[order[0]];
    k.baseLo = los[order[0]];
    k.rel = new Float64Array(n);
    k.nameStart = new Uint32Array(n);
    k.nameEnd = new Uint32Array(n);
    k.count = n;
    k.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let j = 0; j < n; j++) {
      const o = order[j];
      k.rel[j] = (his[o] - k.baseHi) * TWO32 + (los[o] - k.baseLo);
      k.nameStart[j] = nameStart[o];
      k.nameEnd[j] = nameEnd[o];
    }
    for (const t of ['__kretprobe_trampoline', 'kretprobe_trampoline']) {
      for (let at = k.text.indexOf(t); at >= 0 && k.kretTrampoline < 0; at = k.text.indexOf(t, at + 1)) {
        if (k.text[at - 1] !== 32) continue;
        const j = k.nameStart.indexOf(at);
        if (j >= 0 && k.nameAt(j) === t) k.kretTrampoline = k.rel[j];
      }
      if (k.kretTrampoline >= 0) break;
    }
    return k;
  }

  /** Address as (high, low) 32-bit halves: the hot path of the record decoders, no bigint. */
  lookupHiLo(hi: number, lo: number, withOffset: boolean): string | undefined {
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


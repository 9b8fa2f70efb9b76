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
  private names: string[] = [];
  private cacheOff = new Map<number, string | null>();
  private cacheNoOff = new Map<number, string | null>();
  private kretTrampoline = -1;

  get size(): number {
    return this.names.length;
  }

  static parse(text: string): Kallsyms {
    const k = new Kallsyms();
    const entries: { hi: number; lo: number; name: string }[] = [];
    let pos = 0;
    while (pos < text.length) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      const sp1 = text.indexOf(' ', pos);
      if (sp1 > pos && sp1 < end) {
        const hex = text.slice(pos, sp1);
        const type = text[sp1 + 1];
        let name = text.slice(sp1 + 3, end);
        const tab = name.indexOf('\t');
        if (tab >= 0) name = `${name.slice(0, tab)} ${name.slice(tab + 1).trim()}`;
        if (hex.length <= 16 && /^[0-9a-fA-F]+$/.test(hex) && type !== 'a' && type !== 'A' && type !== 'U') {
          const padded = hex.padStart(16, '0');
          const hi = Number.parseInt(padded.slice(0, 8), 16);
          const lo = Number.parseInt(padded.slice(8), 16);
          if (hi !== 0 || lo !== 0) entries.push({ hi, lo, name });
        }
      }
      pos = end + 1;
    }
    if (entries.length === 0) return k;
    entries.sort((a, b) => a.hi - b.hi || a.lo - b.lo); // stable: the first alias of an address wins
    k.baseHi = entries[0].hi;
    k.baseLo = entries[0].lo;
    k.rel = new Float64Array(entries.length);
    k.names = new Array<string>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      k.rel[i] = (entries[i].hi - k.baseHi) * TWO32 + (entries[i].lo - k.baseLo);
      k.names[i] = entries[i].name;
      if (k.kretTrampoline < 0 && (entries[i].name === '__kretprobe_trampoline' || entries[i].name === 'kretprobe_trampoline')) k.kretTrampoline = k.rel[i];
    }
    return k;
  }

  /** Address as (high, low) 32-bit halves: the hot path of the record decoders, no bigint. */
  lookupHiLo(hi: number, lo: number, withOffset: boolean): string | undefined {
    if (this.names.length === 0) return undefined;
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
    const full = this.names[i];
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

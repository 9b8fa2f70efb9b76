// A small string interner for the few distinct values that repeat on every line (task names,
// flags, event names, function symbols): returns the same string instance for the same text
// without allocating a substring, so later Map lookups hit a cached hash. Fixed size: a slot is
// simply overwritten on collision, so memory stays bounded on hostile input.

const SLOTS = 4096; // power of two
/** Longer texts are not worth interning (payloads): they are sliced as usual. */
const MAX_LEN = 64;

export class Interner {
  private readonly table: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

  /** s.slice(start, end), shared with earlier equal slices. */
  get(s: string, start: number, end: number): string {
    const len = end - start;
    if (len > MAX_LEN || len <= 0) return s.slice(start, end);
    // a few sampled characters, not a loop: startsWith (native) does the real comparison
    const h = len * 7919 + s.charCodeAt(start) * 31 + s.charCodeAt(end - 1) * 131 + s.charCodeAt(start + (len >> 1)) * 17 + s.charCodeAt(start + (len >> 2));
    const slot = h & (SLOTS - 1);
    const hit = this.table[slot];
    if (hit !== undefined && hit.length === len && s.startsWith(hit, start)) return hit;
    const fresh = s.slice(start, end);
    this.table[slot] = fresh;
    return fresh;
  }
}

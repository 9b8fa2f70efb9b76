// The arm64 replay's memory of data-fault maps made without execute permission (S7 pairs them with
// the instruction fault that adds X): bounded to two generations, the older one dropped whole when
// the newer fills. Fields live in flat arrays keyed by page number, so the replay allocates no
// object per map (these outlive many scavenges and made the GC copy them).

export interface DataMap {
  line: number;
  ts: number;
  lane: string;
  ipa: number;
  size: number;
}

class Generation {
  readonly slotOf = new Map<number, number>();
  readonly line: number[] = [];
  readonly ts: number[] = [];
  readonly size: number[] = [];
  readonly lane: string[] = [];
}

export class DataMapStore {
  private current = new Generation();
  private older = new Generation();

  /** Bases are multiples of the granule (a power of two): base / granule is exact and stays a small integer key. */
  constructor(
    private readonly granule: number,
    private readonly generation: number,
  ) {}

  remember(base: number, line: number, ts: number, lane: string, size: number): void {
    if (this.current.slotOf.size >= this.generation) {
      this.older = this.current;
      this.current = new Generation();
    }
    const g = this.current;
    const key = base / this.granule;
    let slot = g.slotOf.get(key);
    if (slot === undefined) {
      slot = g.line.length;
      g.slotOf.set(key, slot);
      g.line.push(line);
      g.ts.push(ts);
      g.size.push(size);
      g.lane.push(lane);
      return;
    }
    g.line[slot] = line;
    g.ts[slot] = ts;
    g.size[slot] = size;
    g.lane[slot] = lane;
  }

  /** The newer generation's map at base, else the older one's, removed from both. */
  take(base: number): DataMap | undefined {
    const key = base / this.granule;
    const cur = this.current;
    const old = this.older;
    const cs = cur.slotOf.get(key);
    const os = old.slotOf.get(key);
    const g = cs !== undefined ? cur : os !== undefined ? old : undefined;
    const slot = cs ?? os;
    if (g === undefined || slot === undefined) return undefined;
    const found = { line: g.line[slot], ts: g.ts[slot], lane: g.lane[slot], ipa: base, size: g.size[slot] };
    if (cs !== undefined) cur.slotOf.delete(key);
    if (os !== undefined) old.slotOf.delete(key);
    return found;
  }
}

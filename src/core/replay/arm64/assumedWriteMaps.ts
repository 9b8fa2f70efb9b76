// The arm64 replay's memory of stage-2 leaves it holds writable on assumption: without a map probe a
// fault's map is modelled read-write (the host page is usually writable), so a lost race against such
// a leaf is S1 only until the loser's retry shows the entry lacked W (then S4). Keyed by leaf base and
// checked against the leaf's line, so any later change of the leaf (relax, write-protect, split,
// remap) retires an entry by itself; bounded to two generations, the older one dropped whole.

class TwoGenerations {
  private current = new Map<number, number>();
  private older = new Map<number, number>();

  constructor(private readonly generation: number) {}

  set(key: number, value: number): void {
    if (this.current.size >= this.generation && !this.current.has(key)) {
      this.older = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }

  get(key: number): number | undefined {
    return this.current.get(key) ?? this.older.get(key);
  }
}

export class AssumedWriteMaps {
  /** Leaf base -> line of the fault map that was modelled with W although nothing showed its permissions. */
  private readonly assumed: TwoGenerations;
  /** Leaf base -> line of such a map that a loser's write permission fault proved read-only. */
  private readonly readOnly: TwoGenerations;

  /** Bases are multiples of the granule (a power of two): base / granule is exact and stays a small integer key. */
  constructor(
    private readonly granule: number,
    generation: number,
  ) {
    this.assumed = new TwoGenerations(generation);
    this.readOnly = new TwoGenerations(generation);
  }

  remember(base: number, line: number): void {
    this.assumed.set(base / this.granule, line);
  }

  /** Whether the leaf at base written at `line` got its W from the model's assumption. */
  isAssumed(base: number, line: number): boolean {
    return this.assumed.get(base / this.granule) === line;
  }

  markReadOnly(base: number, line: number): void {
    this.readOnly.set(base / this.granule, line);
  }

  /** Whether the map at base written at `line` is known to have lacked W (until something granted it). */
  provenReadOnly(base: number, line: number): boolean {
    return this.readOnly.get(base / this.granule) === line;
  }
}

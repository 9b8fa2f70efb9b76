// The model's x86 SPTE table: the last known value of every SPTE the trace touched (keyed by level
// and aligned gfn), who installed it and at which line, children of split huge pages derived on
// demand (KVM fills them without tracing each one), and a bounded history for "state at line" hovers.
import { alignGfn, pagesPerEntry } from './geometry';
import { decodeSpte, splitChildSpte, type SpteFormat } from './spte';

export interface SpteRecord {
  spte: bigint;
  level: number;
  gfn: number;
  line: number;
  ts: number;
  actor: string;
  /** When and by whom the entry last became present. */
  installedLine: number | undefined;
  installedTs: number | undefined;
  installedBy: string | undefined;
  /** The value was inferred (e.g. a fast-path fix with fast_page_fault absent), not printed. */
  inferred: boolean;
  /**
   * Legacy/shadow MMU: the value was set for a neighbour of another gfn's fault (direct_pte_prefetch /
   * FNAME(pte_prefetch) in arch/x86/kvm/mmu/, which call mmu_set_spte() with no fault), not by a fault on this gfn.
   */
  prefetched: boolean;
  /** For a page-table pointer created by splitting a huge leaf: that leaf's value. */
  splitFrom: bigint | undefined;
}

export interface LeafView {
  level: number;
  gfn: number;
  spte: bigint;
  record: SpteRecord | undefined;
  /** A child of a split huge page that no event has touched yet. */
  derived: boolean;
}

/** How a value came to be (SpteRecord's fields of the same names). */
export interface SetHow {
  inferred?: boolean;
  splitFrom?: bigint;
  prefetched?: boolean;
}

interface HistoryEntry {
  line: number;
  spte: bigint;
  actor: string;
  splitFrom: bigint | undefined;
}

const MAX_HISTORY = 1_000_000;
const MAX_LEVEL = 5;

export class SpteTable {
  private readonly entries = new Map<number, SpteRecord>();
  private readonly history = new Map<number, HistoryEntry[]>();
  private historyCount = 0;
  historyTruncated = false;

  constructor(public format: SpteFormat = 'npt') {}

  private static key(gfn: number, level: number): number {
    return alignGfn(gfn, level) * 8 + level;
  }

  get(gfn: number, level: number): SpteRecord | undefined {
    return this.entries.get(SpteTable.key(gfn, level));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records a new value; returns the previous record (undefined when the model never saw this SPTE). */
  set(gfn: number, level: number, spte: bigint, line: number, ts: number, actor: string, how: SetHow = {}): SpteRecord | undefined {
    const { inferred = false, splitFrom, prefetched = false } = how;
    const k = SpteTable.key(gfn, level);
    const prev = this.entries.get(k);
    const info = decodeSpte(spte, level, this.format);
    const wasPresent = prev !== undefined && decodeSpte(prev.spte, level, this.format).present;
    const becamePresent = info.present && !wasPresent;
    const rec: SpteRecord = {
      spte,
      level,
      gfn: alignGfn(gfn, level),
      line,
      ts,
      actor,
      installedLine: becamePresent ? line : info.present ? prev?.installedLine : undefined,
      installedTs: becamePresent ? ts : info.present ? prev?.installedTs : undefined,
      installedBy: becamePresent ? actor : info.present ? prev?.installedBy : undefined,
      inferred,
      prefetched,
      splitFrom: info.present && !info.leaf ? (splitFrom ?? (prev && decodeSpte(prev.spte, level, this.format).present ? prev.splitFrom : undefined)) : undefined,
    };
    this.entries.set(k, rec);
    this.record(k, { line, spte, actor, splitFrom: rec.splitFrom });
    return prev;
  }

  /** Forgets the lower-level entries under a huge entry that was (re)installed or split: they are stale. */
  dropBelow(gfn: number, level: number, line: number): void {
    if (level <= 1) return;
    const base = alignGfn(gfn, level);
    const childLevel = level - 1;
    const step = pagesPerEntry(childLevel);
    for (let i = 0; i < 512; i++) {
      const g = base + i * step;
      const k = SpteTable.key(g, childLevel);
      const had = this.entries.get(k);
      if (had) {
        this.entries.delete(k);
        this.record(k, { line, spte: 0n, actor: '', splitFrom: undefined });
        if (childLevel > 1) this.dropBelow(g, childLevel, line);
      }
    }
  }

  /** The leaf that maps a 4 KiB gfn now: the lowest present leaf, else a child derived from a split. */
  leaf(gfn: number): LeafView | undefined {
    for (let level = 1; level <= MAX_LEVEL; level++) {
      const rec = this.entries.get(SpteTable.key(gfn, level));
      if (!rec) continue;
      const info = decodeSpte(rec.spte, level, this.format);
      if (info.leaf) return { level, gfn: rec.gfn, spte: rec.spte, record: rec, derived: false };
      if (info.present && rec.splitFrom !== undefined) {
        const childLevel = level - 1;
        if (this.entries.has(SpteTable.key(gfn, childLevel))) return undefined; // the child was touched and is not present
        const idx = Math.floor((gfn - rec.gfn) / pagesPerEntry(childLevel));
        return { level: childLevel, gfn: alignGfn(gfn, childLevel), spte: splitChildSpte(rec.splitFrom, level, idx), record: undefined, derived: true };
      }
      if (info.present) return undefined; // a pointer whose children the trace never showed
    }
    return undefined;
  }

  private record(k: number, h: HistoryEntry): void {
    if (this.historyCount >= MAX_HISTORY) {
      this.historyTruncated = true;
      return;
    }
    let list = this.history.get(k);
    if (!list) {
      list = [];
      this.history.set(k, list);
    }
    list.push(h);
    this.historyCount++;
  }

  /** The value of the SPTE (gfn, level) as of `line` (after that line), from the history. */
  valueAt(gfn: number, level: number, line: number): HistoryEntry | undefined {
    const list = this.history.get(SpteTable.key(gfn, level));
    if (!list) return undefined;
    let found: HistoryEntry | undefined;
    for (const h of list) {
      if (h.line > line) break;
      found = h;
    }
    return found;
  }
}

// The timeline marks of one replay, stored by column in fixed-size typed-array chunks. A mark
// costs 44 bytes here against about 250 as an object, adds nothing for the garbage collector to
// trace, and the store never copies itself to grow, so a replay keeps every mark of a multi-GB
// trace. Replays append; the query layer (src/core/query/timelineIndex.ts) reads the columns.
import type { FindingClass, Mark, MarkKind } from '../domain/types';
import { CLASS_ORDER } from '../catalog/findings';

/** Column code of a mark's kind: the index in this list. */
export const MARK_KINDS: readonly MarkKind[] = ['fault', 'window', 'split', 'coalesce', 'cmo', 'tlbi', 'marker', 'host'];
/** Column code of a mark's class: 1 + the index in this list, 0 for none. */
export const MARK_CLASSES: readonly FindingClass[] = CLASS_ORDER;

const KIND_CODE = new Map(MARK_KINDS.map((k, i) => [k, i]));
const CLASS_CODE = new Map(MARK_CLASSES.map((c, i) => [c, i + 1]));

/**
 * Marks kept by default: about 350 MB of columns. Real traces give 0.5 to 1 mark per KB, so this
 * holds every mark of an 8 to 16 GB trace. Past it, ordinary marks (faults and CMOs without a
 * finding, TLBIs, host actions) are counted as dropped, while the ones a user looks for (findings,
 * invalid windows, splits, coalesces, trace markers) still have a reserve of an eighth more.
 */
export const DEFAULT_MARK_CAPACITY = 8_000_000;

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** Lane ids are 16-bit; lanes past this share one name (a trace with 65 535 vCPU threads is noise). */
const MAX_LANES = 0xffff;
const OVERFLOW_LANE = '(other lanes)';

/** One chunk's columns (see chunkViews). */
export interface MarkColumns {
  ts: Float64Array;
  /** NaN when the mark has no end. */
  end: Float64Array;
  /** NaN when the mark has no IPA. */
  ipa: Float64Array;
  /** NaN when the mark has no size. */
  size: Float64Array;
  line: Uint32Array;
  lane: Uint16Array;
  kind: Uint8Array;
  cls: Uint8Array;
  /** 0 when the mark has no label, else an index into the label table. */
  label: Uint32Array;
}

/** The first chunk starts small (most traces have a few thousand marks) and doubles up to CHUNK. */
const FIRST_CHUNK = 1024;
const BYTES_PER_MARK = 8 * 4 + 4 + 2 + 1 + 1 + 4;

function newChunk(size: number, from?: MarkColumns): MarkColumns {
  const c: MarkColumns = {
    ts: new Float64Array(size),
    end: new Float64Array(size),
    ipa: new Float64Array(size),
    size: new Float64Array(size),
    line: new Uint32Array(size),
    lane: new Uint16Array(size),
    kind: new Uint8Array(size),
    cls: new Uint8Array(size),
    label: new Uint32Array(size),
  };
  if (from) {
    c.ts.set(from.ts);
    c.end.set(from.end);
    c.ipa.set(from.ipa);
    c.size.set(from.size);
    c.line.set(from.line);
    c.lane.set(from.lane);
    c.kind.set(from.kind);
    c.cls.set(from.cls);
    c.label.set(from.label);
  }
  return c;
}

function orNaN(v: number | undefined): number {
  return v === undefined ? NaN : v;
}

/** Kinds whose marks without a class are "ordinary": the first to go when the store is full. */
const ORDINARY_KINDS = new Set<MarkKind>(['fault', 'cmo', 'tlbi', 'host']);

export class MarkStore implements Iterable<Mark> {
  readonly capacity: number;
  /** Marks offered past the capacity (not stored). */
  dropped = 0;
  /** Time of the first mark not stored (NaN while none was dropped): the timeline is partial after it. */
  firstDroppedTs = NaN;
  private readonly reserve: number;
  private n = 0;
  private readonly chunks: MarkColumns[] = [];
  private laneNames: string[] = [];
  private readonly laneIds = new Map<string, number>();
  private readonly labels: string[] = [''];
  private readonly labelIds = new Map<string, number>();

  constructor(capacity = DEFAULT_MARK_CAPACITY) {
    this.capacity = Math.max(0, Math.floor(capacity));
    this.reserve = this.capacity + Math.floor(this.capacity / 8);
  }

  static from(marks: Iterable<Mark>, capacity?: number): MarkStore {
    const s = new MarkStore(capacity);
    for (const m of marks) s.push(m);
    return s;
  }

  get length(): number {
    return this.n;
  }

  /** Whether a mark of this kind and class would be dropped now (lets a replay skip building it). */
  wouldDrop(kind: MarkKind, cls: FindingClass | undefined): boolean {
    return this.n >= this.capacity && (this.n >= this.reserve || (cls === undefined && ORDINARY_KINDS.has(kind)));
  }

  /** Count a mark the caller did not build because wouldDrop said so. */
  countDropped(ts: number): void {
    if (this.dropped++ === 0) this.firstDroppedTs = ts;
  }

  /** What the replay reports in `detected` when marks were dropped, else undefined. */
  droppedNote(): string | undefined {
    if (this.dropped === 0) return undefined;
    const at = Number.isFinite(this.firstDroppedTs) ? ` from ${(this.firstDroppedTs / 1e9).toFixed(6)} s on` : '';
    return `timeline: ${this.dropped} marks not kept past ${this.capacity} (${Math.round(this.memoryBytes() / 2 ** 20)} MiB)${at}: ordinary faults, CMOs, TLBIs and host actions after that are not drawn; findings, windows, splits and markers still are, and the counters stay exact`;
  }

  /** Append a mark (it becomes index length - 1); false when the store is full (counted as dropped) or the kind or class is unknown. */
  push(m: Mark): boolean {
    const kind = KIND_CODE.get(m.kind);
    const cls = m.cls === undefined ? 0 : CLASS_CODE.get(m.cls);
    if (kind === undefined || cls === undefined) return false;
    if (this.wouldDrop(m.kind, m.cls)) {
      this.countDropped(m.ts);
      return false;
    }
    const i = this.n & CHUNK_MASK;
    if (i === 0) this.chunks.push(newChunk(this.n === 0 ? FIRST_CHUNK : CHUNK));
    let c = this.chunks[this.chunks.length - 1];
    if (i === c.ts.length) this.chunks[this.chunks.length - 1] = c = newChunk(i * 2, c);
    c.ts[i] = m.ts;
    c.end[i] = orNaN(m.endTs);
    c.ipa[i] = orNaN(m.ipa);
    c.size[i] = orNaN(m.size);
    // Lines past 2^32 cannot occur in a trace this engine reads in one lifetime; clamp rather than wrap.
    c.line[i] = Math.min(0xffffffff, Math.max(0, m.line));
    c.lane[i] = this.laneId(m.lane);
    c.kind[i] = kind;
    c.cls[i] = cls;
    c.label[i] = m.label === undefined ? 0 : this.labelId(m.label);
    this.n++;
    return true;
  }

  private laneId(name: string): number {
    let id = this.laneIds.get(name);
    if (id === undefined) {
      if (this.laneNames.length >= MAX_LANES) return this.laneId(OVERFLOW_LANE);
      id = this.laneNames.length;
      this.laneNames.push(name);
      this.laneIds.set(name, id);
    }
    return id;
  }

  private labelId(label: string): number {
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(label);
      this.labelIds.set(label, id);
    }
    return id;
  }

  /** Rewrites every mark's line through `f` (a replay that numbered lines its own way: replay/lineOrder.ts). */
  mapLines(f: (line: number) => number): void {
    for (let i = 0; i < this.n; i++) {
      const c = this.chunks[i >>> CHUNK_BITS].line;
      c[i & CHUNK_MASK] = f(c[i & CHUNK_MASK]);
    }
  }

  /** Re-class mark i (a replay that revises a fault's verdict once a later event shows more). */
  setClsAt(i: number, cls: FindingClass | undefined): void {
    const code = cls === undefined ? 0 : CLASS_CODE.get(cls);
    if (code === undefined || i < 0 || i >= this.n) return;
    this.chunks[i >>> CHUNK_BITS].cls[i & CHUNK_MASK] = code;
  }

  /** Rename every lane at once (a vCPU's index may be learnt after its first marks). */
  renameLanes(rename: (name: string) => string): void {
    this.laneNames = this.laneNames.map(rename);
  }

  // Column reads: numbers only (NaN for "none") so the query layer's loops stay monomorphic.
  tsAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].ts[i & CHUNK_MASK];
  }
  endAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].end[i & CHUNK_MASK];
  }
  ipaAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].ipa[i & CHUNK_MASK];
  }
  sizeAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].size[i & CHUNK_MASK];
  }
  lineAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].line[i & CHUNK_MASK];
  }
  laneAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].lane[i & CHUNK_MASK];
  }
  kindAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].kind[i & CHUNK_MASK];
  }
  /** 0 for none, else 1 + the index in MARK_CLASSES. */
  clsAt(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].cls[i & CHUNK_MASK];
  }
  labelAt(i: number): string | undefined {
    const id = this.chunks[i >>> CHUNK_BITS].label[i & CHUNK_MASK];
    return id === 0 ? undefined : this.labels[id];
  }
  laneName(id: number): string {
    return this.laneNames[id] ?? '';
  }
  get laneCount(): number {
    return this.laneNames.length;
  }

  /** The columns chunk by chunk, for loops over every mark (no call per mark). Read only. */
  *chunkViews(): Generator<{ base: number; n: number; cols: Readonly<MarkColumns> }> {
    for (let k = 0; k < this.chunks.length; k++) {
      const base = k * CHUNK;
      yield { base, n: Math.min(CHUNK, this.n - base), cols: this.chunks[k] };
    }
  }

  /** Mark i as an object (for tooltips, tests and small outputs; the query layer reads columns). */
  get(i: number): Mark {
    const m: Mark = { ts: this.tsAt(i), lane: this.laneName(this.laneAt(i)), kind: MARK_KINDS[this.kindAt(i)], line: this.lineAt(i) };
    const end = this.endAt(i);
    if (!Number.isNaN(end)) m.endTs = end;
    const cls = this.clsAt(i);
    if (cls) m.cls = MARK_CLASSES[cls - 1];
    const ipa = this.ipaAt(i);
    if (!Number.isNaN(ipa)) m.ipa = ipa;
    const size = this.sizeAt(i);
    if (!Number.isNaN(size)) m.size = size;
    const label = this.labelAt(i);
    if (label !== undefined) m.label = label;
    return m;
  }

  *[Symbol.iterator](): Iterator<Mark> {
    for (let i = 0; i < this.n; i++) yield this.get(i);
  }

  toArray(): Mark[] {
    return Array.from(this);
  }

  /** Bytes held by the columns (chunks are allocated whole). */
  memoryBytes(): number {
    return this.chunks.reduce((sum, c) => sum + c.ts.length * BYTES_PER_MARK, 0);
  }
}

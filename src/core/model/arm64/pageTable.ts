// The stage-2 page table as a sparse radix tree keyed by IPA (kernel-behaviour.md 5.3-5.9): invalid, table
// and leaf (block/page) descriptors with permissions, attributes, access flag, and who wrote each
// entry (trace line + actor). Every operation returns what it cost: TLB invalidations by kind, the
// cache maintenance it called (and whether FWB/DIC made it a no-op), and the break-before-make
// window it needs under the configured FEAT_BBM level. Per-entry state lives in typed arrays.
import { type Geometry, granuleShift, levelSize } from './geometry';

export const PROT_X = 1;
export const PROT_W = 2;
export const PROT_R = 4;
export const PROT_DEVICE = 8;
/** Access flag (not a kvm_pgtable_prot bit; kept in the same byte). */
export const ATTR_AF = 16;

const KIND_INVALID = 0;
const KIND_TABLE = 1;
const KIND_LEAF = 2;

export interface ModelFeatures {
  fwb: boolean;
  dic: boolean;
  tlbiRange: boolean;
  bbmLevel: 0 | 1 | 2;
  /** v6.5+: relax_perms uses the local (non-shareable) TLBI. */
  localRelaxTlbi: boolean;
  /** v5.14+: CMOs happen in the page-table code when a leaf is written (else the fault path does them). */
  cmoInPgtable: boolean;
  /** v6.2-v6.5: a table break flushes the whole VMID even with range TLBI. */
  tableBreakFlushesVmid: boolean;
}

export interface OpContext {
  line: number;
  actor: number;
}

export interface CmoCall {
  kind: 'dcache' | 'icache';
  ipa: number;
  size: number;
  /** False when FWB (dcache) or DIC (icache) reduce the call to nothing. */
  effective: boolean;
}

export type WindowKind = 'split' | 'coalesce' | 'replace';

export interface BbmWindowNeed {
  kind: WindowKind;
  ipa: number;
  size: number;
  level: number;
}

export interface OpResult {
  result: 'ok' | 'eagain' | 'noop';
  tlbi: { ipa: number; ipaNsh: number; range: number; vmid: number };
  cmos: CmoCall[];
  /** Break-before-make invalid windows this operation opens and closes (empty under FEAT_BBM 1/2 for size changes). */
  windows: BbmWindowNeed[];
  /** Size changes done without an invalid window thanks to FEAT_BBM level 1/2. */
  bbmAvoided: BbmWindowNeed[];
  splits: number;
  /** Page-table pages a split allocated: one per block split, and their children's for a block above level 2 (a 1 GiB block at 4K: 1 + 512). */
  tablePages: number;
  coalesces: number;
  /** Bytes of valid leaves under the tables a coalesce replaced (what of the new block was mapped before). */
  mappedUnderCoalesce: number;
  /** Level of the leaf written or examined. */
  level: number | undefined;
}

export interface LookupResult {
  kind: 'invalid' | 'table' | 'leaf';
  /** Level of the descriptor found (for invalid: the level where a walk stops). */
  level: number;
  base: number;
  size: number;
  prot: number;
  line: number;
  actor: number;
}

class TableNode {
  readonly kind: Uint8Array;
  readonly attr: Uint8Array;
  readonly line: Int32Array;
  readonly actor: Uint16Array;
  children: (TableNode | undefined)[] | undefined;
  used = 0;
  constructor(readonly level: number, readonly base: number, n: number) {
    this.kind = new Uint8Array(n);
    this.attr = new Uint8Array(n);
    this.line = new Int32Array(n);
    this.actor = new Uint16Array(n);
  }
}

// Most operations call no CMO and open no window: their result shares these (frozen) empty lists,
// and a list is allocated only when something is pushed (every fault runs at least one operation).
const NO_CMOS = Object.freeze([]) as unknown as CmoCall[];
const NO_WINDOWS = Object.freeze([]) as unknown as BbmWindowNeed[];

function emptyResult(): OpResult {
  return { result: 'ok', tlbi: { ipa: 0, ipaNsh: 0, range: 0, vmid: 0 }, cmos: NO_CMOS, windows: NO_WINDOWS, bbmAvoided: NO_WINDOWS, splits: 0, tablePages: 0, coalesces: 0, mappedUnderCoalesce: 0, level: undefined };
}

function cmosOf(res: OpResult): CmoCall[] {
  return res.cmos === NO_CMOS ? (res.cmos = []) : res.cmos;
}

export class PageTable {
  private readonly roots = new Map<number, TableNode>();
  private readonly n: number;
  private readonly rootShift: number;
  /** 2 ** rootShift, computed once: root() runs on every lookup. */
  private readonly rootSize: number;
  /** Bytes currently mapped by leaves, and leaves per level (for reports and invariants). */
  mappedBytes = 0;
  readonly leavesPerLevel = [0, 0, 0, 0];
  tables = 0;

  /** Bytes mapped by one entry at each level (index = level + 1, so level -1 fits). */
  private readonly sizeOf: number[] = [];

  constructor(readonly geom: Geometry, public features: ModelFeatures) {
    this.n = geom.entriesPerTable;
    this.rootShift = granuleShift(geom.pageShift, geom.startLevel - 1);
    this.rootSize = 2 ** this.rootShift;
    for (let l = -1; l <= 3; l++) this.sizeOf.push(levelSize(geom, l));
  }

  private index(node: TableNode, ipa: number): number {
    return Math.floor((ipa - node.base) / this.sizeOf[node.level + 1]) % this.n;
  }

  private root(ipa: number, create: boolean): TableNode | undefined {
    const key = Math.floor(ipa / this.rootSize);
    let r = this.roots.get(key);
    if (!r && create) {
      r = new TableNode(this.geom.startLevel, key * this.rootSize, this.n);
      this.roots.set(key, r);
      this.tables++;
    }
    return r;
  }

  private newChild(node: TableNode, i: number, ctx?: OpContext): TableNode {
    const size = this.sizeOf[node.level + 1];
    const child = new TableNode(node.level + 1, node.base + i * size, this.n);
    if (!node.children) node.children = new Array(this.n);
    node.children[i] = child;
    node.kind[i] = KIND_TABLE;
    node.line[i] = ctx?.line ?? 0;
    node.actor[i] = ctx?.actor ?? 0;
    node.used++;
    this.tables++;
    return child;
  }

  private setLeaf(node: TableNode, i: number, prot: number, ctx: OpContext): void {
    if (node.kind[i] === KIND_INVALID) node.used++;
    node.kind[i] = KIND_LEAF;
    node.attr[i] = prot | ATTR_AF;
    node.line[i] = ctx.line;
    node.actor[i] = ctx.actor;
    this.mappedBytes += this.sizeOf[node.level + 1];
    this.leavesPerLevel[node.level]++;
  }

  private clearEntry(node: TableNode, i: number): void {
    const k = node.kind[i];
    if (k === KIND_INVALID) return;
    if (k === KIND_LEAF) {
      this.mappedBytes -= this.sizeOf[node.level + 1];
      this.leavesPerLevel[node.level]--;
    } else if (node.children) {
      const child = node.children[i];
      if (child) this.freeSubtree(child);
      node.children[i] = undefined;
    }
    node.kind[i] = KIND_INVALID;
    node.attr[i] = 0;
    node.used--;
  }

  private freeSubtree(node: TableNode): void {
    for (let i = 0; i < this.n; i++) if (node.kind[i] !== KIND_INVALID) this.clearEntry(node, i);
    this.tables--;
  }

  /** The descriptor that translates `ipa` (or where a hardware walk would stop). */
  lookup(ipa: number): LookupResult {
    let node = this.root(ipa, false);
    if (!node) return { kind: 'invalid', level: this.geom.startLevel, base: 0, size: 0, prot: 0, line: 0, actor: 0 };
    for (;;) {
      const i = this.index(node, ipa);
      const k = node.kind[i];
      const size = this.sizeOf[node.level + 1];
      const base = node.base + i * size;
      if (k === KIND_TABLE && node.children?.[i]) {
        node = node.children[i]!;
        continue;
      }
      return {
        kind: k === KIND_LEAF ? 'leaf' : 'invalid',
        level: node.level,
        base,
        size,
        prot: node.attr[i],
        line: node.line[i],
        actor: node.actor[i],
      };
    }
  }

  /** The descriptor at exactly `level` over `ipa` (undefined when the walk ends above it). */
  entryAt(ipa: number, level: number): { kind: 'invalid' | 'table' | 'leaf'; line: number; actor: number } | undefined {
    let node = this.root(ipa, false);
    while (node) {
      const i = this.index(node, ipa);
      if (node.level === level) {
        const k = node.kind[i];
        return { kind: k === KIND_LEAF ? 'leaf' : k === KIND_TABLE ? 'table' : 'invalid', line: node.line[i], actor: node.actor[i] };
      }
      if (node.kind[i] !== KIND_TABLE) return undefined;
      node = node.children?.[i];
    }
    return undefined;
  }

  /** True when a valid table or leaf exists at exactly `level` over `ipa` (used to spot BBM windows). */
  validAtLevel(ipa: number, level: number): boolean {
    let node = this.root(ipa, false);
    while (node) {
      const i = this.index(node, ipa);
      if (node.level === level) return node.kind[i] !== KIND_INVALID;
      if (node.kind[i] !== KIND_TABLE) return false;
      node = node.children?.[i];
    }
    return false;
  }

  private dcache(res: OpResult, ipa: number, size: number, prot: number): void {
    if (prot & PROT_DEVICE) return;
    cmosOf(res).push({ kind: 'dcache', ipa, size, effective: !this.features.fwb });
  }

  private icache(res: OpResult, ipa: number, size: number): void {
    cmosOf(res).push({ kind: 'icache', ipa, size, effective: !this.features.dic });
  }

  private needWindow(res: OpResult, need: BbmWindowNeed, sizeChange: boolean): void {
    if (sizeChange && this.features.bbmLevel > 0) (res.bbmAvoided === NO_WINDOWS ? (res.bbmAvoided = []) : res.bbmAvoided).push(need);
    else (res.windows === NO_WINDOWS ? (res.windows = []) : res.windows).push(need);
  }

  private tableBreakTlbi(res: OpResult): void {
    if (this.features.tlbiRange && !this.features.tableBreakFlushesVmid) res.tlbi.range++;
    else res.tlbi.vmid++;
  }

  /**
   * kvm_pgtable_stage2_map of [ipa, ipa+size) (size = one level's granule). Splits a covering block
   * in the fault path (the rest of the block is left unmapped), collapses a table into a block,
   * returns 'eagain' when a valid leaf differing at most in permissions is already there.
   */
  map(ipa: number, size: number, prot: number, ctx: OpContext, opts: { skipCmo?: boolean } = {}): OpResult {
    const top = this.sizeOf[this.geom.startLevel + 1];
    if (size > top) return this.mapAcrossStartLevel(ipa, size, prot, ctx, opts);
    const res = emptyResult();
    let level = this.geom.startLevel;
    while (level < 3 && this.sizeOf[level + 1] > size) level++;
    const lsize = this.sizeOf[level + 1];
    const base = Math.floor(ipa / lsize) * lsize;
    let node = this.root(base, true)!;
    while (node.level < level) {
      const i = this.index(node, base);
      const k = node.kind[i];
      if (k === KIND_TABLE) {
        node = node.children![i]!;
        continue;
      }
      if (k === KIND_LEAF) {
        // Split in the fault path: break the block, install an empty table, map only the request.
        const bsize = this.sizeOf[node.level + 1];
        const bbase = node.base + i * bsize;
        this.needWindow(res, { kind: 'split', ipa: bbase, size: bsize, level: node.level }, true);
        res.tlbi.ipa++;
        res.splits++;
        this.clearEntry(node, i);
      }
      node = this.newChild(node, i, ctx);
      res.tablePages++;
    }
    const i = this.index(node, base);
    const k = node.kind[i];
    res.level = level;
    if (k === KIND_LEAF) {
      // stage2_pte_needs_update: only permission bits may differ -> -EAGAIN, nothing written.
      res.result = 'eagain';
      return res;
    }
    if (k === KIND_TABLE) {
      this.needWindow(res, { kind: 'coalesce', ipa: base, size, level }, true);
      this.tableBreakTlbi(res);
      res.coalesces++;
      this.forLeaves(base, size, (_n, _i, _b, lsize) => (res.mappedUnderCoalesce += lsize));
      this.clearEntry(node, i);
    }
    if (this.features.cmoInPgtable && !opts.skipCmo) {
      this.dcache(res, base, size, prot);
      if (prot & PROT_X) this.icache(res, base, size);
    }
    this.setLeaf(node, i, prot, ctx);
    return res;
  }

  /**
   * A map larger than one start-level entry (a 1 GiB map on a 4K stage 2 that starts at level 2):
   * kvm_pgtable_stage2_map() (arch/arm64/kvm/hyp/pgtable.c) walks the whole range and
   * stage2_map_walker_try_leaf() installs a block wherever kvm_block_mapping_supported() says the
   * level's granule fits, so the walk writes one start-level block per entry (512 level-2 blocks),
   * not one entry. The results are summed; 'eagain' only when every entry was already there.
   */
  private mapAcrossStartLevel(ipa: number, size: number, prot: number, ctx: OpContext, opts: { skipCmo?: boolean }): OpResult {
    const step = this.sizeOf[this.geom.startLevel + 1];
    const total = emptyResult();
    const windows: BbmWindowNeed[] = [];
    const avoided: BbmWindowNeed[] = [];
    let anyWritten = false;
    for (let a = Math.floor(ipa / step) * step; a < ipa + size; a += step) {
      const r = this.map(a, step, prot, ctx, opts);
      total.tlbi.ipa += r.tlbi.ipa;
      total.tlbi.ipaNsh += r.tlbi.ipaNsh;
      total.tlbi.range += r.tlbi.range;
      total.tlbi.vmid += r.tlbi.vmid;
      if (r.cmos.length > 0) cmosOf(total).push(...r.cmos);
      windows.push(...r.windows);
      avoided.push(...r.bbmAvoided);
      total.splits += r.splits;
      total.tablePages += r.tablePages;
      total.coalesces += r.coalesces;
      total.mappedUnderCoalesce += r.mappedUnderCoalesce;
      total.level = r.level;
      if (r.result === 'ok') anyWritten = true;
    }
    if (windows.length > 0) total.windows = windows;
    if (avoided.length > 0) total.bbmAvoided = avoided;
    total.result = anyWritten ? 'ok' : 'eagain';
    return total;
  }

  /** Leaves overlapping [ipa, ipa+size), visited in address order. */
  private forLeaves(ipa: number, size: number, fn: (node: TableNode, i: number, base: number, lsize: number) => void): void {
    const end = ipa + size;
    const visit = (node: TableNode): void => {
      const lsize = this.sizeOf[node.level + 1];
      const first = Math.max(0, Math.floor((ipa - node.base) / lsize));
      const last = Math.min(this.n - 1, Math.floor((end - 1 - node.base) / lsize));
      for (let i = first; i <= last; i++) {
        const k = node.kind[i];
        if (k === KIND_LEAF) fn(node, i, node.base + i * lsize, lsize);
        else if (k === KIND_TABLE && node.children?.[i]) visit(node.children[i]!);
      }
    };
    const rsize = 2 ** this.rootShift;
    for (let r = Math.floor(ipa / rsize); r * rsize < end; r++) {
      const root = this.roots.get(r);
      if (root) visit(root);
    }
  }

  /** kvm_pgtable_stage2_unmap: whole leaves go (a partially covered block entirely); empty tables are freed. */
  unmap(ipa: number, size: number, _ctx: OpContext): OpResult {
    const res = emptyResult();
    const defer = this.features.tlbiRange && this.features.fwb;
    let removed = 0;
    this.forLeaves(ipa, size, (node, i, base, lsize) => {
      const prot = node.attr[i];
      this.clearEntry(node, i);
      removed++;
      if (!defer) res.tlbi.ipa++;
      if (!this.features.fwb && !(prot & PROT_DEVICE)) cmosOf(res).push({ kind: 'dcache', ipa: base, size: lsize, effective: true });
      res.level = node.level;
    });
    if (defer && removed > 0) res.tlbi.range++;
    res.tlbi.ipa += this.pruneEmptyTables(ipa, size);
    if (removed === 0) res.result = 'noop';
    return res;
  }

  private pruneEmptyTables(ipa: number, size: number): number {
    let freed = 0;
    const end = ipa + size;
    const prune = (node: TableNode): void => {
      if (!node.children) return;
      const lsize = this.sizeOf[node.level + 1];
      const first = Math.max(0, Math.floor((ipa - node.base) / lsize));
      const last = Math.min(this.n - 1, Math.floor((end - 1 - node.base) / lsize));
      for (let i = first; i <= last; i++) {
        const child = node.children[i];
        if (node.kind[i] !== KIND_TABLE || !child) continue;
        prune(child);
        if (child.used === 0) {
          this.clearEntry(node, i);
          freed++;
        }
      }
    };
    const rsize = 2 ** this.rootShift;
    for (let r = Math.floor(ipa / rsize); r * rsize < end; r++) {
      const root = this.roots.get(r);
      if (root) prune(root);
    }
    return freed;
  }

  /** kvm_pgtable_stage2_relax_perms on the leaf covering ipa: adds permissions; icache when X is gained. */
  relax(ipa: number, prot: number, ctx: OpContext): OpResult {
    const res = emptyResult();
    const found = this.findLeaf(ipa);
    const tlbi = (): void => {
      if (this.features.localRelaxTlbi) res.tlbi.ipaNsh++;
      else res.tlbi.ipa++;
    };
    if (!found) {
      tlbi();
      res.result = 'eagain';
      return res;
    }
    const [node, i] = found;
    res.level = node.level;
    const old = node.attr[i];
    const neu = old | (prot & (PROT_R | PROT_W | PROT_X));
    if (neu === old) {
      tlbi();
      res.result = 'noop';
      return res;
    }
    // 5.14+: stage2_attr_walker() invalidates the I-cache when X is granted; <= 5.13 did it in
    // user_mem_abort() on every exec fault instead (the replay's relax adds that one)
    if (this.features.cmoInPgtable && neu & PROT_X && !(old & PROT_X)) this.icache(res, node.base + i * this.sizeOf[node.level + 1], this.sizeOf[node.level + 1]);
    node.attr[i] = neu;
    node.line[i] = ctx.line;
    node.actor[i] = ctx.actor;
    tlbi();
    return res;
  }

  private findLeaf(ipa: number): [TableNode, number] | undefined {
    let node = this.root(ipa, false);
    while (node) {
      const i = this.index(node, ipa);
      if (node.kind[i] === KIND_LEAF) return [node, i];
      if (node.kind[i] !== KIND_TABLE) return undefined;
      node = node.children?.[i];
    }
    return undefined;
  }

  /** kvm_pgtable_stage2_wrprotect: clear W on every leaf; the caller's flush is one VMID (or range) TLBI. */
  wrprotect(ipa: number, size: number, ctx: OpContext, opts: { flush?: boolean } = {}): OpResult {
    const res = emptyResult();
    let changed = 0;
    this.forLeaves(ipa, size, (node, i) => {
      if (node.attr[i] & PROT_W) {
        node.attr[i] &= ~PROT_W;
        node.line[i] = ctx.line;
        node.actor[i] = ctx.actor;
        changed++;
      }
    });
    if (opts.flush !== false && changed > 0) {
      if (this.features.tlbiRange) res.tlbi.range++;
      else res.tlbi.vmid++;
    }
    if (changed === 0) res.result = 'noop';
    return res;
  }

  /**
   * Eager splitting of [ipa, ipa+size) as kvm_mmu_split_huge_pages() (arch/arm64/kvm/mmu.c) does it:
   * chunk by chunk (splitChunks), the split memcache topped up to kvm_mmu_split_nr_page_tables(chunk)
   * pages before each, and kvm_pgtable_stage2_split() walking the chunk. There stage2_split_walker()
   * (arch/arm64/kvm/hyp/pgtable.c) replaces a valid block by a subtree built down to pages when the
   * cache holds stage2_block_get_nr_page_tables(level) pages (1 for a level-2 block, 1 + 512 for a
   * level-1 block at 4K), and otherwise by one table of next-level blocks, which the walk then visits
   * inside the chunk: a 1 GiB block and a 2 MiB chunk take 1 + 512 break-before-make sequences, a 1 GiB
   * chunk one. Each replaced valid block is one break-before-make with a TLBI by IPA
   * (stage2_try_break_pte); the entries of a subtree built unlinked are written without
   * (KVM_PGTABLE_WALK_SKIP_BBM_TLBI). No CMO. With the kernel's capacity the cache never runs short
   * (each chunk needs at most what kvm_mmu_split_nr_page_tables counts), so the -ENOMEM stop is only an
   * allocation failure, which a trace does not show.
   * `chunk` omitted: the range is one chunk (one kvm_pgtable_stage2_split() call seen in the trace).
   */
  split(ipa: number, size: number, ctx: OpContext, chunk?: number): OpResult {
    const res = emptyResult();
    for (const [a, e] of chunk === undefined ? [[ipa, ipa + size] as [number, number]] : splitChunks(ipa, size, chunk)) {
      const cache = { free: this.splitCacheCapacity(chunk ?? size) };
      const blocks: [TableNode, number, number][] = [];
      this.forLeaves(a, e - a, (node, i, base) => {
        if (node.level < 3) blocks.push([node, i, base]);
      });
      for (const [node, i, base] of blocks) this.splitBlockInChunk(node, i, base, a, e, ctx, res, cache);
    }
    if (res.splits === 0) res.result = 'noop';
    return res;
  }

  /** kvm_mmu_split_nr_page_tables(): one page per level-1 block (where blocks exist at level 1) and per level-2 block of the range. */
  private splitCacheCapacity(range: number): number {
    const perLevel1 = this.geom.minBlockLevel < 2 ? Math.ceil(range / this.sizeOf[2]) : 0;
    return perLevel1 + Math.ceil(range / this.sizeOf[3]);
  }

  /** stage2_block_get_nr_page_tables(): pages to rebuild a block at `level` down to pages. */
  private tablesToPages(level: number): number {
    return level === 1 ? this.n + 1 : 1;
  }

  private splitBlockInChunk(node: TableNode, i: number, base: number, a: number, e: number, ctx: OpContext, res: OpResult, cache: { free: number }): void {
    const need = this.tablesToPages(node.level);
    if (cache.free >= need) {
      cache.free -= need;
      this.splitBlock(node, i, base, ctx, res);
      return;
    }
    // One table of next-level blocks; the walk goes on into it, inside the chunk only.
    cache.free--;
    const { child } = this.replaceBlockByTable(node, i, base, ctx, res);
    if (child.level >= 3) return;
    const csize = this.sizeOf[child.level + 1];
    for (let j = 0; j < this.n; j++) {
      const cbase = base + j * csize;
      if (cbase < e && cbase + csize > a) this.splitBlockInChunk(child, j, cbase, a, e, ctx, res, cache);
    }
  }

  /** A block rebuilt down to pages in one step (force_pte): one window and TLBI for the block itself. */
  private splitBlock(node: TableNode, i: number, base: number, ctx: OpContext, res: OpResult): void {
    const { child, prot } = this.replaceBlockByTable(node, i, base, ctx, res);
    if (child.level < 3) {
      const csize = this.sizeOf[child.level + 1];
      for (let j = 0; j < this.n; j++) this.splitBlockQuiet(child, j, base + j * csize, ctx, prot, res);
    }
  }

  /**
   * The block at `node[i]` replaced, with break-before-make and a TLBI by IPA, by a table of leaves
   * one level down with the block's permissions (the access flag left to the guest's next touch).
   */
  private replaceBlockByTable(node: TableNode, i: number, base: number, ctx: OpContext, res: OpResult): { child: TableNode; prot: number } {
    const prot = node.attr[i] & ~ATTR_AF;
    this.needWindow(res, { kind: 'split', ipa: base, size: this.sizeOf[node.level + 1], level: node.level }, true);
    res.tlbi.ipa++;
    res.splits++;
    this.clearEntry(node, i);
    const child = this.newChild(node, i, ctx);
    res.tablePages++;
    for (let j = 0; j < this.n; j++) this.setLeaf(child, j, prot, ctx);
    return { child, prot };
  }

  /** Lower levels of an eager split are built unlinked (SKIP_BBM_TLBI): no window, no TLBI. */
  private splitBlockQuiet(node: TableNode, i: number, _base: number, ctx: OpContext, prot: number, res: OpResult): void {
    this.clearEntry(node, i);
    const child = this.newChild(node, i, ctx);
    res.tablePages++;
    for (let j = 0; j < this.n; j++) this.setLeaf(child, j, prot, ctx);
    if (child.level < 3) for (let j = 0; j < this.n; j++) this.splitBlockQuiet(child, j, 0, ctx, prot, res);
  }

  /** Access flag: mkyoung sets it (no TLBI); aging clears it. Returns whether a leaf was there. */
  setAccessFlag(ipa: number, young: boolean): boolean {
    const found = this.findLeaf(ipa);
    if (!found) return false;
    const [node, i] = found;
    if (young) node.attr[i] |= ATTR_AF;
    else node.attr[i] &= ~ATTR_AF;
    return true;
  }

  clearYoungRange(ipa: number, size: number): number {
    let n = 0;
    this.forLeaves(ipa, size, (node, i) => {
      if (node.attr[i] & ATTR_AF) n++;
      node.attr[i] &= ~ATTR_AF;
    });
    return n;
  }

  /** Every leaf as [base, size, level] in address order (tests and invariants). */
  leaves(): [number, number, number][] {
    const out: [number, number, number][] = [];
    const keys = [...this.roots.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      const r = this.roots.get(k)!;
      this.forLeaves(r.base, 2 ** this.rootShift, (node, _i, base, lsize) => out.push([base, lsize, node.level]));
    }
    return out;
  }

  /** Approximate bytes held by the model (typed arrays dominate). */
  memoryBytes(): number {
    return this.tables * (this.n * 8 + 96) + this.tables * this.n * 0.5;
  }
}

/**
 * The chunks kvm_mmu_split_huge_pages() splits [ipa, ipa+size) in, each under one hold of the MMU lock
 * for write (it may drop the lock between them): __stage2_range_addr_end(addr, end, chunk) ends a chunk
 * at the next multiple of the chunk size, or at the end of the range.
 */
export function splitChunks(ipa: number, size: number, chunk: number): [number, number][] {
  const out: [number, number][] = [];
  const end = ipa + size;
  for (let a = ipa; a < end; ) {
    const boundary = Math.floor((a + chunk) / chunk) * chunk;
    const next = boundary < end ? boundary : end;
    out.push([a, next]);
    a = next;
  }
  return out;
}

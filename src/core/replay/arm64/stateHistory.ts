// Per-IPA change history for hovers ("the model's state for that IPA at that moment"): every model
// change is one record in growable typed arrays, indexed by 2 MiB-ish region, so that a query for
// (line, ipa) walks back only that region's records. Memory: about 30 bytes per change.
import type { EntryState } from '../../domain/types';

export const REC_MAP = 1;
export const REC_UNMAP = 2;
export const REC_PERMS_SET = 3; // relax: prot becomes the given value on that leaf
export const REC_PERMS_CLEAR_W = 4; // wrprotect over a range
export const REC_SPLIT = 5; // block became pages of the same permissions

class Grow {
  f: Float64Array;
  i: Int32Array;
  n = 0;
  constructor(cap = 1024) {
    this.f = new Float64Array(cap * 2);
    this.i = new Int32Array(cap * 4);
  }
  push(ipa: number, size: number, line: number, kind: number, level: number, prot: number, actor: number): number {
    if (this.n * 2 >= this.f.length) {
      const f = new Float64Array(this.f.length * 2);
      f.set(this.f);
      this.f = f;
      const i = new Int32Array(this.i.length * 2);
      i.set(this.i);
      this.i = i;
    }
    const k = this.n++;
    this.f[k * 2] = ipa;
    this.f[k * 2 + 1] = size;
    this.i[k * 4] = line;
    this.i[k * 4 + 1] = kind | (level << 8) | (prot << 16);
    this.i[k * 4 + 2] = actor;
    this.i[k * 4 + 3] = 0;
    return k;
  }
}

class IntList {
  a = new Int32Array(8);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

export interface WindowSpan {
  ipa: number;
  size: number;
  startLine: number;
  endLine: number | undefined;
}

export class StateHistory {
  private readonly recs = new Grow();
  private readonly regions = new Map<number, IntList>();
  private readonly wide = new IntList();
  private readonly cmoLines = new Map<number, IntList>();
  private readonly windows: WindowSpan[] = [];
  /** Records beyond this are dropped (hover answers then stop at the cap): bounded memory on huge traces. */
  private readonly maxRecords: number;
  truncated = false;

  constructor(private readonly regionSize: number, opts: { maxRecords?: number } = {}) {
    this.maxRecords = opts.maxRecords ?? 500_000;
  }

  add(kind: number, ipa: number, size: number, line: number, level: number, prot: number, actor: number): void {
    if (this.recs.n >= this.maxRecords) {
      this.truncated = true;
      return;
    }
    const k = this.recs.push(ipa, size, line, kind, level, prot, actor);
    const first = Math.floor(ipa / this.regionSize);
    const last = Math.floor((ipa + Math.max(size, 1) - 1) / this.regionSize);
    if (last - first > 64) {
      this.wide.push(k);
      return;
    }
    for (let r = first; r <= last; r++) {
      let l = this.regions.get(r);
      if (!l) this.regions.set(r, (l = new IntList()));
      l.push(k);
    }
  }

  addCmo(ipa: number, line: number): void {
    const r = Math.floor(ipa / this.regionSize);
    let l = this.cmoLines.get(r);
    if (!l) this.cmoLines.set(r, (l = new IntList()));
    if (l.n < 1_000_000) l.push(line);
  }

  addWindow(w: WindowSpan): void {
    if (this.windows.length < 1_000_000) this.windows.push(w);
  }

  stateAt(line: number, ipa: number, labelOf: (actor: number) => string, leafSize: (level: number) => number): EntryState | undefined {
    const cands: number[] = [];
    const region = this.regions.get(Math.floor(ipa / this.regionSize));
    const collect = (l: IntList | undefined): void => {
      if (!l) return;
      for (let j = l.n - 1; j >= 0; j--) {
        const k = l.a[j];
        if (this.recs.i[k * 4] <= line) cands.push(k);
      }
    };
    collect(region);
    collect(this.wide);
    cands.sort((a, b) => b - a);
    let permsClearW = false;
    let permsSet: number | undefined;
    let splitLevel: number | undefined;
    for (const k of cands) {
      const s = this.recs.f[k * 2];
      const size = this.recs.f[k * 2 + 1];
      if (ipa < s || ipa >= s + size) continue;
      const packed = this.recs.i[k * 4 + 1];
      const kind = packed & 0xff;
      const level = (packed >> 8) & 0xff;
      const prot = (packed >> 16) & 0xff;
      if (kind === REC_PERMS_CLEAR_W) {
        permsClearW = true;
        continue;
      }
      if (kind === REC_PERMS_SET) {
        if (permsSet === undefined) permsSet = prot;
        continue;
      }
      if (kind === REC_SPLIT) {
        // Same output and permissions, smaller leaves: the mapping record further back says the rest.
        if (splitLevel === undefined) splitLevel = level;
        continue;
      }
      const recLine = this.recs.i[k * 4];
      const actor = this.recs.i[k * 4 + 2];
      const win = this.windowAt(line, ipa);
      const lastCmo = this.lastCmo(line, ipa);
      if (kind === REC_UNMAP) {
        return { ipa, level, leaf: win ? 'locked' : 'invalid', size: 0, perms: '---', mappedAtLine: recLine, mappedBy: labelOf(actor), invalidWindowOpen: win, lastCmoLine: lastCmo, observed: true };
      }
      let p = permsSet ?? prot;
      if (permsClearW && permsSet === undefined) p &= ~2;
      const lvl = splitLevel ?? level;
      const lsize = leafSize(lvl);
      return {
        ipa: Math.floor(ipa / lsize) * lsize,
        level: lvl,
        leaf: win ? 'locked' : lvl === 3 ? 'page' : 'block',
        size: lsize,
        perms: `${p & 4 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 1 ? 'x' : '-'}`,
        mappedAtLine: recLine,
        mappedBy: labelOf(actor),
        invalidWindowOpen: win,
        lastCmoLine: lastCmo,
        observed: true,
      };
    }
    return undefined;
  }

  private windowAt(line: number, ipa: number): boolean {
    for (let j = this.windows.length - 1; j >= 0; j--) {
      const w = this.windows[j];
      if (ipa >= w.ipa && ipa < w.ipa + w.size && w.startLine <= line && (w.endLine === undefined || line <= w.endLine)) return true;
    }
    return false;
  }

  private lastCmo(line: number, ipa: number): number | undefined {
    const l = this.cmoLines.get(Math.floor(ipa / this.regionSize));
    if (!l) return undefined;
    for (let j = l.n - 1; j >= 0; j--) if (l.a[j] <= line) return l.a[j];
    return undefined;
  }

  get size(): number {
    return this.recs.n;
  }
}

// Stage-2 geometry (kernel-behaviour.md 5.2): from the granule and the IPA size, the number of levels,
// the start level, the number of concatenated entry-level tables, the PGD size and the size a
// descriptor maps at each level. These are the kernel's own formulas (stage2_pgtable.h, kvm_get_vtcr).
import type { Granule } from '../analysis/types';

export interface Geometry {
  granule: Granule;
  ipaBits: number;
  pageShift: number;
  levels: number;
  startLevel: number;
  concatTables: number;
  pgdBytes: number;
  entriesPerTable: number;
  /** Lowest level at which KVM creates blocks (KVM_PGTABLE_MIN_BLOCK_LEVEL). */
  minBlockLevel: number;
}

export function granuleShift(pageShift: number, level: number): number {
  return (pageShift - 3) * (4 - level) + 3;
}

/** 2 ** n by table: `2 ** variable` is a slow Math.pow call, and levelSize runs on every fault. */
const POW2: number[] = Array.from({ length: 64 }, (_, n) => 2 ** n);

/** Bytes mapped by one descriptor at `level` (kvm_granule_size). */
export function levelSize(geom: Pick<Geometry, 'pageShift'>, level: number): number {
  const shift = granuleShift(geom.pageShift, level);
  return POW2[shift] ?? 2 ** shift;
}

export function computeGeometry(granule: Granule, ipaBits: number): Geometry {
  const pageShift = Math.log2(granule);
  const hwLevels = (va: number): number => Math.floor((va - 4) / (pageShift - 3));
  const levels = Math.max(hwLevels(ipaBits - 4), 2);
  const startLevel = 4 - levels;
  // kvm_pgd_pages: ((2^ia - 1) >> shift(start - 1)) + 1, computed without 2^52 overflow worries.
  const shift = granuleShift(pageShift, startLevel - 1);
  const concatTables = ipaBits > shift ? 2 ** (ipaBits - shift) : 1;
  return {
    granule,
    ipaBits,
    pageShift,
    levels,
    startLevel,
    concatTables,
    pgdBytes: concatTables * granule,
    entriesPerTable: granule / 8,
    minBlockLevel: granule === 4096 ? 1 : 2,
  };
}

/** Block sizes KVM may use for this granule (level MIN_BLOCK_LEVEL..2, not above the start level). */
export function blockLevels(geom: Geometry): number[] {
  const out: number[] = [];
  for (let l = Math.max(geom.minBlockLevel, geom.startLevel); l <= 2; l++) out.push(l);
  return out;
}

/** The level whose descriptor maps exactly `size` bytes, or undefined. */
export function levelForSize(geom: Geometry, size: number): number | undefined {
  for (let l = geom.startLevel; l <= 3; l++) if (levelSize(geom, l) === size) return l;
  return undefined;
}

const SIZE_UNITS: readonly (readonly [number, string])[] = [[2 ** 40, 'T'], [2 ** 30, 'G'], [2 ** 20, 'M'], [2 ** 10, 'K']];

export function formatSize(bytes: number): string {
  for (const [u, s] of SIZE_UNITS) if (bytes >= u && bytes % u === 0) return `${bytes / u}${s}`;
  return `${bytes}B`;
}

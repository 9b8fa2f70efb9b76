// Stage-2 geometry (kernel-behaviour.md 5.2): from the granule and the IPA size, the number of levels,
// the start level, the number of concatenated entry-level tables, the PGD size and the size a
// descriptor maps at each level. These are the kernel's own formulas (stage2_pgtable.h, kvm_get_vtcr).
import type { Granule } from '../../domain/types';

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

/**
 * Block sizes KVM accepts as an eager split chunk for this granule: kvm_supported_block_sizes()
 * (arch/arm64/kvm/hyp/pgtable.c) ORs kvm_granule_size(level) for KVM_PGTABLE_LAST_LEVEL down to
 * KVM_PGTABLE_MIN_BLOCK_LEVEL (1 with 4K pages, else 2), and kvm_vm_ioctl_enable_cap()
 * (arch/arm64/kvm/arm.c, KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE) takes 0 or a size with
 * kvm_is_block_size_supported(). 4K: 4K, 2M, 1G; 16K: 16K, 32M; 64K: 64K, 512M.
 */
export function supportedChunkSizes(granule: Granule): number[] {
  const pageShift = Math.log2(granule);
  const minBlockLevel = granule === 4096 ? 1 : 2;
  const out: number[] = [];
  for (let l = 3; l >= minBlockLevel; l--) out.push(levelSize({ pageShift }, l));
  return out;
}

/**
 * What the kernel would refuse in a granule / IPA size / eager-split chunk combination.
 * - kvm_set_ipa_limit() (arch/arm64/kvm/reset.c) caps the IPA at 48 bits on 4K and 16K pages unless
 *   LPA2 is enabled (kvm_lpa2_is_enabled()); the model has no LPA2 descriptor format, so 49-52 bits
 *   are only modelled with 64K pages.
 * - the eager split chunk must be 0 or a block size the granule supports (supportedChunkSizes).
 */
export function geometryProblems(granule: Granule, ipaBits: number, eagerSplitChunk: number | 'auto'): string[] {
  const out: string[] = [];
  if (ipaBits > 48 && granule !== 65536)
    out.push(`ipaBits: ${ipaBits}-bit IPA with a ${formatSize(granule)} granule needs FEAT_LPA2 (kvm_set_ipa_limit caps it at 48 bits without it), and the model has no LPA2 descriptor format: use at most 48 bits or the 64K granule`);
  if (typeof eagerSplitChunk === 'number' && eagerSplitChunk !== 0 && !supportedChunkSizes(granule).includes(eagerSplitChunk))
    out.push(`eagerSplitChunk: ${formatSize(eagerSplitChunk)} is not a block size of the ${formatSize(granule)} granule (KVM accepts 0 or ${supportedChunkSizes(granule).map(formatSize).join(', ')})`);
  return out;
}
